/**
 * Verifiable sequence tasks: a prompt, a completion, and a verifier that
 * scores the completion. The contract shared by the built-in tasks, tasks
 * defined in a cell (`defineTask`) and tasks read from tables (`taskFromRows`).
 *
 * Completions are plain strings: the decoded text of what the policy wrote,
 * without its end-of-sequence token (the tokenizer adds and strips that).
 * Each task documents its completion format; verifiers are strict, so any
 * character outside that format makes `format` false.
 */
import type { Rng } from "../../random/rng.js";

/** One problem of a task. */
export interface TaskItem {
  /** Identifies the problem: `<task id>/<level>/<prompt>`, so equal prompts of a task have equal ids. */
  id: string;
  /** What the policy is conditioned on, e.g. `"47+38="`. */
  prompt: string;
  /** The expected answer, e.g. `"85"` (for multi-step tasks, the final result). */
  answer: string;
  /** A reference completion the verifier accepts (for supervised warm-up and hints). */
  solution: string;
  /** The difficulty level it was generated at (one of the task's `levels`). */
  level: number;
  /**
   * Other reference completions the verifier accepts, written in other
   * styles (e.g. operands in another order): the "teachers" of
   * `rl.guide.teachers()`, besides `solution`.
   */
  solutions?: string[];
  /** Reference steps, for multi-step tasks (`solution` is these joined as the task's format says). */
  steps?: string[];
}

/** The verifier's judgment of one completion. */
export interface Verdict {
  /** The completion is the right answer (implies `format`). */
  correct: boolean;
  /** The completion follows the task's completion format. */
  format: boolean;
  /** The task's own reward: 1 when correct, else 0 for the built-ins (weighting is `rewards`' job). */
  reward: number;
  /** Per-step judgments, for multi-step tasks: one per step the completion wrote. */
  steps?: boolean[];
}

/** A family of verifiable problems with difficulty levels. */
export interface Task {
  /** A short name, e.g. `"addition"`; part of every item id. */
  readonly id: string;
  /** One line on the task and its completion format. */
  readonly description: string;
  /** The difficulty levels, ascending (e.g. digits of the operands). */
  readonly levels: readonly number[];
  /** A random problem at `level` (one of `levels`); all randomness is drawn from `rng`. */
  generate(rng: Rng, level: number): TaskItem;
  /** Judges `completion` (decoded text, no end-of-sequence token) against `item`. */
  verify(completion: string, item: TaskItem): Verdict;
  /**
   * Every problem at `level`, when there are few enough to list (tasks read
   * from tables); `taskSplit` then splits these exactly instead of drawing.
   */
  enumerate?(level: number): TaskItem[];
}

/** The id of the item with this prompt at this level of task `taskId`. */
export function itemId(taskId: string, level: number, prompt: string): string {
  return `${taskId}/${level}/${prompt}`;
}

/** Throws unless `level` is one of `task.levels`. */
export function checkLevel(task: Pick<Task, "id" | "levels">, level: unknown): number {
  if (typeof level !== "number" || !task.levels.includes(level)) {
    throw new RangeError(`task ${task.id}: level must be one of ${task.levels.join(", ")}, got ${describe(level)}`);
  }
  return level;
}

/** A value as error messages show it: strings quoted, the type named for objects and functions. */
export function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "…" : value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "bigint") return `${value}n (bigint)`;
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
}

/** The verdict of a task with one answer: correct when `format` holds and the completion equals `answer`. */
export function exactVerdict(format: boolean, completion: string, answer: string): Verdict {
  checkCompletion(completion);
  const correct = format && completion === answer;
  return { correct, format, reward: correct ? 1 : 0 };
}

/** Throws unless the completion is a string (the decoded text a verifier judges). */
export function checkCompletion(completion: unknown): asserts completion is string {
  if (typeof completion !== "string") throw new TypeError(`verify: the completion must be a string (decoded text), got ${describe(completion)}`);
}
