import type { Dataset } from "../data/dataset.js";
import type { Sampler } from "../data/sampler.js";
import { ahpoGate, imitationLoss, successRate } from "../losses/imitation.js";
import { clippedImportanceWeights, offlineValueTdLoss } from "../losses/offline-value.js";
import type { ActorCritic } from "../policy/actor-critic.js";
import type { Rng } from "../random/rng.js";
import type { UpdateMetrics } from "../algos/algorithm.js";
import { demonstratorReturn, imitationOf, mixRows, type ImitationConfig, type OfflineCriticConfig, type OfflineMixSpec } from "../algos/mix.js";

/** What one minibatch's offline terms added to the loss (their gradients are already in the policy's grads). */
export interface HybridMinibatchTerms {
  readonly loss: number;
  readonly imitationNll?: number;
  readonly offlineValueLoss?: number;
  readonly offlineWeight?: number;
}

/**
 * The offline half of a hybrid policy-gradient update (PPO/A2C with
 * `.mix(rl.data.offline(dataset, ...))`). Per minibatch it draws
 * `round(ratio × B)` dataset rows, evaluates the policy on them and adds
 * into the policy's gradients:
 * - the imitation term `coef · −mean log π(a|s)` while the gate is open
 *   (AHPO: the success rate of the last `group` training episodes is below
 *   `threshold`; decided once per update);
 * - the offline critic term, importance-weighted TD(0) of V on the dataset's
 *   transitions (HNPG-style), scaled like the on-policy value loss.
 * The gate's episode window and the sampler's position are part of checkpoints.
 */
export class HybridPgTerms {
  readonly rows: number;
  readonly imitation: ImitationConfig | null;
  readonly critic: OfflineCriticConfig | null;
  /** Episode return that counts as a success for the gate. */
  readonly successReturn: number;
  private readonly sampler: Sampler;
  private readonly hasBehaviorLogp: boolean;
  private readonly episodeReturns: Float64Array;
  /** Ring of the last `group` finished episodes' returns. */
  private readonly recent: Float64Array;
  private recentCount = 0;
  private recentNext = 0;
  private gate: 0 | 1 = 1;
  /** Warm-start gradient steps taken so far (see `ImitationConfig.pretrain`). */
  pretrained = 0;
  private rate = 0;
  private readonly dLogp: Float32Array;
  private readonly dValue: Float32Array;
  private readonly weights: Float32Array;
  private readonly nextValues: Float32Array;
  private readonly usable: Uint8Array;
  private sums = { count: 0, nll: 0, value: 0, weight: 0 };

  constructor(spec: OfflineMixSpec, minibatchSize: number, numEnvs: number, rng: Rng) {
    this.imitation = imitationOf(spec);
    this.critic = spec.critic;
    this.rows = mixRows(spec.ratio, minibatchSize);
    const dataset: Dataset = spec.dataset;
    const level = this.imitation?.successReturn ?? demonstratorReturn(dataset);
    if (this.imitation && level === null) throw new Error("mix.imitation.successReturn: the dataset has no complete episode to take the demonstrator's return from");
    this.successReturn = level ?? Infinity;
    this.hasBehaviorLogp = !!this.critic && dataset.schema.fields.some((f) => f.name === "behavior_logp");
    const columns = ["obs", "action", ...(this.critic ? ["reward", "terminated", "next_obs", ...(this.hasBehaviorLogp ? ["behavior_logp"] : [])] : [])];
    this.sampler = dataset.sampler({ batchSize: this.rows, rng, columns });
    this.episodeReturns = new Float64Array(numEnvs);
    this.recent = new Float64Array(this.imitation?.group ?? 1);
    const m = this.rows;
    this.dLogp = new Float32Array(m);
    this.dValue = new Float32Array(m);
    this.weights = new Float32Array(m);
    this.nextValues = new Float32Array(m);
    this.usable = new Uint8Array(m);
  }

  /** Follows the training episodes (raw env rewards) for the success gate. */
  observe(rewards: Float32Array, terminated: Uint8Array, truncated: Uint8Array): void {
    const ret = this.episodeReturns;
    for (let e = 0; e < ret.length; e++) {
      ret[e] = ret[e]! + rewards[e]!;
      if (terminated[e] || truncated[e]) {
        this.recent[this.recentNext] = ret[e]!;
        this.recentNext = (this.recentNext + 1) % this.recent.length;
        this.recentCount = Math.min(this.recentCount + 1, this.recent.length);
        ret[e] = 0;
      }
    }
  }

  /** Warm-start steps still to take before the first env step. */
  get pretrainLeft(): number {
    return Math.max(0, (this.imitation?.pretrain ?? 0) - this.pretrained);
  }

  /** Decides the imitation gate for the coming update from the last `group` episodes (open while warm-starting). */
  beginUpdate(): void {
    this.sums = { count: 0, nll: 0, value: 0, weight: 0 };
    if (!this.imitation) return;
    if (this.pretrainLeft > 0) {
      this.gate = 1;
      return;
    }
    this.rate = successRate(this.recent.subarray(0, this.recentCount), this.successReturn);
    this.gate = ahpoGate(this.rate, this.imitation.threshold);
  }

