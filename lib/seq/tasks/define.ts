/**
 * Tasks defined in a cell: `defineTask` checks the definition up front and
 * every item and verdict it produces, so a mistake names the field at fault.
 *
 * ```ts
 * const echo = defineTask({
 *   id: "echo",
 *   levels: [1, 2, 3],
 *   generate: (rng, level) => { const s = "ab".repeat(level); return { prompt: `echo:${s}=`, answer: s }; },
 *   verify: (completion, item) => completion === item.answer,
 * });
 * ```
 *
 * `generate` may leave out `id` (made from the task id, level and prompt),
 * `solution` (the answer) and `level` (the level asked for). `verify` may
 * return a boolean (correct, format true, reward 1/0) or a full verdict.
 */
import type { Rng } from "../../random/rng.js";
import { checkLevel, describe, itemId, type Task, type TaskItem, type Verdict } from "./task.js";

/** What `generate` of a defined task returns. */
export interface TaskItemInput {
  prompt: string;
  answer: string;
  solution?: string;
  id?: string;
  level?: number;
  steps?: string[];
}

export interface TaskDefinition {
  id: string;
  description?: string;
  /** Difficulty levels (distinct finite numbers); sorted ascending. */
  levels: readonly number[];
  generate(rng: Rng, level: number): TaskItemInput;
  verify(completion: string, item: TaskItem): Verdict | boolean;
  enumerate?(level: number): TaskItemInput[];
}

/** Checks `value` as a task item from `where`, filling the optional fields; errors name the field. */
export function checkItem(value: unknown, where: string, taskId: string, level: number): TaskItem {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new TypeError(`${where}: expected an item object { prompt, answer, solution? }, got ${describe(value)}`);
  const v = value as Record<string, unknown>;
  const text = (field: string, optional: boolean): string | undefined => {
    const x = v[field];
    if (x === undefined && optional) return undefined;
    if (typeof x !== "string") throw new TypeError(`${where}: ${field} must be a string, got ${describe(x)}`);
    return x;
  };
  const prompt = text("prompt", false)!;
  if (prompt.length === 0) throw new TypeError(`${where}: prompt must be a non-empty string, got ""`);
  const answer = text("answer", false)!;
  const solution = text("solution", true) ?? answer;
  const id = text("id", true) ?? itemId(taskId, level, prompt);
  if (v.level !== undefined && v.level !== level) throw new TypeError(`${where}: level must be the level asked for (${level}), got ${describe(v.level)}`);
  const item: TaskItem = { id, prompt, answer, solution, level };
  if (v.solutions !== undefined) {
    if (!Array.isArray(v.solutions) || v.solutions.some((s) => typeof s !== "string")) throw new TypeError(`${where}: solutions must be an array of strings, got ${describe(v.solutions)}`);
    item.solutions = [...(v.solutions as string[])];
  }
  if (v.steps !== undefined) {
    if (!Array.isArray(v.steps) || v.steps.some((s) => typeof s !== "string")) throw new TypeError(`${where}: steps must be an array of strings, got ${describe(v.steps)}`);
    item.steps = [...(v.steps as string[])];
  }
  return item;
}

/** Checks what a verifier returned: a boolean, or { correct, format, reward, steps? }. */
export function checkVerdict(value: unknown, where: string): Verdict {
  if (typeof value === "boolean") return { correct: value, format: true, reward: value ? 1 : 0 };
  if (value === null || typeof value !== "object") throw new TypeError(`${where}: expected a boolean or a verdict { correct, format, reward, steps? }, got ${describe(value)}`);
  const v = value as Record<string, unknown>;
  for (const field of ["correct", "format"]) {
    if (typeof v[field] !== "boolean") throw new TypeError(`${where}: ${field} must be a boolean, got ${describe(v[field])}`);
  }
  if (typeof v.reward !== "number" || !Number.isFinite(v.reward)) throw new TypeError(`${where}: reward must be a finite number, got ${describe(v.reward)}`);
  const verdict: Verdict = { correct: v.correct as boolean, format: v.format as boolean, reward: v.reward };
  if (v.steps !== undefined) {
    if (!Array.isArray(v.steps) || v.steps.some((s) => typeof s !== "boolean")) throw new TypeError(`${where}: steps must be an array of booleans, got ${describe(v.steps)}`);
    verdict.steps = [...(v.steps as boolean[])];
  }
  return verdict;
}

/** A task from a definition written in a cell (see the module doc); throws naming the field when the definition is wrong. */
export function defineTask(definition: TaskDefinition): Task {
  const d = definition as unknown as Record<string, unknown>;
  if (d === null || typeof d !== "object") throw new TypeError(`defineTask: expected a definition { id, levels, generate, verify }, got ${describe(d)}`);
  if (typeof d.id !== "string" || d.id.trim().length === 0) throw new TypeError(`defineTask: id must be a non-empty string, got ${describe(d.id)}`);
  const id = d.id;
  const where = `defineTask(${JSON.stringify(id)})`;
  if (d.description !== undefined && typeof d.description !== "string") throw new TypeError(`${where}: description must be a string, got ${describe(d.description)}`);
  if (!Array.isArray(d.levels) || d.levels.length === 0) throw new TypeError(`${where}: levels must be a non-empty array of numbers, got ${describe(d.levels)}`);
  d.levels.forEach((l, i) => {
    if (typeof l !== "number" || !Number.isFinite(l)) throw new TypeError(`${where}: levels[${i}] must be a finite number, got ${describe(l)}`);
  });
  const levels = [...(d.levels as number[])].sort((a, b) => a - b);
  if (new Set(levels).size !== levels.length) throw new TypeError(`${where}: levels must be distinct, got ${levels.join(", ")}`);
  for (const field of ["generate", "verify"]) {
    if (typeof d[field] !== "function") throw new TypeError(`${where}: ${field} must be a function, got ${describe(d[field])}`);
  }
  if (d.enumerate !== undefined && typeof d.enumerate !== "function") throw new TypeError(`${where}: enumerate must be a function, got ${describe(d.enumerate)}`);
  const task: Task = {
    id,
    description: definition.description ?? id,
    levels,
    generate(rng: Rng, level: number): TaskItem {
      checkLevel(task, level);
      return checkItem(definition.generate(rng, level), `${where}.generate(rng, ${level})`, id, level);
    },
    verify(completion: string, item: TaskItem): Verdict {
      if (typeof completion !== "string") throw new TypeError(`${where}.verify: completion must be a string, got ${describe(completion)}`);
      return checkVerdict(definition.verify(completion, item), `${where}.verify`);
    },
  };
  if (definition.enumerate) {
    const enumerate = definition.enumerate;
    task.enumerate = (level: number) => {
      checkLevel(task, level);
      const items = enumerate(level);
      if (!Array.isArray(items)) throw new TypeError(`${where}.enumerate(${level}): expected an array of items, got ${describe(items)}`);
      return items.map((x, i) => checkItem(x, `${where}.enumerate(${level})[${i}]`, id, level));
    };
  }
  return task;
}
