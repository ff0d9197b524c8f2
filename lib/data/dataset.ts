/**
 * Datasets of Arrow-backed trajectories (DESIGN.md, "Arrow trajectory schema").
 *
 * A {@link Dataset} wraps an Arrow `Table` in the trajectory schema (one row
 * per step) and adds episode-level views on it: summaries, filtering and
 * selection by episode, seeded train/valid splits, statistics, shuffled
 * minibatch sampling straight from the column buffers, and atomic saving as
 * an Arrow IPC file or a Parquet file.
 *
 * What copies:
 * - `openDataset` on an Arrow IPC file reads only its footer and batch
 *   metadata; a sampler then reads just the columns it draws, and anything
 *   that needs the whole table reads the whole file once (zero-copy from that
 *   buffer). Streams and directories are read into memory at open; Parquet is
 *   decoded by parquet-wasm.
 * - `filter` / `select` / `split` gather the chosen rows into new buffers.
 * - `sampler().next()` copies only the gathered rows (into fresh typed arrays).
 */
import { closeSync, readSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import {
  DataType,
  Field,
  RecordBatch,
  Schema,
  Struct,
  Table,
  makeData,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type Data,
  type Vector,
} from "apache-arrow";
import * as pq from "parquet-wasm";
import { writeFileAtomic } from "../run/atomic-dir.js";
import { ArrowFileColumns } from "./arrow-file-columns.js";
import { ARROW_MAGIC } from "./arrow-layout.js";
import { arrowFileBytes, parseArrowIPC } from "./arrow-ipc.js";
import { openRegularFileSync, readRegularFile } from "./regular-file.js";
import type { Rng } from "../random/rng.js";
import { datasetWidget } from "../../widgets/server/dataset.js";
import type { Widget } from "../../widgets/server/widget.js";
import { sequenceCreditWidget, type SequenceViewOptions } from "../../widgets/server/sequences.js";
import { sequenceCredit } from "../credit/sequences.js";
import type { GroupRelativeOptions } from "../credit/group-relative.js";

/** One episode of a dataset, as `filter` sees it. */
export interface EpisodeSummary {
  /** The `episode_id`. */
  id: number;
  /** Sum of the episode's rewards (over the rows present). */
  return: number;
  /** Rows (steps) of the episode present. */
  length: number;
  /** Whether the episode's last row present is terminated or truncated. */
  complete: boolean;
}

/** Mean, standard deviation (population), extremes and quantiles of a list of numbers. */
export interface Summary {
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Linear-interpolated quantiles at 5 %, 25 %, 50 %, 75 % and 95 %. */
  quantiles: { p5: number; p25: number; p50: number; p75: number; p95: number };
}

export interface DatasetStats {
  episodes: number;
  steps: number;
  /** Over episodes (NaN fields when there are none). */
  return: Summary;
  length: Summary;
}

export interface SplitOptions {
  /** Fraction of episodes in the validation part, in [0, 1] (rounded to whole episodes). */
  valid: number;
  /** Shuffles the episodes before splitting. */
  rng: Rng;
}

export type SampledArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface SamplerOptions {
  /** Rows per minibatch. */
  batchSize: number;
  /** Draws the shuffles (the same seed gives the same batches). */
  rng: Rng;
  /**
   * Columns to gather (default: those of `obs, action, reward, terminated,
   * truncated, next_obs` present). Numeric and bool columns, and
   * FixedSizeLists of them; dictionary and variable-width columns are refused.
   */
  columns?: readonly string[];
}

/** One minibatch: `size` rows, each column as one flat typed array (row-major for FixedSizeLists). */
export interface Minibatch {
  size: number;
  /** Row indices (into the dataset's table) of the rows gathered, in batch order. */
  rows: Int32Array;
  /** Per column: `size × width` values; bools as 0/1 bytes. */
  columns: Record<string, SampledArray>;
  /** Per column: values per row (1 for scalars). */
  widths: Record<string, number>;
  /** Only for columns with nulls: 1 where the row's value is valid, 0 where null (its values are then unspecified). */
  valid: Record<string, Uint8Array>;
}

/**
 * Draws shuffled minibatches of rows: each epoch is a uniform random
 * permutation of all rows cut into `floor(numRows / batchSize)` full batches
 * (the remainder is dropped; the next epoch reshuffles). The permutation is
 * drawn lazily, `batchSize` positions per batch, so a draw costs
 * O(batchSize × columns) after a one-time O(rows) index array.
 */
export interface Sampler {
  readonly batchSize: number;
  readonly columns: readonly string[];
  /** Full batches per epoch. */
  readonly batchesPerEpoch: number;
  /** Epochs started so far. */
  readonly epoch: number;
  next(): Minibatch;
  /** The position in the current epoch's shuffle (the rng's state is the caller's), for checkpoints. */
  saveState(): SamplerState;
  /** Continues from a {@link SamplerState} of a sampler over the same rows and batch size. */
  loadState(state: SamplerState): void;
}

/** Where a {@link Sampler} is: epochs started, batches drawn in the current one, and the row arrangement (empty before the first draw). */
export interface SamplerState {
  epoch: number;
  cursor: number;
  perm: Int32Array;
}

export type DatasetFormat = "arrow" | "parquet";

export interface SaveOptions {
  /** Default: "parquet" when the path ends in `.parquet`, else "arrow" (Arrow IPC file). */
  format?: DatasetFormat;
}

export interface OpenOptions {
  /** Check the table against the trajectory schema's columns and types (default true). */
  validate?: boolean;
}

const TWO32 = 2 ** 32;

// ---------------------------------------------------------------------------
// Schema checks

type TypeCheck = { describe: string; ok: (t: DataType) => boolean };
const isF32 = (t: DataType) => DataType.isFloat(t) && t.precision === 1;
const isInt = (bits: number) => (t: DataType) => DataType.isInt(t) && t.bitWidth === bits && t.isSigned;
const isDictUtf8 = (t: DataType) => DataType.isDictionary(t) && DataType.isUtf8(t.dictionary);
const isF32List = (t: DataType) => (DataType.isFixedSizeList(t) || DataType.isList(t)) && isF32(t.children[0]!.type);

/** The trajectory schema's columns, each with the types it may have. */
const TRAJECTORY_COLUMNS: Record<string, TypeCheck> = {
  run_id: { describe: "dict<utf8>", ok: isDictUtf8 },
  episode_id: { describe: "int64", ok: isInt(64) },
  t: { describe: "int32", ok: isInt(32) },
  obs: { describe: "FixedSizeList<f32> | List<f32>", ok: isF32List },
  action: { describe: "int32 | FixedSizeList<f32>", ok: (t) => isInt(32)(t) || (DataType.isFixedSizeList(t) && isF32(t.children[0]!.type)) },
  reward: { describe: "f32", ok: isF32 },
  terminated: { describe: "bool", ok: DataType.isBool },
  truncated: { describe: "bool", ok: DataType.isBool },
  next_obs: { describe: "FixedSizeList<f32> | List<f32>", ok: isF32List },
  behavior_logp: { describe: "f32", ok: isF32 },
  value: { describe: "f32", ok: isF32 },
  advantage: { describe: "f32", ok: isF32 },
  return: { describe: "f32", ok: isF32 },
  policy_version: { describe: "int32", ok: isInt(32) },
  source: { describe: "dict<utf8>", ok: isDictUtf8 },
  group_id: { describe: "int64", ok: isInt(64) },
};

/** The sequence-task columns: optional, but typed as DESIGN.md says when present. */
const SEQUENCE_COLUMNS: Record<string, TypeCheck> = {
  tokens: { describe: "List<int32>", ok: (t) => DataType.isList(t) && isInt(32)(t.children[0]!.type) },
  token_logp: { describe: "List<f32>", ok: (t) => DataType.isList(t) && isF32(t.children[0]!.type) },
  token_adv: { describe: "List<f32>", ok: (t) => DataType.isList(t) && isF32(t.children[0]!.type) },
};

/** Problems of `schema` against the trajectory schema (empty when it conforms). */
export function trajectorySchemaProblems(schema: Schema): { missing: string[]; mistyped: string[] } {
  const missing: string[] = [];
  const mistyped: string[] = [];
  for (const [name, check] of Object.entries(TRAJECTORY_COLUMNS)) {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) missing.push(name);
    else if (!check.ok(field.type)) mistyped.push(`${name} (${String(field.type)}, expected ${check.describe})`);
  }
  for (const [name, check] of Object.entries(SEQUENCE_COLUMNS)) {
    const field = schema.fields.find((f) => f.name === name);
    if (field && !check.ok(field.type)) mistyped.push(`${name} (${String(field.type)}, expected ${check.describe})`);
  }
  return { missing, mistyped };
}

