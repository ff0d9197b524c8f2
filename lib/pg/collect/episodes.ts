import { int } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { actOutput, type BatchArrays, type CollectContext, type Collector } from "./collector.js";
import { EpisodeStore } from "./episode-store.js";
import type { Minibatch } from "./rollout-buffer.js";

/**
 * Complete episodes (REINFORCE): each env copy plays its own episode; an
 * update takes every episode that ended since the last one once they hold
 * `batchSteps` steps. Steps of episodes still running are dropped at an
 * update (they were sampled by the previous policy).
 */
class EpisodesCollector implements Collector {
  readonly kind = "episodes";
  readonly store: EpisodeStore;
  readonly act;
  private readonly finalValues: Float32Array;
  private readonly penalty: Float32Array;
  private advantages = new Float32Array(0);
  private refLogp = new Float32Array(0);
  private used = { steps: 0, episodes: 0 };

  constructor(private readonly batchSteps: number, private readonly ctx: CollectContext) {
    const env = ctx.env;
    this.store = new EpisodeStore(env.numEnvs, env.obsSize, env.actionSize, env.actionSpace.kind === "discrete");
    this.act = actOutput(env);
    this.finalValues = new Float32Array(env.numEnvs);
    this.penalty = new Float32Array(env.numEnvs);
  }

  get full(): boolean {
    return this.store.rows >= this.batchSteps;
  }

  get nominalRows(): number {
    return this.batchSteps;
  }

  step(): void {
    const { env, policy, rng, gamma, truncation } = this.ctx;
    const { store, act } = this;
    const n = env.numEnvs;
    policy.act(env.obs, n, rng, act);
    for (let e = 0; e < n; e++) store.push(e, env.obs, act.actions, act.logp, act.values);
    this.ctx.penalty?.(env.obs, act.actions, act.logp, this.penalty);
    env.step(act.actions);
    this.ctx.observe?.(env.rewards, env.terminated, env.truncated);
    let bootstrapNeeded = false;
    for (let e = 0; e < n; e++) {
      store.reward(e, this.ctx.penalty ? env.rewards[e]! - this.penalty[e]! : env.rewards[e]!);
      if (env.truncated[e] && !env.terminated[e]) bootstrapNeeded = true;
    }
    if (bootstrapNeeded && truncation === "bootstrap") policy.value(env.finalObs, n, this.finalValues);
    for (let e = 0; e < n; e++) {
      if (!env.terminated[e] && !env.truncated[e]) continue;
      const boot = !env.terminated[e] && truncation === "bootstrap" ? this.finalValues[e]! : 0;
      store.finish(e, gamma, boot);
    }
  }

  batch(): BatchArrays {
    const s = this.store;
    const b = s.rows;
    if (this.advantages.length < b) {
      this.advantages = new Float32Array(Math.max(b, this.advantages.length * 2));
      this.refLogp = new Float32Array(this.advantages.length);
    }
    return {
      size: b,
      obs: s.obs.subarray(0, b * s.obsSize),
      actions: s.actions.subarray(0, s.discrete ? b : b * s.actionSize),
      logp: s.logp.subarray(0, b),
      values: s.values.subarray(0, b),
      returns: s.returns.subarray(0, b),
      advantages: this.advantages.subarray(0, b),
      refLogp: this.refLogp.subarray(0, b),
      segments: s.segments.subarray(0, b),
    };
  }

  shuffles(minibatches: number): boolean {
    return minibatches > 1;
  }

  minibatchSize(minibatches: number): number {
    return Math.ceil(this.store.rows / minibatches);
  }

  gather(perm: Int32Array | null, from: number, to: number, mb: Minibatch): void {
    const s = this.store;
    const o = s.obsSize;
    const a = s.discrete ? 1 : s.actionSize;
    for (let k = from; k < to; k++) {
      const i = perm ? perm[k]! : k;
      const r = k - from;
      mb.obs.set(s.obs.subarray(i * o, i * o + o), r * o);
      if (a === 1) mb.actions[r] = s.actions[i]!;
      else mb.actions.set(s.actions.subarray(i * a, i * a + a), r * a);
      mb.logp[r] = s.logp[i]!;
      mb.values[r] = s.values[i]!;
      mb.returns[r] = s.returns[i]!;
      mb.advantages[r] = this.advantages[i]!;
      mb.refLogp[r] = this.refLogp[i]!;
      mb.segments[r] = s.segments[i]!;
    }
  }

  monteCarloReturns(): void {
    // Returns were computed as each episode ended.
  }

  markSegments(): void {
    // Each finished row carries its episode's index.
  }

  reset(): void {
    this.used = { steps: this.store.rows, episodes: this.store.episodes };
    // The batch's rows stay readable after clear() until the next episode ends.
    this.store.clear();
    this.store.dropOpen();
  }

  metrics(): Record<string, number> {
    return { batchSteps: this.used.steps, batchEpisodes: this.used.episodes };
  }

  saveState() {
    const st = this.store.saveState();
    return { json: { episodes: st.json, used: { ...this.used } }, arrays: Object.fromEntries(Object.entries(st.arrays).map(([k, v]) => [`episodes.${k}`, v])) };
  }

  loadState(state: { json: unknown; arrays: Record<string, unknown> }): void {
    const json = state.json as { episodes: unknown; used: { steps: number; episodes: number } };
    const eps: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(state.arrays)) if (k.startsWith("episodes.")) eps[k.slice(9)] = v;
    this.store.loadState(json.episodes, eps);
    this.used = { ...json.used };
  }
}

export { EpisodesCollector };

export const episodes = defineComponent({
  slot: "collect",
  kind: "episodes",
  formula: "B = the steps of every episode that ended since the last update, once ≥ batchSteps",
  doc: "Complete episodes per env copy (REINFORCE's Monte-Carlo batches); unfinished episodes' steps are dropped at each update.",
  fields: { batchSteps: int(1000, "steps of finished episodes (all copies) that trigger an update", { min: 1, unit: "env steps" }) },
  create: (c, ctx: CollectContext): Collector => new EpisodesCollector(c.batchSteps, ctx),
});
