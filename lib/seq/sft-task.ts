/**
 * Supervised fine-tuning of a token policy on a task's reference solutions:
 * the usual way to make the initial policy that GRPO then improves.
 *
 * ```ts
 * const r = sftOnTask(policy, tokenizer, rl.tasks.addition, { level: 2, steps: 700, batch: 64, lr: 1e-3, seed: 0 });
 * r.losses; // one per step
 * ```
 */
import { Rng } from "../random/rng.js";
import { SftTrainer, sftBatch } from "./policies/sft.js";
import type { TokenPolicy } from "./policies/token-policy.js";
import type { Task } from "./tasks/task.js";
import type { Tokenizer } from "./tokenizers/tokenizer.js";

export interface SftTaskOptions {
  /** Difficulty levels the problems are drawn at (default: the task's lowest). */
  readonly level?: number;
  readonly levels?: readonly number[];
  /** Gradient steps. */
  readonly steps: number;
  /** Problems per step (fresh each step). Default 64. */
  readonly batch?: number;
  /** Adam's learning rate. Default 1e-3. */
  readonly lr?: number;
  /** Global gradient-norm clip (null: none). Default 1. */
  readonly maxGradNorm?: number | null;
  /** Seeds the problems drawn. Default 0. */
  readonly seed?: number;
  /**
   * Which reference completion of a problem is trained: its `solution`
   * ("solution", the default), or one drawn uniformly among `solution` and
   * its other styles `solutions` ("all": e.g. both the thinking and the direct
   * form of `tasks.thinkOrNot`, a hybrid cold start).
   */
  readonly completions?: "solution" | "all";
}

export interface SftTaskResult {
  /** The loss (mean cross-entropy over completion tokens) before each step. */
  readonly losses: Float64Array;
  readonly seconds: number;
  /** Sequence tokens (prompt + completion + end token) trained on. */
  readonly tokens: number;
}

/** Trains `policy` in place for `steps` steps on (prompt, solution) pairs of `task`; see the module doc. */
export function sftOnTask(policy: TokenPolicy, tokenizer: Tokenizer, task: Task, options: SftTaskOptions): SftTaskResult {
  const { steps, batch = 64, lr = 1e-3, seed = 0, completions = "solution" } = options;
  if (completions !== "solution" && completions !== "all") throw new RangeError(`sftOnTask: completions must be "solution" or "all", got ${JSON.stringify(completions)}`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`sftOnTask: steps must be an integer ≥ 0, got ${String(steps)}`);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`sftOnTask: batch must be a positive integer, got ${String(batch)}`);
  const levels = options.levels ?? (options.level !== undefined ? [options.level] : [task.levels[0]!]);
  for (const l of levels) if (!task.levels.includes(l)) throw new RangeError(`sftOnTask: level ${l} is not one of the task's levels ${task.levels.join(", ")}`);
  const trainer = new SftTrainer(policy, { lr, maxGradNorm: options.maxGradNorm === undefined ? 1 : options.maxGradNorm });
  const rng = Rng.fromSeed(seed);
  const losses = new Float64Array(steps);
  let tokens = 0;
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const pairs = Array.from({ length: batch }, () => {
      const item = task.generate(rng, levels[rng.int(levels.length)]!);
      if (completions === "solution") return { prompt: item.prompt, completion: item.solution };
      const styles = [item.solution, ...(item.solutions ?? [])];
      return { prompt: item.prompt, completion: styles[rng.int(styles.length)]! };
    });
    const b = sftBatch(tokenizer, pairs, policy.context);
    for (let i = 0; i < b.tokens.length; i++) if (b.tokens[i] !== tokenizer.pad) tokens++;
    losses[s] = trainer.step(b).loss;
  }
  return { losses, seconds: (performance.now() - t0) / 1000, tokens };
}