/** Throws when `schema` does not conform to the trajectory schema, listing missing and mistyped columns. */
export function assertTrajectorySchema(schema: Schema, where: string): void {
  const { missing, mistyped } = trajectorySchemaProblems(schema);
  if (missing.length || mistyped.length) {
    const parts = [];
    if (missing.length) parts.push(`missing columns: ${missing.join(", ")}`);
    if (mistyped.length) parts.push(`mistyped columns: ${mistyped.join(", ")}`);
    if (mistyped.some((m) => /^\S+ \((LargeList|LargeUtf8|LargeBinary|Utf8View|BinaryView)\b/.test(m))) parts.push(LARGE_TYPES_HINT);
    throw new Error(`${where}: not in the trajectory schema; ${parts.join("; ")}`);
  }
}

/** What to do about columns pyarrow wrote with its large or view types (the trajectory schema uses List, Utf8, Binary). */
const LARGE_TYPES_HINT =
  "pyarrow's large and view types (large_list, large_string, string_view, …) are not the trajectory schema's: cast those columns before writing, " +
  "e.g. table.cast(pa.schema([pa.field(f.name, pa.list_(f.type.value_type), f.nullable) if pa.types.is_large_list(f.type) else f for f in table.schema], metadata=table.schema.metadata))";

/** Missing and mistyped columns of `other` against `reference` (compared by name and type; extra columns count as missing from the reference). */
function schemaDiff(reference: Schema, other: Schema): { missing: string[]; extra: string[]; mistyped: string[] } {
  const missing: string[] = [];
  const mistyped: string[] = [];
  for (const f of reference.fields) {
    const g = other.fields.find((x) => x.name === f.name);
    if (!g) missing.push(f.name);
    else if (!sameType(f.type, g.type)) mistyped.push(`${f.name} (${String(g.type)}, expected ${String(f.type)})`);
  }
  const extra = other.fields.filter((g) => !reference.fields.some((f) => f.name === g.name)).map((g) => g.name);
  return { missing, extra, mistyped };
}

function sameType(a: DataType, b: DataType): boolean {
  if (DataType.isDictionary(a) && DataType.isDictionary(b)) return String(a.dictionary) === String(b.dictionary) && String(a.indices) === String(b.indices);
  return String(a) === String(b);
}

// ---------------------------------------------------------------------------
// Reading

const PARQUET_MAGIC = "PAR1";
const SHARD_EXTENSIONS = new Set([".arrow", ".arrows", ".ipc", ".feather", ".parquet"]);

function ascii(bytes: Uint8Array, start: number, length: number): string {
  if (start < 0 || start + length > bytes.length) return "";
  return String.fromCharCode(...bytes.subarray(start, start + length));
}

/** Kind of a file by its magic bytes. */
function detectFormat(bytes: Uint8Array): "arrow-file" | "arrow-stream" | "parquet" | "unknown" {
  if (ascii(bytes, 0, 6) === ARROW_MAGIC) return "arrow-file";
  if (ascii(bytes, 0, 4) === PARQUET_MAGIC) return "parquet";
  // A stream starts with a message: the continuation marker 0xFFFFFFFF then a length (or, pre-1.0, just a length).
  if (bytes.length >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff) return "arrow-stream";
  return "unknown";
}

/** Parses one file's bytes into a table, with errors that name the file and the problem. */
function parseFile(path: string, bytes: Uint8Array): Table {
  const format = detectFormat(bytes);
  const fail = (what: string, cause?: unknown): never => {
    const detail = cause === undefined ? "" : `: ${cause instanceof Error ? cause.message : String(cause)}`;
    throw new Error(`${path}: ${what}${detail}`, cause === undefined ? undefined : { cause });
  };
  if (bytes.length === 0) fail("empty file (not an Arrow IPC or Parquet file)");
  switch (format) {
    case "arrow-file":
    case "arrow-stream":
      // Checked before apache-arrow decodes a byte; errors name the file (arrow-ipc.ts).
      return parseArrowIPC(bytes, path);
    case "parquet": {
      if (bytes.length < 12 || ascii(bytes, bytes.length - 4, 4) !== PARQUET_MAGIC) fail(`truncated Parquet file (${bytes.length} bytes; the closing "PAR1" magic is missing)`);
      try {
        return tableFromIPC(pq.readParquet(bytes).intoIPCStream());
      } catch (error) {
        return fail("corrupted Parquet file", error);
      }
    }
    default:
      return fail(`not an Arrow IPC file, Arrow IPC stream or Parquet file (starts with bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ")})`);
  }
}

async function readTableFile(path: string): Promise<Table> {
  return parseFile(path, await readRegularFile(path));
}

/**
 * Opens a dataset: an Arrow IPC file or stream, a Parquet file (detected by
 * magic bytes), or a directory of such shards (files ending in .arrow,
 * .arrows, .ipc, .feather or .parquet, hidden files skipped), read in sorted
 * name order and concatenated; the shards' schemas must match. Only regular
 * files are read: a FIFO, socket or device (or a directory named like a
 * shard) is refused with an error naming its path, not skipped, as a
 * dataset silently missing a shard would be different data.
 */
export async function openDataset(path: string, options: OpenOptions = {}): Promise<Dataset> {
  let table: Table;
  if ((await stat(path)).isDirectory()) {
    const names = (await readdir(path)).filter((n) => !n.startsWith(".") && SHARD_EXTENSIONS.has(extname(n).toLowerCase())).sort();
    if (names.length === 0) throw new Error(`${path}: no dataset shards (files ending in ${[...SHARD_EXTENSIONS].join(", ")})`);
    const tables: Table[] = [];
    for (const name of names) tables.push(await readTableFile(join(path, name)));
    const first = tables[0]!;
    for (let i = 1; i < tables.length; i++) {
      const { missing, extra, mistyped } = schemaDiff(first.schema, tables[i]!.schema);
      if (missing.length || extra.length || mistyped.length) {
        const parts = [];
        if (missing.length) parts.push(`missing columns: ${missing.join(", ")}`);
        if (mistyped.length) parts.push(`mistyped columns: ${mistyped.join(", ")}`);
        if (extra.length) parts.push(`extra columns: ${extra.join(", ")}`);
        throw new Error(`${join(path, names[i]!)}: schema does not match the first shard ${names[0]!}; ${parts.join("; ")}`);
      }
    }
    // Reorder each shard's columns to the first shard's order.
    const batches: RecordBatch[] = [];
    for (const t of tables) {
      const aligned = t === first || t.schema.fields.every((f, j) => f.name === first.schema.fields[j]!.name) ? t : t.select(first.schema.fields.map((f) => f.name));
      for (const b of aligned.batches) batches.push(new RecordBatch(first.schema, b.data));
    }
    table = new Table(first.schema, batches);
  } else {
    const file = arrowFileColumns(path);
    if (file) {
      if (options.validate ?? true) assertTrajectorySchema(file.schema, path);
      return new Dataset(file, resolve(path));
    }
    table = await readTableFile(path);
  }
  if (options.validate ?? true) assertTrajectorySchema(table.schema, path);
  return new Dataset(table, resolve(path));
}

/** The layout of an Arrow IPC file whose columns can be read one by one; undefined for other files. */
function arrowFileColumns(path: string): ArrowFileColumns | undefined {
  const fd = openRegularFileSync(path);
  const head = new Uint8Array(8);
  try {
    readSync(fd, head, 0, 8, 0);
  } finally {
    closeSync(fd);
  }
  return detectFormat(head) === "arrow-file" ? ArrowFileColumns.open(path) : undefined;
}

/** A dataset over an in-memory table (checked against the trajectory schema unless `validate` is false). */
export function datasetFrom(table: Table, options: OpenOptions = {}): Dataset {
  if (options.validate ?? true) assertTrajectorySchema(table.schema, "datasetFrom");
  return new Dataset(table);
}

// ---------------------------------------------------------------------------
// Gathering rows

/** Chunk start rows of a table or column (length = chunks + 1). */
function chunkStarts(chunks: readonly { readonly length: number }[]): Int32Array {
  const starts = new Int32Array(chunks.length + 1);
  for (let i = 0; i < chunks.length; i++) starts[i + 1] = starts[i]! + chunks[i]!.length;
  return starts;
}

/** Index of the chunk holding `row` (binary search over `starts`). */
function chunkOf(starts: Int32Array, row: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const bit = (bits: Uint8Array, i: number) => (bits[i >> 3]! >> (i & 7)) & 1;

/** Whether a column type can be gathered by `gatherColumn` (fixed-width numbers and bools, FixedSizeLists of them). */
function gatherable(type: DataType): boolean {
  if (DataType.isFixedSizeList(type)) return gatherable(type.children[0]!.type) && !DataType.isBool(type.children[0]!.type) && !DataType.isFixedSizeList(type.children[0]!.type);
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isBool(type);
}

/** Values of a gatherable Data: the flat typed array (row 0 at index 0) and values per row. */
function flatValues(data: Data): { values: SampledArray; width: number } {
  if (DataType.isFixedSizeList(data.type)) {
    const child = data.children[0]!;
    return { values: child.values as SampledArray, width: data.type.listSize };
  }
  return { values: data.values as SampledArray, width: 1 };
}

/** Output array type for a gatherable column. */
function outputArray(type: DataType, length: number): SampledArray {
  const leaf = DataType.isFixedSizeList(type) ? type.children[0]!.type : type;
  if (DataType.isBool(leaf)) return new Uint8Array(length);
  const Ctor = (leaf as DataType).ArrayType as unknown as new (n: number) => SampledArray;
  return new Ctor(length);
}

/**
 * Gathers `rows` of one column into one flat typed array (`rows.length × width`;
 * bools as 0/1 bytes) plus a validity byte array when the column has nulls.
 */
function gatherColumn(column: Vector, starts: Int32Array, rows: Int32Array, indexType?: DataType): { values: SampledArray; width: number; valid?: Uint8Array } {
  // With `indexType`, `column` is a dictionary column and its indices are gathered.
  const type = indexType ?? (column.type as DataType);
  const width = DataType.isFixedSizeList(type) ? type.listSize : 1;
  const out = outputArray(type, rows.length * width);
  const hasNulls = column.nullCount > 0;
  const valid = hasNulls ? new Uint8Array(rows.length) : undefined;
  const chunks = column.data;
  const isBool = DataType.isBool(type);
  const single = chunks.length === 1;
  const chunkValues = chunks.map((d) => (isBool ? (d.values as SampledArray) : flatValues(d).values));
  const chunkOffsets = chunks.map((d) => d.offset);
  const chunkNulls = chunks.map((d) => (d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0 ? d.nullBitmap : undefined));
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k]!;
    const c = single ? 0 : chunkOf(starts, row);
    const values = chunkValues[c]!;
    const local = row - starts[c]!;
    if (isBool) out[k] = bit(values as Uint8Array, chunkOffsets[c]! + local);
    else if (width === 1) out[k] = values[local]!;
    else (out as Float32Array).set((values as Float32Array).subarray(local * width, (local + 1) * width), k * width);
    if (valid) {
      const nulls = chunkNulls[c];
      valid[k] = nulls === undefined ? 1 : bit(nulls, chunkOffsets[c]! + local);
    }
  }
  return valid ? { values: out, width, valid } : { values: out, width };
}

