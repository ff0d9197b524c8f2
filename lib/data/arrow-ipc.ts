/**
 * Arrow IPC bytes in and out of Trellis, checked.
 *
 * `parseArrowIPC` is the one way Trellis turns Arrow IPC bytes (a file or a
 * stream) into a table: the layout is read and verified first
 * (arrow-layout.ts), apache-arrow decodes only bytes that passed, and the
 * columns are checked against what their metadata claims (null counts
 * against the validity bitmaps, offsets against the data they index).
 * Every error names the file and says what is wrong.
 *
 * `arrowFileBytes` writes an Arrow IPC file laid out as the format's
 * specification and pyarrow lay it out: the magic, the whole stream (the
 * schema message first), the footer. apache-arrow's own file writer leaves
 * the schema message out, so its footer's schema has no twin to be checked
 * against.
 */
import { DataType, MetadataVersion, tableFromIPC, tableToIPC, type Data, type Table } from "apache-arrow";
import { FileBlock, Footer } from "apache-arrow/ipc/metadata/file";
import { batchBuffers, type NodeSpec } from "./arrow-buffers.js";
import { ArrowFormatError, ARROW_MAGIC, bytesSource, readArrowLayout, type ArrowLayout, type RecordBatchBlock } from "./arrow-layout.js";
import { compressedIpcError, undecodableCompression } from "./ipc-compression.js";

export { ArrowFormatError };

export interface ParseArrowOptions {
  /**
   * Top-level columns whose bytes are present (by index); the others' bodies
   * were not read and are neither checked nor to be used. Default: all.
   */
  columns?: readonly number[];
  /** A stream may stop without its end-of-stream marker (one still being appended to). Default false. */
  openEnded?: boolean;
}

/**
 * The table in Arrow IPC file or stream bytes (zero-copy: its buffers are
 * views of `bytes`), after checking the bytes (arrow-layout.ts) and, in the
 * columns read, null counts against the validity bitmaps and offsets
 * against what they index; throws an Error naming `path` and what is wrong
 * for a truncated or corrupted file.
 */
