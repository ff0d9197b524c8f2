// Dataset files: what kind a file is (by its magic bytes), parsing Arrow IPC
// files and streams and Parquet into tables, reading a directory of shards,
// and the bytes of a table as an Arrow IPC file or Parquet.
import { closeSync, readSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { DataType, RecordBatch, Table, tableFromIPC, tableToIPC, type Schema } from "apache-arrow";
import * as pq from "parquet-wasm";
import { ArrowFileColumns } from "./arrow-file-columns.js";
import { ARROW_MAGIC } from "./arrow-layout.js";
import { arrowFileBytes, parseArrowIPC } from "./arrow-ipc.js";
import { openRegularFileSync, readRegularFile } from "./regular-file.js";

export type DatasetFormat = "arrow" | "parquet";

export interface SaveOptions {
  /** Default: "parquet" when the path ends in `.parquet`, else "arrow" (Arrow IPC file). */
  format?: DatasetFormat;
}

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
 * What `openDataset` reads from `path`: an Arrow IPC file's column layout
 * (columns read when needed), or the table of an Arrow IPC stream, a Parquet
 * file or a directory of shards (see `openDataset`).
 */
export async function readDatasetSource(path: string): Promise<Table | ArrowFileColumns> {
  if ((await stat(path)).isDirectory()) return readShards(path);
  return arrowFileColumns(path) ?? (await readTableFile(path));
}

/** The shards of a directory, in sorted name order, as one table with the first shard's column order; their schemas must match. */
async function readShards(path: string): Promise<Table> {
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
  return new Table(first.schema, batches);
}

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

/** The format `Dataset.save` writes: `options.format`, else "parquet" when the path ends in `.parquet`, else "arrow". */
export function saveFormat(path: string, options: SaveOptions = {}): DatasetFormat {
  const format = options.format ?? (extname(path).toLowerCase() === ".parquet" ? "parquet" : "arrow");
  if (format !== "arrow" && format !== "parquet") throw new RangeError(`Dataset.save: format must be "arrow" or "parquet", got ${String(format)}`);
  return format;
}

/** `table` as the bytes of an Arrow IPC file or a Parquet file. */
export function tableFileBytes(table: Table, format: DatasetFormat): Uint8Array {
  if (format === "arrow") return arrowFileBytes(table);
  return pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(table, "stream")));
}