/** Packs 0/1 bytes into a bitmap. */
function packBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array((bytes.length + 7) >> 3);
  for (let i = 0; i < bytes.length; i++) if (bytes[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** One column of `rows` as Arrow Data of the same type. */
function takeColumn(field: Field, column: Vector, starts: Int32Array, rows: Int32Array): Data {
  const type = field.type as DataType;
  const length = rows.length;
  if (gatherable(type)) {
    const { values, valid } = gatherColumn(column, starts, rows);
    let nullCount = 0;
    if (valid) for (let i = 0; i < length; i++) nullCount += 1 - valid[i]!;
    const nulls = valid && nullCount > 0 ? { nullBitmap: packBits(valid), nullCount } : { nullCount: 0 };
    if (DataType.isFixedSizeList(type)) {
      const child = makeData({ type: type.children[0]!.type, length: values.length, data: values as any });
      return makeData({ type, length, child, ...nulls });
    }
    const data = DataType.isBool(type) ? packBits(values as Uint8Array) : values;
    return makeData({ type: type as any, length, data: data as any, ...nulls });
  }
  if (DataType.isDictionary(type)) {
    // Shared dictionary across chunks (as the recorder writes): gather the indices.
    const dicts = column.data.map((d) => d.dictionary);
    const first = dicts[0];
    const same = first !== undefined && dicts.every((d) => d === first || (d !== undefined && d.length === first.length && d.toArray().every((v: unknown, i: number) => v === first.get(i))));
    if (same) {
      const { values, valid } = gatherColumn(column, starts, rows, type.indices);
      let nullCount = 0;
      if (valid) for (let i = 0; i < length; i++) nullCount += 1 - valid[i]!;
      const nulls = valid && nullCount > 0 ? { nullBitmap: packBits(valid), nullCount } : { nullCount: 0 };
      return makeData({ type, length, data: values as any, dictionary: first, ...nulls });
    }
  }
  // Anything else (variable-width columns, differing dictionaries): row by row through a builder.
  const items = Array.from(rows, (r) => column.get(r));
  return vectorFromArray(items, type).data[0]!;
}

/**
 * The table with every dictionary column's chunks sharing one dictionary
 * vector (the union of their values, in first-seen order), so that batches
 * read from different shards or Parquet row groups can be written as one
 * Arrow IPC file (which allows no replacement dictionaries). Unchanged (same
 * object) when they already share one.
 */
export function unifyDictionaries(table: Table): Table {
  const fields = table.schema.fields;
  const replaced = new Map<number, Data[]>();
  fields.forEach((field, f) => {
    const type = field.type as DataType;
    if (!DataType.isDictionary(type)) return;
    const chunks = table.getChildAt(f)!.data;
    const first = chunks[0]?.dictionary;
    if (first === undefined || chunks.every((d) => d.dictionary === first)) return;
    const values: unknown[] = [];
    const position = new Map<unknown, number>();
    const remaps = chunks.map((d) => {
      const dict = d.dictionary!;
      const remap = new Int32Array(dict.length);
      for (let i = 0; i < dict.length; i++) {
        const v = dict.get(i);
        let k = position.get(v);
        if (k === undefined) {
          k = values.length;
          values.push(v);
          position.set(v, k);
        }
        remap[i] = k;
      }
      return remap;
    });
    const maxIndex = 2 ** ((type.indices.bitWidth as number) - 1) - 1;
    if (values.length - 1 > maxIndex) throw new RangeError(`column ${field.name}: ${values.length} distinct values overflow its ${String(type.indices)} dictionary indices`);
    const merged = vectorFromArray(values as string[], type.dictionary);
    replaced.set(
      f,
      chunks.map((d, c) => {
        const remap = remaps[c]!;
        const old = d.values as Int8Array | Int16Array | Int32Array;
        const indices = new (type.indices.ArrayType as unknown as new (n: number) => Int8Array | Int16Array | Int32Array)(d.length);
        for (let i = 0; i < d.length; i++) indices[i] = remap[old[i]!] ?? 0;
        return makeData({ type, length: d.length, data: indices, dictionary: merged, nullCount: d.nullCount, ...(d.nullCount > 0 ? { nullBitmap: d.nullBitmap, offset: d.offset } : {}) });
      }),
    );
  });
  if (replaced.size === 0) return table;
  const batches = table.batches.map((batch, c) => {
    const children = fields.map((_, f) => replaced.get(f)?.[c] ?? batch.data.children[f]!);
    return new RecordBatch(table.schema, makeData({ type: new Struct(fields), length: batch.numRows, children, nullCount: 0 }));
  });
  return new Table(table.schema, batches);
}

/** A new table with `rows` of `table` (in the order given). */
function takeRows(table: Table, rows: Int32Array): Table {
  const starts = chunkStarts(table.batches.map((b) => ({ length: b.numRows })));
  const fields = table.schema.fields;
  const children = fields.map((f, i) => takeColumn(f, table.getChildAt(i)!, starts, rows));
  const struct = makeData({ type: new Struct(fields), length: rows.length, children, nullCount: 0 });
  return new Table(table.schema, [new RecordBatch(table.schema, struct)]);
}

// ---------------------------------------------------------------------------
// Statistics helpers

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Mean, population std, min, max and quantiles of `values`. */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sorted[i]! - mean) ** 2;
  return {
    mean,
    std: n ? Math.sqrt(ss / n) : NaN,
    min: n ? sorted[0]! : NaN,
    max: n ? sorted[n - 1]! : NaN,
    quantiles: { p5: quantile(sorted, 0.05), p25: quantile(sorted, 0.25), p50: quantile(sorted, 0.5), p75: quantile(sorted, 0.75), p95: quantile(sorted, 0.95) },
  };
}

