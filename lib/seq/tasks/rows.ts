/**
 * Tasks from rows of (prompt, answer[, level, solution]): given as plain
 * objects (`taskFromRows`) or JSON Lines text (`taskFromJsonl`, one object
 * per line, blank lines skipped). Arrow tables and files: `table.ts`.
 *
 * The verifier is exact match after trimming whitespace at both ends of the
 * completion and the answer; `format` is false only for a blank completion.
 * `level` defaults to 1 and `solution` to the answer. Rows with the same
 * prompt and answer count once; the same prompt with different answers is
 * an error. `generate(rng, level)` draws a row of that level uniformly, and
 * `enumerate(level)` lists them, so `taskSplit` splits the rows exactly.
 */
import type { Rng } from "../../random/rng.js";
import { checkCompletion, checkLevel, describe, itemId, type Task, type TaskItem, type Verdict } from "./task.js";

/** One row of a table task. */
export interface TaskRow {
  prompt: string;
  answer: string;
  level?: number;
  solution?: string;
}

export interface RowTaskOptions {
  /** The task id (default "rows", or the file's name for `openTaskTable`). */
  id?: string;
  description?: string;
}

/** Checks one row; `where` names it ("row 3", "line 4") in errors. */
export function checkRow(value: unknown, where: string): Required<TaskRow> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new TypeError(`${where}: expected an object { prompt, answer, level?, solution? }, got ${describe(value)}`);
  const v = value as Record<string, unknown>;
  if (typeof v.prompt !== "string" || v.prompt.length === 0) throw new TypeError(`${where}: prompt must be a non-empty string, got ${describe(v.prompt)}`);
  if (typeof v.answer !== "string") throw new TypeError(`${where}: answer must be a string, got ${describe(v.answer)}`);
  if (v.answer.trim().length === 0) throw new TypeError(`${where}: answer must not be blank (the verifier compares trimmed text), got ${describe(v.answer)}`);
  let level = 1;
  if (v.level !== undefined && v.level !== null) {
    if (typeof v.level !== "number" || !Number.isFinite(v.level)) throw new TypeError(`${where}: level must be a finite number, got ${describe(v.level)}`);
    level = v.level;
  }
  let solution = v.answer;
  if (v.solution !== undefined && v.solution !== null) {
    if (typeof v.solution !== "string") throw new TypeError(`${where}: solution must be a string, got ${describe(v.solution)}`);
    solution = v.solution;
  }
  return { prompt: v.prompt, answer: v.answer, level, solution };
}

/** A task over rows already read; `where(i)` names row i in errors. */
export function rowsTask(rows: ArrayLike<unknown>, where: (i: number) => string, options: RowTaskOptions = {}): Task {
  const id = options.id ?? "rows";
  if (typeof id !== "string" || id.length === 0) throw new TypeError(`task from rows: id must be a non-empty string, got ${describe(id)}`);
  if (rows.length === 0) throw new RangeError(`task ${id}: no rows`);
  const byLevel = new Map<number, TaskItem[]>();
  const byPrompt = new Map<string, { answer: string; where: string }>();
  for (let i = 0; i < rows.length; i++) {
    const row = checkRow(rows[i], where(i));
    const earlier = byPrompt.get(row.prompt);
    if (earlier) {
      if (earlier.answer !== row.answer) {
        throw new TypeError(`${where(i)}: prompt ${describe(row.prompt)} already has answer ${describe(earlier.answer)} at ${earlier.where}, got ${describe(row.answer)}`);
      }
      continue;
    }
    byPrompt.set(row.prompt, { answer: row.answer, where: where(i) });
    const item: TaskItem = { id: itemId(id, row.level, row.prompt), prompt: row.prompt, answer: row.answer, solution: row.solution, level: row.level };
    let list = byLevel.get(row.level);
    if (!list) byLevel.set(row.level, (list = []));
    list.push(item);
  }
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  const copy = (item: TaskItem): TaskItem => ({ ...item });
  const task: Task = {
    id,
    description: options.description ?? `${byPrompt.size} prompts with exact-match answers (trimmed)`,
    levels,
    generate(rng: Rng, level: number): TaskItem {
      checkLevel(task, level);
      const list = byLevel.get(level)!;
      return copy(list[rng.int(list.length)]!);
    },
    verify(completion: string, item: TaskItem): Verdict {
      checkCompletion(completion);
      const text = completion.trim();
      const format = text.length > 0;
      const correct = format && text === item.answer.trim();
      return { correct, format, reward: correct ? 1 : 0 };
    },
    enumerate(level: number): TaskItem[] {
      checkLevel(task, level);
      return byLevel.get(level)!.map(copy);
    },
  };
  return task;
}

/** A task from plain-object rows `{ prompt, answer, level?, solution? }` (errors name "row i", 0-based). */
export function taskFromRows(rows: readonly TaskRow[], options: RowTaskOptions = {}): Task {
  if (!Array.isArray(rows)) throw new TypeError(`taskFromRows: rows must be an array of { prompt, answer, level?, solution? }, got ${describe(rows)}`);
  return rowsTask(rows, (i) => `taskFromRows: row ${i}`, options);
}

/** A task from JSON Lines text, one row object per line (errors name "line n", 1-based). */
export function taskFromJsonl(text: string, options: RowTaskOptions = {}): Task {
  if (typeof text !== "string") throw new TypeError(`taskFromJsonl: expected the text of a JSON Lines file, got ${describe(text)}`);
  const rows: unknown[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, k) => {
    if (line.trim().length === 0) return;
    try {
      rows.push(JSON.parse(line));
    } catch (e) {
      throw new SyntaxError(`taskFromJsonl: line ${k + 1}: not valid JSON (${(e as Error).message})`);
    }
    lines.push(k + 1);
  });
  return rowsTask(rows, (i) => `taskFromJsonl: line ${lines[i]}`, options);
}
