/**
 * `run.rollouts(...)`: a dataset of the run's greedy policy acting in fresh
 * copies of its env (an expert's demonstrations for offline or hybrid
 * training, or episodes to look at), recorded in the trajectory schema with
 * the policy's log-probability of each action and its critic's values.
 */
import { Dataset } from "../data/dataset.js";
import { RecordingVecEnv } from "../data/recording-env.js";
import type { TrajectorySource } from "../data/schema.js";
import { Rng } from "../random/rng.js";
import type { Run } from "./run.js";

export interface RolloutOptions {
  /** Complete episodes to record (default 10 unless `steps` is given). */
  episodes?: number;
  /** Env steps to record instead (summed over copies; episodes still running at the end are kept, unfinished). */
  steps?: number;
  /** Seed of the env copies (default: drawn from the run's evaluation generator). */
  seed?: number;
  /** Copies stepped together (default 8). */
  n?: number;
  /** Env options that replace the run's own (the spaces must stay the same). */
  env?: Readonly<Record<string, unknown>>;
  /** The rows' `source` (default "offline": data for another run to learn from). */
  source?: TrajectorySource;
  /** Vector steps before giving up on `episodes` (default 1e6). */
  maxSteps?: number;
}

const YIELD_EVERY_MS = 20;

export async function recordRollouts(run: Run, options: RolloutOptions = {}): Promise<Dataset> {
  const { episodes, steps } = options;
  if (episodes !== undefined && steps !== undefined) throw new TypeError("rollouts(): give episodes or steps, not both");
  for (const [name, v] of [["episodes", episodes], ["steps", steps], ["n", options.n], ["maxSteps", options.maxSteps]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`rollouts({ ${name} }): expected a positive integer, got ${String(v)}`);
  }
  const wanted = steps === undefined ? (episodes ?? 10) : undefined;
  const n = options.n ?? 8;
  const seed = options.seed ?? run.evalRng.int32();
  const inner = run.freshEnv("rollouts", n, Rng.fromSeed(seed), options.env);
  const env = new RecordingVecEnv(inner, `${run.id}-rollouts`, { source: options.source ?? "offline" });
  const discrete = inner.actionSpace.kind === "discrete";
  const actions = discrete ? new Int32Array(n) : new Float32Array(n * inner.actionSize);
  const values = new Float32Array(n);
  let behavior: { logp?: Float32Array; values?: Float32Array; policyVersion: number } = { policyVersion: run.algo.updates };
  env.behavior = () => behavior;
  env.reset({ seed });
  const algo = run.algo;
  let done = 0;
  let lastYield = performance.now();
  const maxSteps = options.maxSteps ?? 1_000_000;
  for (let t = 0; ; t++) {
    if (steps !== undefined && t * n >= steps) break;
    if (wanted !== undefined && done >= wanted) break;
    if (wanted !== undefined && t >= maxSteps) {
      throw new Error(`rollouts(): only ${done} of ${wanted} episodes ended within maxSteps = ${maxSteps} vector steps; raise maxSteps or give the env a time limit`);
    }
    algo.actGreedy(inner.obs, n, actions);
    behavior = {
      ...(algo.policyStats ? { logp: algo.policyStats(inner.obs, actions, n).logp } : {}),
      ...(algo.values ? { values: Float32Array.from(algo.values(inner.obs, n, values).subarray(0, n)) } : {}),
      policyVersion: algo.updates,
    };
    env.step(actions);
    for (let e = 0; e < n; e++) if (inner.terminated[e] || inner.truncated[e]) done++;
    if (performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  const all = new Dataset(env.recorder.toTable());
  if (wanted === undefined) return all;
  // The first `episodes` that ended, by id (ids count up per copy as episodes start, so this does not depend on timing).
  const complete = all.episodeSummaries().filter((e) => e.complete).map((e) => e.id);
  return all.select(complete.slice(0, wanted));
}