// ---------------------------------------------------------------------------
// Dataset

interface EpisodeIndex {
  /** Episode ids, ascending. */
  ids: Float64Array;
  /** Per row: index into `ids`. */
  rowEpisode: Int32Array;
  returns: Float64Array;
  lengths: Int32Array;
  complete: Uint8Array;
}

const DEFAULT_SAMPLE_COLUMNS = ["obs", "action", "reward", "terminated", "truncated", "next_obs"];

/** Trajectories in the Arrow trajectory schema, with episode-level views. See the module doc. */
export class Dataset {
  /** The absolute path it was opened from (`openDataset`); undefined for in-memory and derived datasets. */
  readonly path: string | undefined;
  private index?: EpisodeIndex;
  private whole: Table | undefined;
  /** An Arrow IPC file not read yet, or read column by column for samplers. */
  private readonly file: ArrowFileColumns | undefined;
  private readonly fileColumns = new Map<string, Vector>();

  /**
   * Wraps `table` as is, except that dictionary columns are made to share one
   * dictionary (see {@link unifyDictionaries}); or an Arrow IPC file whose
   * columns are read when first needed.
   */
  constructor(source: Table | ArrowFileColumns, path?: string) {
    if (source instanceof ArrowFileColumns) this.file = source;
    else this.whole = unifyDictionaries(source);
    this.path = path;
  }

