import { costSize } from "../envs/costs.js";
import { makeVecEnv } from "../envs/registry.js";
import { Rng } from "../random/rng.js";
import { violationRate } from "./cost-metrics.js";
import type { Guard } from "./guard.js";

/** Options of {@link evaluateSafety}. */
export interface SafetyEvalOptions {
  /** Complete episodes (default 100). */
  readonly episodes?: number;
  /** Seed of the env copies and of `act`'s generator (default 0). */
  readonly seed?: number;
  /** The data's support: the share of steps whose (s, a) lies outside it is `oodRate`. */
  readonly guard?: Guard;
  /** An episode violates when its summed cost exceeds this (default 0: any cost). */
  readonly limit?: number;
  /** Env kwargs. */
  readonly env?: Readonly<Record<string, unknown>>;
}

/** What {@link evaluateSafety} measures. */
export interface SafetyEvalResult {
  readonly returns: Float64Array;
  /** Summed cost of each episode (all of the env's costs). */
  readonly costs: Float64Array;
  readonly meanReturn: number;
  readonly meanCost: number;
  /** Share of episodes whose cost exceeds the limit. */
  readonly violationRate: number;
  /** Share of steps whose (s, a) lies outside the guard (NaN without a guard). */
  readonly oodRate: number;
}

/**
 * Runs an actor on the real env for whole episodes and measures what a safe
 * policy is judged by: return, cost, the share of episodes over the cost
 * limit and the share of steps outside the data's support.
 * `act(obs, batch, actions, rng)` writes the actions of `batch` rows.
 */
export function evaluateSafety(act: (obs: Float32Array, batch: number, actions: Int32Array | Float32Array, rng: Rng) => void, envId: string, options: SafetyEvalOptions = {}): SafetyEvalResult {
  const episodes = options.episodes ?? 100;
  if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`evaluateSafety: episodes must be a positive integer, got ${episodes}`);
  const n = Math.min(16, episodes);
  const seed = options.seed ?? 0;
  const env = makeVecEnv(envId, { ...options.env, n, seed });
  if (env.maxEpisodeSteps === undefined) throw new Error(`evaluateSafety: ${envId} has no time limit, so episodes may never end`);
  const k = costSize(env);
  const rng = Rng.fromSeed(seed + 1);
  const discrete = env.actionSpace.kind === "discrete";
  const actions = discrete ? new Int32Array(n) : new Float32Array(n * env.actionSize);
  const d = env.obsSize;
  const aw = discrete ? 1 : env.actionSize;
  const z = new Float64Array(d + aw);
  const quota = Array.from({ length: n }, (_, i) => Math.floor(episodes / n) + (i < episodes % n ? 1 : 0));
  const ret = new Float64Array(n);
  const cost = new Float64Array(n);
  const returns: number[] = [];
  const costs: number[] = [];
  let steps = 0;
  let outside = 0;
  env.reset();
  while (returns.length < episodes) {
    act(env.obs, n, actions, rng);
    if (options.guard) {
      for (let e = 0; e < n; e++) {
        if (quota[e] === 0) continue;
        for (let j = 0; j < d; j++) z[j] = env.obs[e * d + j]!;
        for (let j = 0; j < aw; j++) z[d + j] = actions[e * aw + j]!;
        outside += options.guard.cost(z);
        steps++;
      }
    }
    env.step(actions);
    for (let e = 0; e < n; e++) {
      ret[e] = ret[e]! + env.rewards[e]!;
      for (let j = 0; j < k; j++) cost[e] = cost[e]! + env.costs![e * k + j]!;
      if (env.terminated[e] || env.truncated[e]) {
        if (quota[e]! > 0) {
          quota[e] = quota[e]! - 1;
          returns.push(ret[e]!);
          costs.push(cost[e]!);
        }
        ret[e] = 0;
        cost[e] = 0;
      }
    }
  }
  const r = Float64Array.from(returns);
  const c = Float64Array.from(costs);
  const mean = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / a.length;
  return { returns: r, costs: c, meanReturn: mean(r), meanCost: mean(c), violationRate: violationRate(c, options.limit ?? 0), oodRate: options.guard ? outside / Math.max(1, steps) : Number.NaN };
}