export function parseArrowIPC(bytes: Uint8Array, path: string, options: ParseArrowOptions = {}): Table {
  const layout = readArrowLayout(bytesSource(bytes), path);
  const kind = layout.format;
  if (kind === "stream" && !layout.ended && !options.openEnded) throw new ArrowFormatError(`${path}: truncated Arrow IPC stream (${bytes.length} bytes; no end-of-stream marker)`);
  const codec = undecodableCompression(layout);
  if (codec) throw compressedIpcError(path, codec);
  const columns = options.columns ?? layout.schema.fields.map((_, i) => i);
  // From the bytes, not from apache-arrow's columns: it drops the bitmap of a node whose null count says 0.
  const nulls = nullCountProblem(bytes, layout, new Set(columns));
  if (nulls) throw new ArrowFormatError(`${path}: corrupted Arrow IPC ${kind}: ${nulls}`);
  let table: Table;
  try {
    table = tableFromIPC(kind === "stream" ? bytes.subarray(0, layout.end) : bytes);
  } catch (error) {
    throw new ArrowFormatError(`${path}: corrupted Arrow IPC ${kind}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const offsets = offsetsProblem(table, columns);
  if (offsets) throw new ArrowFormatError(`${path}: corrupted Arrow IPC ${kind}: ${offsets}`);
  return table;
}

/** Set bits per byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let x = b; x; x >>= 1) n += x & 1;
  return n;
});

/** Set bits among the first `length` bits of a bitmap. */
function popcount(bits: Uint8Array, length: number): number {
  let n = 0;
  const whole = length >> 3;
  for (let i = 0; i < whole; i++) n += POPCOUNT[bits[i]!]!;
  const rest = length & 7;
  if (rest) n += POPCOUNT[bits[whole]! & ((1 << rest) - 1)]!;
  return n;
}

/**
 * A null count that the node's validity bitmap in `bytes` contradicts, or
 * undefined: checked in the record batches of `columns` (the others' bytes
 * may not have been read) and in every dictionary batch. Costs a bit per
 * row of each bitmap present (writers leave it out when there are no nulls).
 */
function nullCountProblem(bytes: Uint8Array, layout: ArrowLayout, columns: ReadonlySet<number>): string | undefined {
  const check = (block: RecordBatchBlock, specs: readonly NodeSpec[], where: string, all: boolean): string | undefined => {
    if (block.batch.compression) return undefined;
    const body = block.offset + block.metaDataLength;
    const buffers = batchBuffers(block.batch, specs);
    for (const [i, spec] of specs.entries()) {
      if (!all && !columns.has(spec.column)) continue;
      const node = block.batch.nodes[i]!;
      for (const { rule, buffer } of buffers[i]!) {
        if (rule.kind !== "validity" || buffer.length === 0) continue;
        const nulls = node.length - popcount(bytes.subarray(body + buffer.offset, body + buffer.offset + buffer.length), node.length);
        if (nulls !== node.null_count) return `${where} says its column ${spec.name} has ${node.null_count} nulls, its validity bitmap has ${nulls}`;
      }
    }
    return undefined;
  };
  for (const [k, b] of layout.batches.entries()) {
    const problem = check(b, layout.nodes, `record batch ${k} at byte ${b.offset}`, false);
    if (problem) return problem;
  }
  for (const [k, d] of layout.dictionaries.entries()) {
    const problem = check(d, layout.dictionaryNodes.get(d.id)!, `dictionary batch ${k} (id ${d.id}) at byte ${d.offset}`, true);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Offsets past the data or child they index in the loaded `columns` (and
 * their dictionaries), or undefined: reads the first and last offset of each
 * offsets buffer.
 */
function offsetsProblem(table: Table, columns: readonly number[]): string | undefined {
  const seen = new Set<Data>();
  const check = (data: Data, name: string): string | undefined => {
    if (seen.has(data)) return undefined;
    seen.add(data);
    const type = data.type as DataType;
    const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
    if (offsets && offsets.length > 0 && !DataType.isUnion(type)) {
      const first = Number(offsets[0]!);
      const last = Number(offsets[data.length]!);
      const nested = DataType.isList(type) || DataType.isLargeList(type) || DataType.isMap(type);
      const limit = nested ? data.children[0]!.length : (data.values as Uint8Array).length;
      if (!(first >= 0 && first <= last && last <= limit)) return `column ${name} has offsets from ${first} to ${last}, past the ${limit} ${nested ? "values of its child" : "bytes of its data"}`;
    }
    for (const [i, child] of data.children.entries()) {
      const problem = check(child, `${name}.${type.children?.[i]?.name ?? i}`);
      if (problem) return problem;
    }
    for (const d of data.dictionary?.data ?? []) {
      const problem = check(d, `${name} (dictionary)`);
      if (problem) return problem;
    }
    return undefined;
  };
  for (const c of columns) {
    const field = table.schema.fields[c]!;
    for (const data of table.getChildAt(c)?.data ?? []) {
      const problem = check(data, field.name);
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * An Arrow IPC file of `table`: the magic, the IPC stream of the table
 * (schema message, dictionaries, record batches, end-of-stream marker) and
 * a footer listing its blocks, as pyarrow writes files. Throws, as
 * apache-arrow's file writer does, when a dictionary is replaced between
 * batches (the file format has no replacement dictionaries): unify them first.
 */
export function arrowFileBytes(table: Table): Uint8Array {
  const stream = tableToIPC(table, "stream");
  const layout: ArrowLayout = readArrowLayout(bytesSource(stream), "the stream being written");
  const seen = new Set<number>();
  for (const d of layout.dictionaries) {
    if (!d.isDelta && seen.has(d.id)) throw new Error(`arrowFileBytes: dictionary ${d.id} changes between record batches; the Arrow IPC file format allows only additions (unify the dictionaries first)`);
    seen.add(d.id);
  }
  const moved = (b: { offset: number; metaDataLength: number; bodyLength: number }) => new FileBlock(b.metaDataLength, b.bodyLength, b.offset + 8);
  const footer = Footer.encode(new Footer(table.schema, MetadataVersion.V5, layout.batches.map(moved), layout.dictionaries.map(moved)));
  const out = new Uint8Array(8 + stream.length + footer.length + 4 + 6);
  const magic = new TextEncoder().encode(ARROW_MAGIC);
  out.set(magic, 0);
  out.set(stream, 8);
  out.set(footer, 8 + stream.length);
  new DataView(out.buffer).setInt32(8 + stream.length + footer.length, footer.length, true);
  out.set(magic, out.length - 6);
  return out;
}