  /** The rows, one per step (a dataset opened from an Arrow IPC file reads the whole file the first time). */
  get table(): Table {
    if (!this.whole) {
      this.whole = unifyDictionaries(this.file!.readTable());
      // Columns read on their own are now in the table too: samplers keep theirs, the cache lets go.
      this.fileColumns.clear();
    }
    return this.whole;
  }

  /** The columns' names and types (no data read). */
  get schema(): Schema {
    return this.whole?.schema ?? this.file!.schema;
  }

  /** Rows (steps) in the dataset. */
  get numSteps(): number {
    return this.whole?.numRows ?? this.file!.numRows;
  }

  /** One column (null when there is none); a dataset opened from an Arrow IPC file reads just that column's bytes. */
  column(name: string): Vector | null {
    return this.columnsByName([name])[0]!;
  }

  /** The named columns (null where there is none), reading from the file only those not read yet. */
  private columnsByName(names: readonly string[]): (Vector | null)[] {
    if (this.whole) return names.map((n) => this.whole!.getChild(n));
    const file = this.file!;
    const present = new Set(file.schema.fields.map((f) => f.name));
    const missing = names.filter((n) => present.has(n) && !this.fileColumns.has(n));
    if (missing.length) for (const [n, v] of file.read(missing)) this.fileColumns.set(n, v);
    return names.map((n) => this.fileColumns.get(n) ?? null);
  }