  /** Whether this update draws dataset rows at all. */
  get active(): boolean {
    return (!!this.imitation && this.gate === 1 && this.imitation.coef > 0) || !!this.critic;
  }

  /**
   * Draws one dataset minibatch, evaluates `policy` on it and adds the
   * gradients of the open terms into its grads (after the on-policy
   * backward of the same minibatch). `vfCoef` scales the critic term as the
   * on-policy value loss is scaled.
   */
  accumulate(policy: ActorCritic, gamma: number, vfCoef: number): HybridMinibatchTerms {
    if (!this.active) return { loss: 0 };
    const m = this.rows;
    const mb = this.sampler.next();
    const obs = mb.columns.obs as Float32Array;
    const actions = mb.columns.action as Int32Array | Float32Array;
    const critic = this.critic;
    if (critic) {
      // V(s') first: evaluate() below keeps the activations that backward() needs.
      const next = mb.columns.next_obs as Float32Array;
      policy.value(next, m, this.nextValues);
      const nv = mb.valid.next_obs;
      for (let b = 0; b < m; b++) this.usable[b] = !nv || nv[b] ? 1 : 0;
    }
    const out = policy.evaluate(obs, actions, m);
    let loss = 0;
    const terms: { imitationNll?: number; offlineValueLoss?: number; offlineWeight?: number } = {};
    const imitate = !!this.imitation && this.gate === 1;
    if (imitate) {
      const r = imitationLoss(out.logp, m, this.imitation!.coef, this.dLogp);
      loss += r.loss;
      terms.imitationNll = r.nll;
      this.sums.nll += r.nll;
    } else this.dLogp.fill(0);
    if (critic) {
      const w = clippedImportanceWeights(out.logp, this.hasBehaviorLogp ? (mb.columns.behavior_logp as Float32Array) : undefined, mb.valid.behavior_logp, critic.rhoMax, this.weights);
      const rewards = mb.columns.reward as Float32Array;
      const rv = mb.valid.reward;
      if (rv) for (let b = 0; b < m; b++) if (!rv[b]) this.usable[b] = 0;
      const term = mb.columns.terminated as Uint8Array;
      const tv = mb.valid.terminated;
      if (tv) for (let b = 0; b < m; b++) if (!tv[b]) this.usable[b] = 0;
      const r = offlineValueTdLoss({ values: out.values, nextValues: this.nextValues, rewards, terminated: term, usable: this.usable, weights: this.weights, gamma }, this.dValue);
      const scale = vfCoef * critic.coef;
      for (let b = 0; b < m; b++) this.dValue[b] = this.dValue[b]! * scale;
      loss += scale * r.loss;
      terms.offlineValueLoss = r.loss;
      terms.offlineWeight = w.meanWeight;
      this.sums.value += r.loss;
      this.sums.weight += w.meanWeight;
    } else this.dValue.fill(0);
    this.sums.count++;
    policy.backward(this.dLogp, 0, this.dValue, m);
    return { loss, ...terms };
  }

  /** The update's metrics: gate, success rate, and the terms averaged over its minibatches. */
  metrics(): UpdateMetrics {
    const n = Math.max(1, this.sums.count);
    return {
      ...(this.imitation ? { imitationGate: this.gate, successRate: this.rate } : {}),
      ...(this.imitation && this.gate === 1 && this.sums.count ? { imitationNll: this.sums.nll / n } : {}),
      ...(this.critic && this.sums.count ? { offlineValueLoss: this.sums.value / n, offlineWeight: this.sums.weight / n } : {}),
    };
  }

  saveState(): { json: unknown; arrays: Record<string, Float64Array | Int32Array> } {
    const s = this.sampler.saveState();
    return {
      json: { recentCount: this.recentCount, recentNext: this.recentNext, gate: this.gate, rate: this.rate, pretrained: this.pretrained, sums: { ...this.sums }, sampler: { epoch: s.epoch, cursor: s.cursor } },
      arrays: { episodeReturns: this.episodeReturns.slice(), recent: this.recent.slice(), samplerPerm: s.perm },
    };
  }

  loadState(json: unknown, arrays: Record<string, unknown>): void {
    const j = json as { recentCount: number; recentNext: number; gate: 0 | 1; rate: number; pretrained: number; sums: HybridPgTerms["sums"]; sampler: { epoch: number; cursor: number } };
    this.pretrained = j.pretrained;
    this.sums = { ...j.sums };
    this.recentCount = j.recentCount;
    this.recentNext = j.recentNext;
    this.gate = j.gate;
    this.rate = j.rate;
    this.episodeReturns.set(arrays.episodeReturns as Float64Array);
    this.recent.set(arrays.recent as Float64Array);
    this.sampler.loadState({ epoch: j.sampler.epoch, cursor: j.sampler.cursor, perm: arrays.samplerPerm as Int32Array });
  }
}
