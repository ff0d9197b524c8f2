/**
 * The layout of an Arrow IPC file or stream, read and checked before any of
 * apache-arrow's decoders sees a byte (they trust every offset and length).
 *
 * An Arrow IPC file is the magic, the streaming format (the schema message,
 * dictionary batches, record batches, the end-of-stream marker) and a footer
 * that repeats the schema and lists where each batch is. `readArrowLayout`
 * verifies every flatbuffer (arrow-verify.ts), walks the messages of the
 * stream part from byte 8 and requires the footer's blocks to be exactly
 * what the walk finds, checks each batch against its schema
 * (arrow-buffers.ts), and, when the file has a schema message after the
 * magic (pyarrow's files, Trellis's own since `arrowFileBytes`), requires
 * the footer's schema to equal it in every field. So a changed byte in the
 * metadata gives an error naming the file and what is wrong; the one change
 * it cannot see is to a string or number of a footer schema that has no
 * twin at the start of the file (files written by apache-arrow's own writer).
 *
 * Bytes come from a {@link ByteSource}, so the column reader can read the
 * metadata of a file on disk without its bodies.
 */
import { Message, type Schema } from "apache-arrow";
import { Footer } from "apache-arrow/ipc/metadata/file";
import { batchProblem, dictionaryFields, nodeSpecs, schemaProblem, type NodeSpec } from "./arrow-buffers.js";
import { verifyFooter, verifyMessage, type Block, type MessageTable, type RecordBatchTable, type SchemaTable } from "./arrow-verify.js";

/** Random access to the bytes of a file or buffer. */
export interface ByteSource {
  readonly size: number;
  /** Bytes [start, start + length), all inside [0, size) (callers check). */
  read(start: number, length: number): Uint8Array;
}

/** A source over bytes in memory (reads are views, not copies). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (start, length) => bytes.subarray(start, start + length) };
}

/** "ARROW1": the first and last six bytes of an Arrow IPC file. */
export const ARROW_MAGIC = "ARROW1";
/** MetadataVersion.V4: older metadata is not read by apache-arrow or pyarrow. */
const V4 = 3;

/** One message: where it starts, its metadata's size (prefix included) and its body's. */
export type MessageBlock = Block;

export interface RecordBatchBlock extends MessageBlock {
  readonly batch: RecordBatchTable;
}

export interface DictionaryBlock extends RecordBatchBlock {
  readonly id: number;
  readonly isDelta: boolean;
}

export interface ArrowLayout {
  readonly format: "file" | "stream";
  /** The schema as apache-arrow decodes it. */
  readonly schema: Schema;
  /** The schema as stored, every field decoded. */
  readonly schemaTable: SchemaTable;
  /** The schema message (always in a stream; in a file only when written after the magic). */
  readonly schemaMessage: MessageBlock | undefined;
  readonly dictionaries: readonly DictionaryBlock[];
  readonly batches: readonly RecordBatchBlock[];
  /** The nodes of each record batch, as the schema lays them out. */
  readonly nodes: readonly NodeSpec[];
  /** The nodes of each dictionary's batches, by dictionary id. */
  readonly dictionaryNodes: ReadonlyMap<number, readonly NodeSpec[]>;
  readonly numRows: number;
  /** Whether any batch body is compressed. */
  readonly compressed: boolean;
  /** Whether a column holds binary or string views (variadic buffers). */
  readonly views: boolean;
  /** The byte after the last message (for a stream, after its end-of-stream marker when it has one). */
  readonly end: number;
  /** Whether a stream ended with its end-of-stream marker (files: true). */
  readonly ended: boolean;
}

/** Thrown for bytes that are not a well-formed Arrow IPC file or stream; the message names the source and says what is wrong. */
export class ArrowFormatError extends Error {
  override name = "ArrowFormatError";
}

type Kind = "file" | "stream";