  private episodeIndex(): EpisodeIndex {
    if (this.index) return this.index;
    const table = this.table;
    const n = table.numRows;
    const episodeCol = table.getChild("episode_id");
    const rewardCol = table.getChild("reward");
    if (!episodeCol || !rewardCol) throw new Error("Dataset: episode views need the episode_id and reward columns");
    const rowIds = new Float64Array(n);
    let r = 0;
    for (const data of episodeCol.data) {
      const v = data.values as BigInt64Array;
      const words = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
      for (let i = 0; i < data.length; i++) rowIds[r++] = (words[2 * i]! >>> 0) + words[2 * i + 1]! * TWO32;
    }
    const firstIndex = new Map<number, number>();
    for (let i = 0; i < n; i++) if (!firstIndex.has(rowIds[i]!)) firstIndex.set(rowIds[i]!, 0);
    const ids = Float64Array.from(firstIndex.keys()).sort();
    ids.forEach((id, k) => firstIndex.set(id, k));
    const rowEpisode = new Int32Array(n);
    for (let i = 0; i < n; i++) rowEpisode[i] = firstIndex.get(rowIds[i]!)!;
    const m = ids.length;
    const returns = new Float64Array(m);
    const lengths = new Int32Array(m);
    const complete = new Uint8Array(m);
    const term = table.getChild("terminated");
    const trunc = table.getChild("truncated");
    r = 0;
    for (let c = 0; c < rewardCol.data.length; c++) {
      const rewards = rewardCol.data[c]!.values as Float32Array;
      const len = rewardCol.data[c]!.length;
      for (let i = 0; i < len; i++, r++) {
        const e = rowEpisode[r]!;
        returns[e]! += rewards[i]!;
        lengths[e]!++;
      }
    }
    // `complete`: the episode's last row present ends it.
    const last = new Int32Array(m).fill(-1);
    for (let i = 0; i < n; i++) last[rowEpisode[i]!] = i;
    for (let e = 0; e < m; e++) {
      const row = last[e]!;
      complete[e] = (term?.get(row) ? 1 : 0) | (trunc?.get(row) ? 1 : 0);
    }
    this.index = { ids, rowEpisode, returns, lengths, complete };
    return this.index;
  }

