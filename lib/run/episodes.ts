import type { Table } from "apache-arrow";
import { episodeReturns } from "../credit/returns.js";
import { episodeAdvantages, tdErrors } from "../credit/td.js";
import { episodeLayout, idColumn } from "../credit/episodes.js";
import { categoricalKl, weightedK3 } from "../credit/reference-kl.js";
import { columnNumbers } from "../../widgets/server/column-numbers.js";
import { Dataset } from "../data/dataset.js";
import { describeSpace, sameSpaces } from "../envs/space.js";
import { fmtInt } from "../../widgets/shared/format.js";
import type { VecEnv } from "../envs/vec-env.js";
import type { Frame } from "../envs/frame.js";
import { Rng } from "../random/rng.js";
import { trajectoryWidget, type TrajectoryEpisode } from "../../widgets/server/trajectory.js";
import { creditCompareWidget, creditWidget } from "../../widgets/server/credit.js";
import type { Widget } from "../../widgets/server/widget.js";
import type { Run } from "./run.js";

/** Which recorded episodes: the last or first `n` that ended, or given ids. */
export interface EpisodeSelection {
  last?: number;
  first?: number;
  ids?: readonly number[];
}

/** One recorded episode, step by step, with its credit (what the trajectory viewer and the credit view show). */
export interface EpisodeRecord {
  readonly id: number;
  readonly length: number;
  readonly totalReturn: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** `length × obsSize` observations, then `finalObs` after the last step (when recorded). */
  readonly obs: Float32Array;
  readonly finalObs: Float32Array | undefined;
  /** `length × actionWidth` actions (width 1 for discrete actions). */
  readonly actions: Float64Array;
  readonly actionWidth: number;
  readonly rewards: Float32Array;
  /** Per-step constraint cost (the env's costs summed), when the env emits costs; NaN where unrecorded. */
  readonly costs?: Float32Array | undefined;
  /** Summed cost of the episode, when the env emits costs. */
  readonly totalCost?: number | undefined;
  /** V(s_t): recorded, or the current critic's when the recording has none. */
  readonly values: Float32Array | undefined;
  /** V(s_T) after the last step (0 when the episode terminated or there is no critic). */
  readonly bootstrap: number;
  /** Discounted return G_t (Monte Carlo, bootstrapped after a truncation). */
  readonly returns: Float32Array;
  /** GAE(γ, λ) advantage, when there are values. */
  readonly advantages: Float32Array | undefined;
  /** r_t + γ V(s_{t+1}) − V(s_t), when there are values. */
  readonly tdErrors: Float32Array | undefined;
  /** π_now(a|s) / π_behavior(a|s), when the behavior log-probabilities were recorded and the algorithm has a policy. */
  readonly ratio: Float32Array | undefined;
  /** Per-step KL(π_behavior ‖ π_now) estimated with k3 = (r − 1) − log r. */
  readonly kl: Float32Array | undefined;
  /** log μ(a_t|s_t) of the behavior policy, when recorded. */
  readonly behaviorLogp: Float32Array | undefined;
  /** Per-step KL(π_now ‖ π_ref) to a reference policy (only from `credit({ reference })`). */
  readonly klRef?: Float32Array | undefined;
  /** Entropy of π_now(·|s_t). */
  readonly entropy: Float32Array | undefined;
  /** `source` column per step (online, offline, hint, teacher, sim). */
  readonly source: string[];
}

/** Options of the credit view. */
export interface CreditOptions {
  /** A run whose policy is the reference for a KL(π ‖ π_ref) row (same spaces as this run's env). */
  reference?: Run;
}

/**
 * KL(π_now ‖ π_ref) per step of an episode, once the two runs are known to
 * fit: exact over a discrete action set, else importance-weighted k3 from
 * the recorded behavior log-probabilities.
 */
