import { makeVecEnv } from "../envs/registry.js";
import { Rng } from "../random/rng.js";
import { Dataset } from "./dataset.js";
import { RecordingVecEnv } from "./recording-env.js";
import type { TrajectorySource } from "./schema.js";

/** Options of {@link recordBehavior}. */
export interface RecordBehaviorOptions {
  /** Complete episodes to record (default 100). */
  readonly episodes?: number;
  /** Seed of the env copies and of the behavior's generator (default 0). */
  readonly seed?: number;
  /** Copies stepped together (default 8). */
  readonly n?: number;
  /** Env kwargs. */
  readonly env?: Readonly<Record<string, unknown>>;
  /** The rows' `source` (default "offline"). */
  readonly source?: TrajectorySource;
  /** Vector steps before giving up (default 1e6). */
  readonly maxSteps?: number;
}

/**
 * A dataset of any behavior acting in an env — a hand-written controller, a
 * clinician's rule, a scripted expert — recorded in the trajectory schema
 * (costs included where the env has them). `act(obs, batch, actions, rng)`
 * writes the actions of `batch` observation rows, drawing only from `rng`.
 * The first `episodes` episodes that end, in episode-id order.
 */
export function recordBehavior(envId: string, act: (obs: Float32Array, batch: number, actions: Int32Array | Float32Array, rng: Rng) => void, options: RecordBehaviorOptions = {}): Dataset {
  if (typeof act !== "function") throw new TypeError(`recordBehavior: act must be a function (obs, batch, actions, rng) => void, got ${typeof act}`);
  const episodes = options.episodes ?? 100;
  const n = options.n ?? 8;
  const maxSteps = options.maxSteps ?? 1_000_000;
  for (const [name, v] of [["episodes", episodes], ["n", n], ["maxSteps", maxSteps]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`recordBehavior: ${name} must be a positive integer, got ${String(v)}`);
  }
  const seed = options.seed ?? 0;
  const inner = makeVecEnv(envId, { ...options.env, n, seed });
  const env = new RecordingVecEnv(inner, `${envId}-behavior`, { source: options.source ?? "offline" });
  const rng = Rng.fromSeed(seed + 1);
  const actions = inner.actionSpace.kind === "discrete" ? new Int32Array(n) : new Float32Array(n * inner.actionSize);
  env.reset({ seed });
  let done = 0;
  for (let t = 0; done < episodes; t++) {
    if (t >= maxSteps) throw new Error(`recordBehavior: only ${done} of ${episodes} episodes ended within maxSteps = ${maxSteps} vector steps; give the env a time limit or raise maxSteps`);
    act(inner.obs, n, actions, rng);
    env.step(actions);
    for (let e = 0; e < n; e++) if (inner.terminated[e] || inner.truncated[e]) done++;
  }
  const all = new Dataset(env.recorder.toTable());
  const complete = all.episodeSummaries().filter((e) => e.complete).map((e) => e.id);
  return all.select(complete.slice(0, episodes));
}
