/**
 * Rewards for sequence tasks: weighted sums of named terms computed from the
 * task's verdict.
 *
 * ```ts
 * const reward = rewards(tasks.addition, [{ fn: correctness, weight: 1 }, { fn: format, weight: 0.1 }]);
 * reward("85", item); // { reward: 1.1, components: { correctness: 1, format: 1 }, verdict }
 * ```
 *
 * The combined function verifies the completion once with the task's
 * verifier and hands the verdict to every term; `components` holds each
 * term's unweighted value under its name (the `name` given in the spec,
 * else the function's name), and `reward` is Σ weight × value.
 */
import { describe, type Task, type TaskItem, type Verdict } from "./task.js";

/** One reward term: a number from the verdict (and the completion and item, for terms that look at them). */
export type RewardTerm = (verdict: Verdict, completion: string, item: TaskItem) => number;

export interface RewardSpec {
  fn: RewardTerm;
  weight: number;
  /** The key in `components` (default `fn.name`). */
  name?: string;
}

export interface RewardResult {
  /** Σ weight × component. */
  reward: number;
  /** Each term's unweighted value, by name. */
  components: Record<string, number>;
  /** The task's verdict the terms were computed from. */
  verdict: Verdict;
}

export type RewardFunction = (completion: string, item: TaskItem) => RewardResult;

/** 1 when the completion is correct, else 0. */
export const correctness: RewardTerm = function correctness(verdict) {
  return verdict.correct ? 1 : 0;
};

/** 1 when the completion follows the task's format, else 0. */
export const format: RewardTerm = function format(verdict) {
  return verdict.format ? 1 : 0;
};

/**
 * The fraction of the completion's steps judged correct, for multi-step
 * tasks (0 when it wrote none); for a task without steps, its correctness
 * (one step). Extra steps past a correct one count against it.
 */
export const stepAccuracy: RewardTerm = function stepAccuracy(verdict) {
  if (!verdict.steps) return verdict.correct ? 1 : 0;
  if (verdict.steps.length === 0) return 0;
  return verdict.steps.filter((s) => s).length / verdict.steps.length;
};

/** The weighted sum of `specs`' terms on `task`'s verdicts (see the module doc). */
export function rewards(task: Task, specs: readonly RewardSpec[]): RewardFunction {
  if (!task || typeof task.verify !== "function") throw new TypeError(`rewards: the first argument must be a task (with verify), got ${describe(task)}`);
  if (!Array.isArray(specs) || specs.length === 0) throw new TypeError(`rewards: specs must be a non-empty array of { fn, weight }, got ${describe(specs)}`);
  const terms = specs.map((spec, i) => {
    if (spec === null || typeof spec !== "object") throw new TypeError(`rewards: specs[${i}] must be an object { fn, weight, name? }, got ${describe(spec)}`);
    if (typeof spec.fn !== "function") throw new TypeError(`rewards: specs[${i}].fn must be a function (verdict, completion, item) => number, got ${describe(spec.fn)}`);
    if (typeof spec.weight !== "number" || !Number.isFinite(spec.weight)) throw new TypeError(`rewards: specs[${i}].weight must be a finite number, got ${describe(spec.weight)}`);
    const name = spec.name ?? spec.fn.name;
    if (typeof name !== "string" || name.length === 0) throw new TypeError(`rewards: specs[${i}] needs a name (its fn is anonymous): give { name: "..." }`);
    return { fn: spec.fn, weight: spec.weight, name };
  });
  const names = new Set<string>();
  for (const t of terms) {
    if (names.has(t.name)) throw new TypeError(`rewards: two terms are named ${JSON.stringify(t.name)}; give one a different name`);
    names.add(t.name);
  }
  return (completion: string, item: TaskItem): RewardResult => {
    const verdict = task.verify(completion, item);
    const components: Record<string, number> = {};
    let reward = 0;
    for (const t of terms) {
      const value = t.fn(verdict, completion, item);
      if (typeof value !== "number" || !Number.isFinite(value)) throw new TypeError(`rewards: term ${t.name} returned ${describe(value)}, not a finite number`);
      components[t.name] = value;
      reward += t.weight * value;
    }
    return { reward, components, verdict };
  };
}