function referenceKl(run: Run, reference: Run): (r: EpisodeRecord) => Float32Array {
  const now = run.algo.policyStats?.bind(run.algo);
  const ref = reference.algo.policyStats?.bind(reference.algo);
  if (!now) throw new Error(`credit: ${run.label}'s algorithm (${run.algo.name}) has no policy to compare to a reference`);
  if (!ref) throw new Error(`credit: the reference ${reference.label}'s algorithm (${reference.algo.name}) has no policy to compare with`);
  if (!sameSpaces(run.env, reference.env)) {
    throw new Error(`credit: the reference ${reference.label} acts in other spaces (${reference.env.obsSize} observations, ${describeSpace(reference.env.actionSpace)}) than ${run.label} (${run.env.obsSize}, ${describeSpace(run.env.actionSpace)})`);
  }
  const space = run.env.actionSpace;
  return (r) => {
    const n = r.length;
    if (space.kind === "discrete") {
      const k = space.n;
      const logp = new Float32Array(n * k);
      const logpRef = new Float32Array(n * k);
      const actions = new Int32Array(n);
      for (let j = 0; j < k; j++) {
        actions.fill(j);
        const p = now(r.obs, actions, n).logp;
        const q = ref(r.obs, actions, n).logp;
        for (let t = 0; t < n; t++) {
          logp[t * k + j] = p[t]!;
          logpRef[t * k + j] = q[t]!;
        }
      }
      return categoricalKl(logp, logpRef, n, k);
    }
    if (!r.behaviorLogp) throw new Error(`credit: KL to a reference over continuous actions is estimated from the recorded behavior log-probabilities; episode ${r.id} has none (behavior_logp)`);
    const actions = Float32Array.from(r.actions);
    return weightedK3(now(r.obs, actions, n).logp.slice(0, n), ref(r.obs, actions, n).logp.slice(0, n), r.behaviorLogp);
  };
}

/** γ and λ of the run's algorithm (PPO-style configs), else 0.99 and 0.95. */
function discounting(run: Run): { gamma: number; lambda: number } {
  const c = run.algoSpec.config as { gae?: { gamma?: number; lambda?: number }; gamma?: number };
  return { gamma: c.gae?.gamma ?? c.gamma ?? 0.99, lambda: c.gae?.lambda ?? 0.95 };
}

/**
 * Recorded episodes of a run (`run.episodes({ last: 4 })`): their steps and
 * credit (returns, GAE advantages, TD errors; the current policy's ratio to
 * the behavior, KL and entropy where the algorithm has them), shown with the
 * trajectory viewer (`show()`, or as a cell's result).
 */
export class Episodes {
  readonly records: readonly EpisodeRecord[];

  constructor(
    private readonly run: Run,
    selection: EpisodeSelection = { last: 4 },
  ) {
    this.records = readEpisodes(run, selection);
  }

  /** The trajectory viewer: frames with a scrubber and play button, and the steps' numbers along a timeline. */
  widget(options: { maxSteps?: number } = {}): Widget {
    const env = frameEnv(this.run);
    const max = options.maxSteps ?? 500;
    const episodes: TrajectoryEpisode[] = this.records.map((r) => {
      const steps = Math.min(r.length, max);
      const o = r.obs.length / Math.max(1, r.length);
      const frames: Frame[] = [];
      for (let t = 0; t <= steps; t++) {
        const obs = t < r.length ? r.obs.subarray(t * o, (t + 1) * o) : r.finalObs;
        const frame = obs && env ? drawObservation(env, obs) : undefined;
        if (frame) frames.push(frame);
      }
      const cut = <T extends ArrayLike<number>>(a: T | undefined) => (a ? Array.from(a).slice(0, steps) : undefined);
      return {
        id: r.id,
        length: r.length,
        totalReturn: r.totalReturn,
        end: r.terminated ? "terminated" : r.truncated ? "truncated" : "unfinished",
        frames: frames as unknown as TrajectoryEpisode["frames"],
        series: {
          action: Array.from({ length: steps }, (_, t) => r.actions[t * r.actionWidth]!),
          reward: cut(r.rewards)!,
          return: cut(r.returns)!,
          ...(r.values ? { value: cut(r.values)! } : {}),
          ...(r.advantages ? { advantage: cut(r.advantages)! } : {}),
        },
      };
    });
    return trajectoryWidget(this.run.label, episodes);
  }

  /** Shows the trajectory viewer (a page in a plain script). */
  show(options: { maxSteps?: number } = {}): void {
    this.widget(options).show();
  }

  /**
   * The credit-assignment view of these episodes: a per-step heatmap of
   * advantage, return, TD error, ratio (clipped steps marked), KL to the
   * behavior and entropy; with `reference`, also KL(π ‖ π_ref) to that run's
   * policy (an earlier checkpoint, a cloned or pretrained policy).
   */
  credit(options: CreditOptions = {}): Widget {
    const clip = (this.run.algoSpec.config as { clip?: number }).clip ?? 0.2;
    const { reference } = options;
    if (!reference) return creditWidget(this.run.label, this.records, { clip });
    const klRef = referenceKl(this.run, reference);
    const records = this.records.map((r) => ({ ...r, klRef: klRef(r) }));
    return creditWidget(`${this.run.label} · KL to ${reference.label} at ${fmtInt(reference.step)} steps`, records, { clip });
  }