/** Reads the layout of an Arrow IPC file (starting with the magic) or stream; throws an {@link ArrowFormatError} naming `path`. */
export function readArrowLayout(source: ByteSource, path: string): ArrowLayout {
  const head = source.size >= 6 ? new TextDecoder().decode(source.read(0, 6)) : "";
  return head === ARROW_MAGIC ? readFile(source, path) : readStream(source, path);
}

function failer(path: string, kind: Kind) {
  return {
    corrupted: (what: string): never => {
      throw new ArrowFormatError(`${path}: corrupted Arrow IPC ${kind}: ${what}`);
    },
    truncated: (what: string): never => {
      throw new ArrowFormatError(`${path}: truncated Arrow IPC ${kind} (${what})`);
    },
  };
}

const int32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset + at, 4).getInt32(0, true);
const uint32 = (bytes: Uint8Array, at: number) => new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);

/** Runs a verifier, turning its error into a corrupted-file error. */
function verified<T>(corrupted: (what: string) => never, run: () => T): T {
  try {
    return run();
  } catch (error) {
    return corrupted(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Reads the message at `pos` (which must end by `limit`): its prefix
 * (0xFFFFFFFF and the metadata length; or, before format 1.0, just the
 * length), its verified flatbuffer, and its body's extent. `metaDataLength`,
 * when the footer gives it, is read in one go and must match the prefix.
 * Returns undefined at an end-of-stream marker.
 */
function readMessage(source: ByteSource, pos: number, limit: number, kind: Kind, path: string, metaDataLength?: number): { block: MessageBlock; message: MessageTable } | undefined {
  const { corrupted, truncated } = failer(path, kind);
  const at = `the message at byte ${pos}`;
  if (pos % 8 !== 0) corrupted(`${at} does not start at a multiple of 8 bytes`);
  if (metaDataLength !== undefined && (metaDataLength < 8 || metaDataLength % 8 !== 0 || pos + metaDataLength > limit)) corrupted(`the footer says ${at} has ${metaDataLength} bytes of metadata, which do not fit (the messages end at byte ${limit})`);
  if (pos + 4 > limit) (kind === "stream" ? truncated : corrupted)(`${source.size} bytes; ${at} has no length`);
  const chunk = metaDataLength !== undefined ? source.read(pos, metaDataLength) : source.read(pos, Math.min(8, limit - pos));
  const continuation = uint32(chunk, 0) === 0xffffffff;
  if (continuation && chunk.length < 8) (kind === "stream" ? truncated : corrupted)(`${source.size} bytes; ${at} has no length`);
  const prefix = continuation ? 8 : 4;
  const length = int32(chunk, prefix - 4);
  if (length === 0 && metaDataLength === undefined) return undefined;
  if (length <= 0 || (prefix + length) % 8 !== 0) corrupted(`${at} says its metadata has ${length} bytes`);
  if (metaDataLength !== undefined && prefix + length !== metaDataLength) corrupted(`${at} says its metadata has ${prefix + length} bytes, the footer says ${metaDataLength}`);
  if (pos + prefix + length > limit) (kind === "stream" ? truncated : corrupted)(`${source.size} bytes; ${at} needs ${prefix + length} bytes of metadata, ${limit - pos} are left`);
  const flat = metaDataLength !== undefined ? chunk.subarray(prefix) : source.read(pos + prefix, length);
  const message = verified(corrupted, () => verifyMessage(flat, `${at} (metadata)`));
  if (message.header === null) corrupted(`${at} has no header`);
  if (message.version < V4) corrupted(`${at} has metadata version V${message.version + 1}; only V4 and V5 are read`);
  const end = pos + prefix + length + message.bodyLength;
  if (message.bodyLength < 0 || end > limit) (kind === "stream" ? truncated : corrupted)(`${source.size} bytes; ${at} says its body has ${message.bodyLength} bytes, ${limit - pos - prefix - length} are left`);
  if (message.bodyLength % 8 !== 0) corrupted(`${at} says its body has ${message.bodyLength} bytes, not a multiple of 8`);
  return { block: { offset: pos, metaDataLength: prefix + length, bodyLength: message.bodyLength }, message };
}

/** The first difference between two decoded schemas as a path, or undefined when they are equal in every field. */
export function schemaDifference(a: SchemaTable, b: SchemaTable): { path: string; a: unknown; b: unknown } | undefined {
  const walk = (x: unknown, y: unknown, path: string): { path: string; a: unknown; b: unknown } | undefined => {
    if (x === y) return undefined;
    if (typeof x !== "object" || typeof y !== "object" || x === null || y === null || Array.isArray(x) !== Array.isArray(y)) return { path, a: x, b: y };
    if (Array.isArray(x) && Array.isArray(y) && x.length !== y.length) return { path: `${path}.length`, a: x.length, b: y.length };
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    for (const k of keys) {
      const xv = (x as Record<string, unknown>)[k];
      const name = Array.isArray(x) && typeof (xv as { name?: unknown })?.name === "string" ? `${k} (${(xv as { name: string }).name})` : k;
      const d = walk(xv, (y as Record<string, unknown>)[k], Array.isArray(x) ? `${path}[${name}]` : path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return undefined;
  };
  return walk(a, b, "");
}

/** The schema of a schema message, without the union's tag. */
function schemaOf(message: MessageTable): SchemaTable {
  const { $type, ...schema } = message.header as { $type: "Schema" } & SchemaTable;
  void $type;
  return schema;
}

/** Checks the schema and returns the node layout of its batches and its dictionaries' value fields. */
function schemaLayout(schema: SchemaTable, version: number, corrupted: (what: string) => never) {
  const problem = schemaProblem(schema);
  if (problem) corrupted(problem);
  const dictionaries = new Map([...dictionaryFields(schema)].map(([id, field]) => [id, nodeSpecs([field], version)]));
  return { nodes: nodeSpecs(schema.fields, version), dictionaries };
}

/**
 * Follows the dictionary and record batch messages, checking each batch
 * against the schema; `next(pos)` reads the message at `pos` (undefined at
 * the end); returns the blocks and where the walk stopped.
 */
function walkBatches(
  kind: Kind,
  layout: ReturnType<typeof schemaLayout>,
  start: number,
  next: (pos: number, index: number) => { block: MessageBlock; message: MessageTable } | undefined,
  corrupted: (what: string) => never,
) {
  const dictionaries: DictionaryBlock[] = [];
  const batches: RecordBatchBlock[] = [];
  const seen = new Set<number>();
  let compressed = false;
  let pos = start;
  let numRows = 0;
  for (let index = 0; ; index++) {
    const read = next(pos, index);
    if (!read) break;
    const { block, message } = read;
    const header = message.header!;
    const at = `byte ${block.offset}`;
    if (header.$type === "Schema") corrupted(`the message at ${at} is a second schema`);
    if (header.$type === "DictionaryBatch") {
      const nodes = layout.dictionaries.get(header.id);
      if (!nodes) corrupted(`the dictionary batch at ${at} has id ${header.id}, which no column uses`);
      if (!header.data) corrupted(`the dictionary batch at ${at} has no data`);
      if (header.isDelta && !seen.has(header.id)) corrupted(`the dictionary batch at ${at} adds to dictionary ${header.id}, which has none before it`);
      if (kind === "file" && !header.isDelta && seen.has(header.id)) corrupted(`the dictionary batch at ${at} replaces dictionary ${header.id}; the file format allows only additions`);
      const problem = batchProblem(header.data, nodes, block.bodyLength);
      if (problem) corrupted(`dictionary batch ${dictionaries.length} (id ${header.id}) at ${at} ${problem}`);
      seen.add(header.id);
      compressed ||= header.data.compression !== null;
      dictionaries.push({ ...block, id: header.id, isDelta: header.isDelta, batch: header.data });
    } else {
      const problem = batchProblem(header, layout.nodes, block.bodyLength);
      if (problem) corrupted(`record batch ${batches.length} at ${at} ${problem}`);
      const missing = [...layout.dictionaries.keys()].find((id) => !seen.has(id));
      if (missing !== undefined) corrupted(`record batch ${batches.length} at ${at} comes before any dictionary batch with id ${missing}`);
      compressed ||= header.compression !== null;
      numRows += header.length;
      batches.push({ ...block, batch: header });
    }
    pos = block.offset + block.metaDataLength + block.bodyLength;
  }
  return { dictionaries, batches, compressed, numRows, end: pos };
}

function readStream(source: ByteSource, path: string): ArrowLayout {
  const { corrupted, truncated } = failer(path, "stream");
  if (source.size === 0) truncated("0 bytes");
  const first = readMessage(source, 0, source.size, "stream", path);
  if (!first || first.message.header!.$type !== "Schema") return corrupted("it does not start with a schema message");
  const { block: schemaMessage, message } = first;
  const schemaTable = schemaOf(message);
  if (schemaMessage.bodyLength !== 0) corrupted(`the schema message says it has a ${schemaMessage.bodyLength}-byte body`);
  const layout = schemaLayout(schemaTable, message.version, corrupted);
  let ended = false;
  const walk = walkBatches("stream", layout, schemaMessage.metaDataLength, (pos) => {
    if (pos === source.size) return undefined;
    const read = readMessage(source, pos, source.size, "stream", path);
    if (!read) ended = true;
    else if (read.message.version !== message.version) corrupted(`the message at byte ${pos} has metadata version V${read.message.version + 1}, the schema V${message.version + 1}`);
    return read;
  }, corrupted);
  let end = walk.end;
  if (ended) {
    end += uint32(source.read(end, 4), 0) === 0xffffffff ? 8 : 4;
    if (end < source.size) corrupted(`${source.size - end} bytes follow the end-of-stream marker at byte ${walk.end}`);
  }
  return finish("stream", schemaTable, schemaMessage, layout, walk, end, ended, () => decodeSchemaMessage(source, schemaMessage));
}

/** apache-arrow's decoding of a (verified) schema message. */
function decodeSchemaMessage(source: ByteSource, block: MessageBlock): Schema {
  const prefix = uint32(source.read(block.offset, 4), 0) === 0xffffffff ? 8 : 4;
  return Message.decode(source.read(block.offset + prefix, block.metaDataLength - prefix)).header() as Schema;
}

function finish(
  format: Kind,
  schemaTable: SchemaTable,
  schemaMessage: MessageBlock | undefined,
  layout: ReturnType<typeof schemaLayout>,
  walk: ReturnType<typeof walkBatches>,
  end: number,
  ended: boolean,
  schema: () => Schema,
): ArrowLayout {
  return {
    format,
    schema: schema(),
    schemaTable,
    schemaMessage,
    dictionaries: walk.dictionaries,
    batches: walk.batches,
    nodes: layout.nodes,
    dictionaryNodes: layout.dictionaries,
    numRows: walk.numRows,
    compressed: walk.compressed,
    views: layout.nodes.some((n) => n.view) || [...layout.dictionaries.values()].some((ns) => ns.some((n) => n.view)),
    end,
    ended,
  };
}

function readFile(source: ByteSource, path: string): ArrowLayout {
  const { corrupted, truncated } = failer(path, "file");
  const size = source.size;
  if (size < 8 + 10 || new TextDecoder().decode(source.read(size - 6, 6)) !== ARROW_MAGIC) truncated(`${size} bytes; the footer's closing "ARROW1" magic is missing`);
  const footerLength = int32(source.read(size - 10, 4), 0);
  const footerStart = size - 10 - footerLength;
  if (footerLength <= 0 || footerStart < 8) corrupted(`footer length ${footerLength} does not fit the file's ${size} bytes`);
  const footerBytes = source.read(footerStart, footerLength);
  const footer = verified(corrupted, () => verifyFooter(footerBytes, `the footer at byte ${footerStart}`));
  const schemaTable = footer.schema ?? corrupted("the footer has no schema");
  if (footer.version < V4) corrupted(`the footer has metadata version V${footer.version + 1}; only V4 and V5 are read`);
  const layout = schemaLayout(schemaTable, footer.version, corrupted);
  // The footer's blocks in file order: each list ascending, and together exactly the messages of the stream part.
  for (const [name, list] of [["dictionary", footer.dictionaries], ["record batch", footer.recordBatches]] as const) {
    for (let i = 1; i < list.length; i++) if (list[i]!.offset <= list[i - 1]!.offset) corrupted(`the footer lists ${name} blocks out of order (block ${i} at byte ${list[i]!.offset} after one at byte ${list[i - 1]!.offset})`);
  }
  const blocks = [...footer.dictionaries.map((b) => ({ ...b, kind: "DictionaryBatch" })), ...footer.recordBatches.map((b) => ({ ...b, kind: "RecordBatch" }))].sort((a, b) => a.offset - b.offset);
  let schemaMessage: MessageBlock | undefined;
  let start = 8;
  if (blocks[0]?.offset !== 8 && footerStart - 8 > 8) {
    // A schema message after the magic (pyarrow, arrow-rs, Trellis): it must be the footer's schema, field for field.
    const read = readMessage(source, 8, footerStart, "file", path);
    if (read && read.message.header!.$type === "Schema") {
      schemaMessage = read.block;
      if (read.message.version !== footer.version) corrupted(`the schema message at byte 8 has metadata version V${read.message.version + 1}, the footer V${footer.version + 1}`);
      if (read.block.bodyLength !== 0) corrupted(`the schema message at byte 8 says it has a ${read.block.bodyLength}-byte body`);
      const difference = schemaDifference(schemaTable, schemaOf(read.message));
      if (difference) corrupted(`the footer's schema differs from the schema at the start of the file: ${difference.path} is ${JSON.stringify(difference.a)} in the footer, ${JSON.stringify(difference.b)} at the start`);
      start = 8 + read.block.metaDataLength;
    }
  }
  const walk = walkBatches("file", layout, start, (pos, index) => {
    const block = blocks[index];
    if (!block) return undefined;
    if (block.offset !== pos) corrupted(`the footer lists a ${block.kind === "RecordBatch" ? "record batch" : "dictionary batch"} at byte ${block.offset}, the previous message ends at byte ${pos}`);
    const read = readMessage(source, pos, footerStart, "file", path, block.metaDataLength)!;
    if (read.message.header!.$type !== block.kind) corrupted(`the footer lists a ${block.kind} at byte ${pos}, the message there is a ${read.message.header!.$type}`);
    if (read.block.bodyLength !== block.bodyLength) corrupted(`the footer says the ${block.kind} at byte ${pos} has a ${block.bodyLength}-byte body, its message says ${read.block.bodyLength}`);
    if (read.message.version !== footer.version) corrupted(`the message at byte ${pos} has metadata version V${read.message.version + 1}, the footer V${footer.version + 1}`);
    return read;
  }, corrupted);
  if (walk.batches.length > 0) {
    const missing = [...layout.dictionaries.keys()].find((id) => !walk.dictionaries.some((d) => d.id === id));
    if (missing !== undefined) corrupted(`no dictionary batch has id ${missing}`);
  }
  // Between the last message and the footer: nothing, or the end-of-stream marker.
  const gap = footerStart - walk.end;
  const tail = gap > 0 && gap <= 8 ? source.read(walk.end, gap) : undefined;
  const eos = gap === 0 || (gap === 8 && uint32(tail!, 0) === 0xffffffff && uint32(tail!, 4) === 0) || (gap === 4 && uint32(tail!, 0) === 0);
  if (!eos) corrupted(`the ${gap} bytes from byte ${walk.end} to the footer at byte ${footerStart} are not an end-of-stream marker (the footer lists ${blocks.length} messages)`);
  return finish("file", schemaTable, schemaMessage, layout, walk, size, true, () => Footer.decode(footerBytes).schema);
}
