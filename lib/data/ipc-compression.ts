/**
 * Arrow IPC body compression (LZ4_FRAME, ZSTD) that apache-arrow cannot
 * decode: pyarrow's `feather.write_feather` compresses with LZ4 by default,
 * and apache-arrow reads compressed batches only through a codec registered
 * in its `compressionRegistry` (none is). This finds such a file or stream
 * before parsing, from its message headers alone, so the reader can say what
 * is not supported and how to re-save the file, instead of apache-arrow's
 * "Record batch is compressed but codec not found".
 */
import { CompressionType, Message, compressionRegistry } from "apache-arrow";

/** "ARROW1" padded to 8 bytes: an Arrow IPC file's first bytes (a stream has none). */
const FILE_PREAMBLE = 8;

/**
 * The codec ("LZ4_FRAME" or "ZSTD") of the first record or dictionary batch
 * of Arrow IPC `bytes` (a file, by its magic, or a stream) that is compressed
 * with a codec apache-arrow has no decoder for; undefined when there is none.
 * Reads only message headers, stops at the end-of-stream marker, the footer,
 * or the first message it cannot decode (the reader reports that one).
 */
export function undecodableIpcCompression(bytes: Uint8Array): string | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const isFile = bytes.length >= FILE_PREAMBLE && String.fromCharCode(...bytes.subarray(0, 6)) === "ARROW1";
  let end = bytes.length;
  if (isFile) {
    if (bytes.length < FILE_PREAMBLE + 10) return undefined;
    const footerLength = view.getInt32(bytes.length - 10, true);
    end = bytes.length - 10 - footerLength;
    if (footerLength <= 0 || end < FILE_PREAMBLE) return undefined;
  }
  let pos = isFile ? FILE_PREAMBLE : 0;
  while (pos + 8 <= end) {
    // Encapsulated message: 0xFFFFFFFF, int32 length, flatbuffer, body (before Arrow 0.15: int32 length, flatbuffer, body).
    const continuation = view.getUint32(pos, true) === 0xffffffff;
    const length = view.getInt32(continuation ? pos + 4 : pos, true);
    const start = pos + (continuation ? 8 : 4);
    if (length <= 0 || start + length > end) return undefined;
    let compression: { type: CompressionType } | null;
    let bodyLength: number;
    try {
      const message = Message.decode(bytes.subarray(start, start + length));
      compression = message.isRecordBatch() ? message.header().compression : message.isDictionaryBatch() ? message.header().data.compression : null;
      bodyLength = message.bodyLength;
    } catch {
      return undefined;
    }
    if (compression) {
      const codec = compressionRegistry.get(compression.type);
      if (typeof codec?.decode !== "function") return CompressionType[compression.type] ?? `codec #${compression.type}`;
    }
    if (!Number.isSafeInteger(bodyLength) || bodyLength < 0) return undefined;
    pos = start + length + bodyLength;
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