  /**
   * GAE(γ, λ) advantages of each episode (γ the run's unless given): λ = 0 is
   * the one-step TD error, λ = 1 the Monte Carlo return minus V(s_t). Needs a
   * critic (recorded values or the algorithm's).
   */
  advantages(lambda: number, gamma = discounting(this.run).gamma): Float32Array[] {
    if (!(lambda >= 0 && lambda <= 1) || !(gamma >= 0 && gamma <= 1)) throw new RangeError(`advantages: lambda and gamma must be in [0, 1], got ${lambda}, ${gamma}`);
    return this.records.map((r) => {
      if (!r.values) throw new Error(`advantages: episode ${r.id} has no values (the run's algorithm has no critic and none were recorded)`);
      return episodeAdvantages({ ...episodeBatch(r.rewards, r.terminated, r.bootstrap, gamma), values: r.values, lambda }).advantages;
    });
  }

  /**
   * The same episodes' credit by several estimators side by side (default
   * TD(0), GAE(0.95) and Monte Carlo): each as a heatmap on one colour scale,
   * and one episode's advantages overlaid along t.
   */
  compareCredit(estimators: Readonly<Record<string, number>> = { "TD(0) λ=0": 0, "GAE λ=0.95": 0.95, "Monte Carlo λ=1": 1 }): Widget {
    const entries = Object.entries(estimators);
    if (!entries.length) throw new RangeError("compareCredit: give at least one estimator, e.g. { \"GAE λ=0.95\": 0.95 }");
    return creditCompareWidget(this.run.label, this.records, entries.map(([name, lambda]) => ({ name, advantages: this.advantages(lambda) })));
  }

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return this.widget().bundle();
  }
}

/** A one-copy env like the run's, to draw recorded observations (undefined when it cannot set its state from one). */
function frameEnv(run: Run): VecEnv | undefined {
  const env = run.freshEnv("episodes", 1, Rng.fromSeed(0));
  return env.stateFromObservation ? env : undefined;
}

/** The drawing of a recorded observation: the env put into the state it shows. */
export function drawObservation(env: VecEnv, obs: ArrayLike<number>): Frame | undefined {
  const state = env.stateFromObservation?.(obs);
  if (!state || !state.every(Number.isFinite)) return undefined;
  env.reset({ state });
  return env.render(0);
}

/** Column `name` of `table` as numbers, `width` per row (nulls as NaN); undefined when there is none. */
function numbers(table: Table, name: string, width = 1): Float64Array | undefined {
  const col = table.getChild(name);
  if (!col) return undefined;
  const got = columnNumbers(col);
  if (got.width !== width) throw new Error(`episodes: column ${name} has ${got.width} values per row, the run's env needs ${width}`);
  return got.values;
}

/** One episode as the credit functions take it: it terminated, or ends in a truncation bootstrapped with V = `tail`. */
function episodeBatch(rewards: Float32Array, terminated: boolean, tail: number, gamma: number) {
  const n = rewards.length;
  const end = (flag: boolean) => Uint8Array.from({ length: n }, (_, t) => (t === n - 1 && flag ? 1 : 0));
  return { rewards, terminated: end(terminated), truncated: end(!terminated), offsets: Int32Array.of(0, n), bootstrap: [terminated ? 0 : tail], gamma };
}