  /** Episode ids present, ascending. */
  episodes(): number[] {
    return Array.from(this.episodeIndex().ids);
  }

  /** One summary per episode, ascending by id. */
  episodeSummaries(): EpisodeSummary[] {
    const { ids, returns, lengths, complete } = this.episodeIndex();
    return Array.from(ids, (id, k) => ({ id, return: returns[k]!, length: lengths[k]!, complete: complete[k] === 1 }));
  }

  /** The rows of the episodes whose summary passes `predicate` (row order kept). */
  filter(predicate: (episode: EpisodeSummary) => boolean): Dataset {
    const keep = new Uint8Array(this.episodeIndex().ids.length);
    this.episodeSummaries().forEach((s, k) => (keep[k] = predicate(s) ? 1 : 0));
    return this.withEpisodes(keep);
  }

  /** The rows of the given episodes (row order kept; ids not present are an error). */
  select(episodeIds: Iterable<number>): Dataset {
    const { ids } = this.episodeIndex();
    const keep = new Uint8Array(ids.length);
    const position = new Map<number, number>();
    ids.forEach((id, k) => position.set(id, k));
    const unknown: number[] = [];
    for (const id of episodeIds) {
      const k = position.get(id);
      if (k === undefined) unknown.push(id);
      else keep[k] = 1;
    }
    if (unknown.length) throw new RangeError(`Dataset.select: no episodes with ids ${unknown.slice(0, 10).join(", ")}${unknown.length > 10 ? ", …" : ""}`);
    return this.withEpisodes(keep);
  }

  private withEpisodes(keep: Uint8Array): Dataset {
    const { rowEpisode } = this.episodeIndex();
    let count = 0;
    for (let i = 0; i < rowEpisode.length; i++) count += keep[rowEpisode[i]!]!;
    const rows = new Int32Array(count);
    for (let i = 0, j = 0; i < rowEpisode.length; i++) if (keep[rowEpisode[i]!]) rows[j++] = i;
    return new Dataset(takeRows(this.table, rows));
  }

  /** Splits by episode: a shuffled `round(valid × episodes)` of them go to `valid`, the rest to `train`. */
  split(options: SplitOptions): { train: Dataset; valid: Dataset } {
    const { valid, rng } = options;
    if (!(valid >= 0 && valid <= 1)) throw new RangeError(`Dataset.split: valid must be a fraction in [0, 1], got ${String(valid)}`);
    const m = this.episodeIndex().ids.length;
    const order = rng.permutation(m);
    const nValid = Math.round(valid * m);
    const inValid = new Uint8Array(m);
    for (let k = 0; k < nValid; k++) inValid[order[k]!] = 1;
    const inTrain = inValid.map((x) => 1 - x);
    return { train: this.withEpisodes(inTrain), valid: this.withEpisodes(inValid) };
  }

  /** Episode and step counts, and return and length statistics over episodes. */
  stats(): DatasetStats {
    const { ids, returns, lengths } = this.episodeIndex();
    return { episodes: ids.length, steps: this.numSteps, return: summarize(returns), length: summarize(lengths) };
  }

  /**
   * The dataset browser (schema, rows page by page, histograms) as a widget;
   * a notebook shows it as a cell's result, `show()` in a script writes a page.
   */
  widget(title?: string): Widget {
    let stats: Record<string, number> | undefined;
    if (this.table.getChild("episode_id") && this.table.getChild("reward")) {
      const st = this.stats();
      stats = { episodes: st.episodes, steps: st.steps, "return mean": st.return.mean, "return min": st.return.min, "return max": st.return.max, "length mean": st.length.mean };
    }
    return datasetWidget(this.table, { ...(title ? { title } : {}), ...(stats ? { stats } : {}) });
  }

