/**
 * Tasks from Arrow tables and from files.
 *
 * `taskFromTable(table)` reads the string columns `prompt` and `answer`
 * (Utf8, LargeUtf8, or a dictionary of strings) and, when present, a numeric
 * `level` column and a string `solution` column; other columns are ignored.
 * Rows are checked as in `taskFromRows` (a null prompt or answer is an error
 * naming the row).
 *
 * `openTaskTable(path)` reads a file by its extension: `.jsonl` as JSON
 * Lines, `.arrow` / `.arrows` / `.ipc` / `.feather` / `.parquet` through the
 * dataset layer (`openDataset` without the trajectory-schema check).
 */
import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { DataType, type Table } from "apache-arrow";
import { describe, type Task } from "./task.js";
import { rowsTask, taskFromJsonl, type RowTaskOptions } from "./rows.js";

function isText(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type) || (DataType.isDictionary(type) && (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary)));
}

function isNumeric(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type);
}

/** A task from an Arrow table with `prompt` and `answer` string columns (see the module doc). */
export function taskFromTable(table: Table, options: RowTaskOptions = {}, source = "taskFromTable"): Task {
  if (!table || typeof table !== "object" || !table.schema || typeof table.getChild !== "function") {
    throw new TypeError(`${source}: expected an apache-arrow Table, got ${describe(table)}`);
  }
  const fields = new Map(table.schema.fields.map((f) => [f.name, f.type as DataType]));
  const names = [...fields.keys()].join(", ") || "none";
  const want = (name: string, required: boolean, check: (t: DataType) => boolean, what: string) => {
    const type = fields.get(name);
    if (type === undefined) {
      if (required) throw new TypeError(`${source}: no column ${JSON.stringify(name)} (${what}); the columns are ${names}`);
      return undefined;
    }
    if (!check(type)) throw new TypeError(`${source}: column ${JSON.stringify(name)} is ${String(type)}, expected ${what}`);
    return table.getChild(name)!;
  };
  const prompt = want("prompt", true, isText, "a string column (Utf8)")!;
  const answer = want("answer", true, isText, "a string column (Utf8)")!;
  const level = want("level", false, isNumeric, "a numeric column (Int or Float)");
  const solution = want("solution", false, isText, "a string column (Utf8)");
  const rows = {
    length: table.numRows,
  } as { length: number; [i: number]: unknown };
  for (let i = 0; i < table.numRows; i++) {
    const l = level?.get(i);
    rows[i] = {
      prompt: prompt.get(i),
      answer: answer.get(i),
      level: typeof l === "bigint" ? Number(l) : l,
      solution: solution?.get(i) ?? undefined,
    };
  }
  return rowsTask(rows, (i) => `${source}: row ${i}`, options);
}

const ARROW_EXTENSIONS = new Set([".arrow", ".arrows", ".ipc", ".feather", ".parquet"]);

/** A task from a `.jsonl`, Arrow IPC or Parquet file (see the module doc); the id defaults to the file's name without extension. */
export async function openTaskTable(path: string, options: RowTaskOptions = {}): Promise<Task> {
  if (typeof path !== "string" || path.length === 0) throw new TypeError(`openTaskTable: path must be a non-empty string, got ${describe(path)}`);
  const ext = extname(path).toLowerCase();
  const opts = { ...options, id: options.id ?? basename(path, extname(path)) };
  if (ext === ".jsonl") {
    const task = (text: string) => {
      try {
        return taskFromJsonl(text, opts);
      } catch (e) {
        (e as Error).message = `${path}: ${(e as Error).message}`;
        throw e;
      }
    };
    return task(await readFile(path, "utf8"));
  }
  if (ARROW_EXTENSIONS.has(ext)) {
    // Loaded when needed: the dataset layer brings widgets and parquet-wasm with it.
    const { openDataset } = await import("../../data/dataset.js");
    const dataset = await openDataset(path, { validate: false });
    return taskFromTable(dataset.table, opts, path);
  }
  throw new TypeError(`openTaskTable: ${path}: expected a .jsonl, .arrow, .arrows, .ipc, .feather or .parquet file`);
}