function readEpisodes(run: Run, selection: EpisodeSelection): EpisodeRecord[] {
  const data = new Dataset(run.data);
  const done = data.episodeSummaries().filter((e) => e.complete);
  let ids: number[];
  if (selection.ids) ids = [...selection.ids];
  else if (selection.first !== undefined) ids = done.slice(0, selection.first).map((e) => e.id);
  else ids = done.slice(-(selection.last ?? 4)).map((e) => e.id);
  if (ids.length === 0) return [];
  const table = data.select(ids).table;
  const obsSize = run.env.obsSize;
  const discrete = run.env.actionSpace.kind === "discrete";
  const aw = discrete ? 1 : run.env.actionSize;
  const t = table.getChild("t")!.toArray() as unknown;
  const layout = episodeLayout(idColumn(table, "episode_id"), t instanceof Int32Array ? t : Int32Array.from(t as ArrayLike<number>));
  const position = new Map(layout.ids.map((id, k) => [Number(id), k]));
  const obs = numbers(table, "obs", obsSize)!;
  const nextObs = numbers(table, "next_obs", obsSize);
  const actions = numbers(table, "action", aw)!;
  const rewards = numbers(table, "reward")!;
  const terminated = numbers(table, "terminated")!;
  const truncated = numbers(table, "truncated")!;
  const recordedValues = numbers(table, "value");
  const costWidth = run.env.costNames?.length ?? 0;
  const costs = costWidth > 0 ? numbers(table, "cost", costWidth) : undefined;
  const behaviorLogp = numbers(table, "behavior_logp");
  const sourceCol = table.getChild("source");
  const { gamma, lambda } = discounting(run);
  const out: EpisodeRecord[] = [];
  for (const id of ids) {
    const k = position.get(id);
    if (k === undefined) continue;
    const rows = Array.from(layout.order.subarray(layout.offsets[k]!, layout.offsets[k + 1]!));
    const n = rows.length;
    const o = new Float32Array(n * obsSize);
    const act = new Float64Array(n * aw);
    const rew = new Float32Array(n);
    rows.forEach((r, k) => {
      o.set(obs.subarray(r * obsSize, (r + 1) * obsSize), k * obsSize);
      act.set(actions.subarray(r * aw, (r + 1) * aw), k * aw);
      rew[k] = rewards[r]!;
    });
    let cost: Float32Array | undefined;
    if (costs) {
      cost = new Float32Array(n);
      rows.forEach((r, k) => {
        let c = 0;
        for (let j = 0; j < costWidth; j++) c += costs[r * costWidth + j]!;
        cost![k] = c;
      });
    }
    const last = rows[n - 1]!;
    const finalObs = nextObs && !Number.isNaN(nextObs[last * obsSize]!) ? Float32Array.from(nextObs.subarray(last * obsSize, (last + 1) * obsSize)) : undefined;
    const isTerminated = terminated[last] === 1;
    const isTruncated = !isTerminated && truncated[last] === 1;
    // Values: recorded (PPO records its critic's), else the current critic's.
    let values: Float32Array | undefined;
    if (recordedValues && rows.every((r) => Number.isFinite(recordedValues[r]!))) values = Float32Array.from(rows, (r) => recordedValues[r]!);
    else if (run.algo.values) values = run.algo.values(o, n, new Float32Array(n)).slice(0, n);
    let tail = 0;
    if (!isTerminated && values && run.algo.values && finalObs) tail = run.algo.values(finalObs, 1, new Float32Array(1))[0]!;
    const batch = episodeBatch(rew, isTerminated, tail, gamma);
    const returns = episodeReturns(batch);
    const advantages = values ? episodeAdvantages({ ...batch, values, lambda }).advantages : undefined;
    const td = values ? tdErrors({ ...batch, values }) : undefined;
    let ratio: Float32Array | undefined;
    let kl: Float32Array | undefined;
    let entropy: Float32Array | undefined;
    const muLogp = behaviorLogp && rows.every((r) => Number.isFinite(behaviorLogp[r]!)) ? Float32Array.from(rows, (r) => behaviorLogp[r]!) : undefined;
    if (run.algo.policyStats) {
      const a = discrete ? Int32Array.from(act) : Float32Array.from(act);
      const stats = run.algo.policyStats(o, a, n);
      entropy = stats.entropy;
      if (muLogp) {
        ratio = Float32Array.from(muLogp, (lp, k) => Math.exp(stats.logp[k]! - lp));
        kl = Float32Array.from(ratio, (x) => x - 1 - Math.log(x));
      }
    }
    out.push({
      id,
      length: n,
      totalReturn: rew.reduce((s, x) => s + x, 0),
      terminated: isTerminated,
      truncated: isTruncated,
      obs: o,
      finalObs,
      actions: act,
      actionWidth: aw,
      rewards: rew,
      ...(cost ? { costs: cost, totalCost: cost.reduce((s, x) => s + x, 0) } : {}),
      values,
      bootstrap: tail,
      returns,
      advantages,
      tdErrors: td,
      ratio,
      kl,
      behaviorLogp: muLogp,
      entropy,
      source: rows.map((r) => String(sourceCol?.get(r) ?? "online")),
    });
  }
  return out;
}
