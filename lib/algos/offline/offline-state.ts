import type { Sampler } from "../../data/sampler.js";
import type { Network } from "../../nn/network.js";
import type { ParamGroup } from "../../policy/param-set.js";
import type { Rng } from "../../random/rng.js";
import type { AlgoState } from "../algorithm.js";
import type { MetricsWindow } from "../metrics-window.js";
import { flattenParams, unflattenParams, type GroupAdam } from "../optimizer.js";

/** What an offline learner with one Adam per part (IQL's Q, V and policy) checkpoints. */
export interface OfflineLearnerParts {
  readonly rng: Rng;
  readonly sampler: Sampler;
  readonly window: MetricsWindow;
  /** Every trained parameter group, in a fixed order. */
  readonly groups: readonly ParamGroup[];
  readonly opts: readonly GroupAdam[];
  /** Target networks by checkpoint key. */
  readonly targets: Readonly<Record<string, Network>>;
}

/** The learner's state: update count, generator, sampler position, metrics window, parameters, targets and Adam moments. */
export function saveOfflineState(updates: number, p: OfflineLearnerParts): AlgoState {
  const s = p.sampler.saveState();
  const opts = p.opts.map((o) => o.save());
  return {
    json: { updates, rng: p.rng.state(), adamT: opts.map((o) => o.t), sampler: { epoch: s.epoch, cursor: s.cursor }, window: p.window.toJSON() },
    arrays: {
      params: flattenParams(p.groups),
      ...Object.fromEntries(Object.entries(p.targets).map(([key, net]) => [key, net.params.slice()])),
      ...Object.fromEntries(opts.flatMap((o, i) => [[`adamM${i}`, o.m], [`adamV${i}`, o.v]])),
      samplerPerm: s.perm,
    },
  };
}

/** Restores what {@link saveOfflineState} saved; returns the update count. */
export function loadOfflineState(state: AlgoState, p: OfflineLearnerParts): number {
  const json = state.json as { updates: number; rng: number[]; adamT: number[]; sampler: { epoch: number; cursor: number }; window: ReturnType<MetricsWindow["toJSON"]> };
  const a = state.arrays;
  unflattenParams(p.groups, a.params as Float32Array);
  for (const [key, net] of Object.entries(p.targets)) {
    net.params.set(a[key] as Float32Array);
    net.paramsChanged();
  }
  p.opts.forEach((o, i) => o.load({ t: json.adamT[i]!, m: a[`adamM${i}`] as Float32Array, v: a[`adamV${i}`] as Float32Array }));
  p.sampler.loadState({ epoch: json.sampler.epoch, cursor: json.sampler.cursor, perm: a.samplerPerm as Int32Array });
  p.rng.restore(json.rng);
  p.window.load(json.window);
  return json.updates;
}
