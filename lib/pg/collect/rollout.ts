import { int } from "../../config/fields.js";
import { discountedReturns } from "../../credit/gae.js";
import { problem } from "../../config/problem.js";
import { defineComponent } from "../component.js";
import { actOutput, type BatchArrays, type CollectContext, type Collector } from "./collector.js";
import { Minibatch, RolloutBuffer } from "./rollout-buffer.js";

/**
 * Fixed-length rollouts (A2C, PPO): `numSteps` steps of every env copy,
 * time-major; episodes run across rollouts, and the value of the next
 * observation closes the last step's returns.
 */
class RolloutCollector implements Collector {
  readonly kind = "rollout";
  readonly buffer: RolloutBuffer;
  readonly act;
  /** 1 where the observation after the last stored step starts an episode. */
  readonly nextDone: Float32Array;
  private readonly finalValues: Float32Array;
  private readonly penalty: Float32Array;
  private readonly nextValue: Float32Array;

  constructor(numSteps: number, private readonly ctx: CollectContext) {
    const env = ctx.env;
    this.buffer = new RolloutBuffer(numSteps, env.numEnvs, env.obsSize, env.actionSize, env.actionSpace.kind === "discrete");
    this.act = actOutput(env);
    this.nextDone = new Float32Array(env.numEnvs);
    this.finalValues = new Float32Array(env.numEnvs);
    this.penalty = new Float32Array(env.numEnvs);
    this.nextValue = new Float32Array(env.numEnvs);
  }

  get full(): boolean {
    return this.buffer.full;
  }

  get nominalRows(): number {
    return this.buffer.size;
  }

  step(): void {
    const { env, policy, rng, gamma } = this.ctx;
    const { buffer: buf, act } = this;
    const n = env.numEnvs;
    const row = buf.t * n;
    buf.obs.set(env.obs, row * env.obsSize);
    buf.dones.set(this.nextDone, row);
    (this.ctx.actor ?? policy).act(env.obs, n, rng, act);
    if (env.actionSize === 1) buf.actions.set(act.actions, row);
    else buf.actions.set(act.actions, row * env.actionSize);
    buf.logp.set(act.logp, row);
    buf.values.set(act.values, row);
    this.ctx.penalty?.(env.obs, act.actions, act.logp, this.penalty);
    env.step(act.actions);
    this.ctx.observe?.(env.rewards, env.terminated, env.truncated);
    let anyTruncated = false;
    for (let e = 0; e < n; e++) {
      buf.rewards[row + e] = env.rewards[e]!;
      this.nextDone[e] = env.terminated[e]! | env.truncated[e]!;
      if (env.truncated[e] && !env.terminated[e]) anyTruncated = true;
    }
    if (this.ctx.penalty) for (let e = 0; e < n; e++) buf.rewards[row + e] = buf.rewards[row + e]! - this.penalty[e]!;
    if (anyTruncated && this.ctx.truncation === "bootstrap") {
      policy.value(env.finalObs, n, this.finalValues);
      for (let e = 0; e < n; e++) {
        if (env.truncated[e] && !env.terminated[e]) buf.rewards[row + e] = buf.rewards[row + e]! + gamma * this.finalValues[e]!;
      }
    }
    buf.t++;
  }

  batch(): BatchArrays {
    return this.buffer;
  }

  /** V of the observation after the rollout, for the estimators that bootstrap from it. */
  valueAfter(): Float32Array {
    return this.ctx.policy.value(this.ctx.env.obs, this.ctx.env.numEnvs, this.nextValue);
  }

  shuffles(): boolean {
    return true;
  }

  minibatchSize(minibatches: number): number {
    return this.buffer.size / minibatches;
  }

  gather(perm: Int32Array | null, from: number, to: number, mb: Minibatch): void {
    this.buffer.gather(perm ?? identity(this.buffer.size), from, to, mb, true);
  }

  monteCarloReturns(gamma: number): void {
    const b = this.buffer;
    discountedReturns({ rewards: b.rewards, dones: b.dones, nextValue: this.valueAfter(), nextDone: this.nextDone, numEnvs: b.numEnvs, gamma }, b.returns);
  }

  markSegments(): void {
    this.buffer.markSegments();
  }

  reset(): void {
    this.buffer.t = 0;
  }

  metrics(): Record<string, number> {
    return {};
  }

  saveState() {
    return {
      json: { t: this.buffer.t },
      arrays: { nextDone: Float32Array.from(this.nextDone), ...Object.fromEntries(Object.entries(this.buffer.arrays()).map(([k, v]) => [`rollout.${k}`, v.slice()])) },
    };
  }

  loadState(state: { json: unknown; arrays: Record<string, unknown> }): void {
    this.nextDone.set(state.arrays.nextDone as Float32Array);
    for (const [k, v] of Object.entries(this.buffer.arrays())) (v as Float32Array).set(state.arrays[`rollout.${k}`] as Float32Array);
    this.buffer.t = (state.json as { t: number }).t;
  }
}

let identityCache = new Int32Array(0);
function identity(n: number): Int32Array {
  if (identityCache.length < n) identityCache = Int32Array.from({ length: n }, (_, i) => i);
  return identityCache;
}

export { RolloutCollector, Minibatch };

export const rollout = defineComponent({
  slot: "collect",
  kind: "rollout",
  formula: "B = numSteps × numEnvs rows, time-major; returns close with V(s_{T})",
  doc: "Fixed-length rollouts of every env copy (A2C, PPO); episodes continue across rollouts.",
  fields: { numSteps: int(128, "steps per env copy per rollout (rollout rows = numSteps × env copies)", { min: 1, unit: "env steps" }) },
  relations: (c, path) => (typeof c.numSteps === "number" && c.numSteps > 1e7 ? [problem(`${path}.numSteps`, "out-of-range", `expected at most 10,000,000 steps per copy, got ${c.numSteps}`)] : []),
  create: (c, ctx: CollectContext): Collector => new RolloutCollector(c.numSteps, ctx),
});