  /**
   * The sequence credit view of a sequence-task dataset (rows with `tokens`,
   * optionally `token_adv`, `token_logp`, `group_id`): each completion's
   * tokens coloured by their advantage, hint / teacher / offline tokens
   * outlined, and each GRPO group's completions side by side with reward and
   * normalized advantage, zero-variance groups flagged. For the per-step
   * credit of an environment run, see `run.credit()`.
   */
  credit(options: SequenceViewOptions & GroupRelativeOptions & { title?: string } = {}): Widget {
    if (!this.table.getChild("tokens")) {
      throw new Error("Dataset.credit: this dataset has no tokens column; the sequence credit view reads sequence-task rows (see rl.dataset.sequences). For an environment run's per-step credit use run.credit()");
    }
    return sequenceCreditWidget(options.title ?? (this.path ? `sequence credit · ${this.path}` : "sequence credit"), sequenceCredit(this.table, options), options);
  }

  /** Shows the dataset browser (a page in a plain script). */
  show(title?: string): void {
    this.widget(title).show();
  }

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return this.widget().bundle();
  }

  /** A sampler of shuffled minibatches of rows (see {@link Sampler}). */
  sampler(options: SamplerOptions): Sampler {
    const { batchSize, rng } = options;
    const n = this.numSteps;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`Dataset.sampler: batchSize must be an integer ≥ 1, got ${String(batchSize)}`);
    if (batchSize > n) throw new RangeError(`Dataset.sampler: batchSize ${batchSize} exceeds the dataset's ${n} rows`);
    const fields = new Map(this.schema.fields.map((f) => [f.name, f]));
    const names = options.columns ? [...options.columns] : DEFAULT_SAMPLE_COLUMNS.filter((c) => fields.has(c));
    for (const name of names) {
      const field = fields.get(name);
      if (!field) throw new Error(`Dataset.sampler: no column ${name}`);
      if (!gatherable(field.type)) throw new TypeError(`Dataset.sampler: column ${name} (${String(field.type)}) cannot be sampled as a typed array`);
    }
    const columns = this.columnsByName(names) as Vector[];
    const starts = chunkStarts(columns[0]?.data ?? []);
    const perEpoch = Math.floor(n / batchSize);
    // Lazy Fisher–Yates: each batch fixes the next `batchSize` positions of a
    // uniform permutation, so a draw costs O(batchSize), not O(rows). A new
    // epoch continues swapping from position 0 of the current arrangement
    // (still a uniform permutation).
    let perm: Int32Array | undefined;
    let cursor = 0;
    let epoch = 0;
    return {
      batchSize,
      columns: names,
      batchesPerEpoch: perEpoch,
      get epoch() {
        return epoch;
      },
      next(): Minibatch {
        if (!perm) {
          perm = new Int32Array(n);
          for (let i = 0; i < n; i++) perm[i] = i;
        }
        if (cursor === 0 || cursor >= perEpoch) {
          cursor = 0;
          epoch++;
        }
        const p0 = cursor * batchSize;
        for (let p = p0; p < p0 + batchSize; p++) {
          const j = p + rng.int(n - p);
          const tmp = perm[p]!;
          perm[p] = perm[j]!;
          perm[j] = tmp;
        }
        const rows = perm.slice(p0, p0 + batchSize);
        cursor++;
        const batch: Minibatch = { size: batchSize, rows, columns: {}, widths: {}, valid: {} };
        columns.forEach((col, i) => {
          const name = names[i]!;
          const g = gatherColumn(col, starts, rows);
          batch.columns[name] = g.values;
          batch.widths[name] = g.width;
          if (g.valid) batch.valid[name] = g.valid;
        });
        return batch;
      },
      saveState(): SamplerState {
        return { epoch, cursor, perm: perm ? perm.slice() : new Int32Array(0) };
      },
      loadState(state: SamplerState): void {
        if (state.perm.length !== 0 && state.perm.length !== n) throw new RangeError(`Dataset.sampler: saved state covers ${state.perm.length} rows, this dataset has ${n}`);
        perm = state.perm.length ? Int32Array.from(state.perm) : undefined;
        cursor = state.cursor;
        epoch = state.epoch;
      },
    };
  }

  /** Writes the dataset to `path` atomically (temp file, fsync, rename) as an Arrow IPC file or Parquet. */
  async save(path: string, options: SaveOptions = {}): Promise<void> {
    const format = options.format ?? (extname(path).toLowerCase() === ".parquet" ? "parquet" : "arrow");
    let bytes: Uint8Array;
    if (format === "arrow") bytes = arrowFileBytes(this.table);
    else if (format === "parquet") {
      const wasmTable = pq.Table.fromIPCStream(tableToIPC(this.table, "stream"));
      bytes = pq.writeParquet(wasmTable);
    } else throw new RangeError(`Dataset.save: format must be "arrow" or "parquet", got ${String(format)}`);
    await writeFileAtomic(path, bytes);
  }
}


/** Atomic file write (temp sibling + fsync + rename), shared with checkpoints. */
export { writeFileAtomic };
