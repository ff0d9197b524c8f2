/**
 * Arrow IPC body compression (LZ4_FRAME, ZSTD) that apache-arrow cannot
 * decode: pyarrow's `feather.write_feather` compresses with LZ4 by default,
 * and apache-arrow reads compressed batches only through a codec registered
 * in its `compressionRegistry` (Trellis registers none). `parseArrowIPC`
 * finds such a file from its verified layout before parsing, and says what
 * is not supported and how to re-save the file, instead of apache-arrow's
 * "Record batch is compressed but codec not found".
 */
import { CompressionType, compressionRegistry } from "apache-arrow";
import type { ArrowLayout } from "./arrow-layout.js";

/**
 * The codec (e.g. "ZSTD") of the first batch of `layout` whose body is
 * compressed with a codec apache-arrow has no decoder for; undefined when
 * every batch can be read (none is compressed, or the user registered a
 * decoder in apache-arrow's `compressionRegistry`).
 */
export function undecodableCompression(layout: ArrowLayout): string | undefined {
  if (!layout.compressed) return undefined;
  for (const block of [...layout.dictionaries, ...layout.batches]) {
    const codec = block.batch.compression?.codec;
    if (codec === undefined) continue;
    if (typeof compressionRegistry.get(codec)?.decode !== "function") return CompressionType[codec] ?? `codec #${codec}`;
  }
  return undefined;
}

/**
 * The error for an Arrow IPC file or stream at `path` whose batches are
 * compressed with `codec`: what is not supported and how to re-save the data
 * so Trellis can read it.
 */
export function compressedIpcError(path: string, codec: string): Error {
  return new Error(
    `${path}: Arrow IPC data with ${codec}-compressed buffers (pyarrow's feather.write_feather compresses with LZ4 unless told otherwise), which Trellis cannot decompress: ` +
      `it reads uncompressed Arrow IPC files and streams, and Parquet with any codec. ` +
      `Re-save it uncompressed with pyarrow: feather.write_feather(table, path, compression="uncompressed") ` +
      `(or pyarrow.ipc.new_file(path, schema, options=pyarrow.ipc.IpcWriteOptions(compression=None))), or as Parquet: pyarrow.parquet.write_table(table, "data.parquet")`,
  );
}
