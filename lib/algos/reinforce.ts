import { explainedVariance, normalizeInPlace } from "../credit/gae.js";
import type { VecEnv } from "../envs/vec-env.js";
import { valueLoss } from "../losses/clipped-surrogate.js";
import { reinforceLoss } from "../losses/reinforce.js";
import { ActorCritic, actorCriticProblems, type ActOutput } from "../policy/actor-critic.js";
import { clipGlobalGradNorm, globalGradNorm, gradsFinite, zeroGrads } from "../policy/param-set.js";
import { checkPolicySpec, type PolicySpec } from "../policy/spec.js";
import type { Rng } from "../random/rng.js";
import type { AlgoContext, AlgoInstance, AlgoSpec, AlgoState, UpdateMetrics } from "./algorithm.js";
import { TrainingDivergedError } from "./errors.js";
import { flattenParams, GroupAdam, unflattenParams } from "./optimizer.js";
import { EpisodeStore } from "./reinforce-episodes.js";
import { checkKnownKeys, checkNumber } from "./validate.js";

/**
 * REINFORCE with a learned state-value baseline (Williams 1992; Sutton &
 * Barto §13.4): Monte-Carlo returns G_t of complete episodes, advantages
 * Â = G_t − V(s_t), and one gradient step per batch on
 *
 *   L = −mean(Â log π(a|s)) − entCoef · mean(H[π(·|s)]) + vfCoef · ½ mean((V(s) − G)²)
 *
 * Each env copy collects its own episode; an update uses every episode that
 * finished since the last update, once they hold at least `batchSteps` steps
 * (unfinished episodes wait for the next update). Policy and baseline are
 * the run's `rl.mlp(...)` actor-critic (categorical or Gaussian head), trained
 * by one Adam over both.
 */
export interface ReinforceConfig {
  /** Adam learning rate. */
  lr: number;
  /** Discount γ of the Monte-Carlo returns. */
  gamma: number;
  /** Env steps (all copies) of finished episodes that trigger an update. */
  batchSteps: number;
  /** Normalize the batch's advantages to mean 0, std 1 (a common variance reduction; false: raw G − V). */
  normAdv: boolean;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Baseline (value) loss coefficient. */
  vfCoef: number;
  /** Global gradient-norm clip (null: none). */
  maxGradNorm: number | null;
  /**
   * Gradient steps on the baseline per update: the first is part of the joint
   * step on L; the other `valueIters − 1` fit V(s) to the batch's returns alone
   * (Spinning Up's VPG `train_v_iters`), so the baseline keeps up with the returns.
   * Ignored when actor and critic share one network (`rl.mlp(..., { shared: true })`).
   */
  valueIters: number;
  /** Adam ε. */
  adamEps: number;
  /**
   * At a time-limit truncation: "bootstrap" ends the return with γ·V(final
   * observation); "done" treats it as a terminal state (plain Monte Carlo).
   */
  truncation: "bootstrap" | "done";
}

/**
 * Defaults chosen on CartPole-v1 (4 copies, 100k steps, 4 seeds): lr 3e-3 and
 * 10 baseline steps per update reach returns of 350–500 by 100k steps, and
 * the baseline explains ~50% of the returns' variance (with one step it
 * explains ~0%: one Adam step per 1000 env steps cannot fit returns near 100).
 */
export const REINFORCE_DEFAULTS: ReinforceConfig = {
  lr: 3e-3,
  gamma: 0.99,
  batchSteps: 1000,
  normAdv: true,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: null,
  valueIters: 10,
  adamEps: 1e-8,
  truncation: "bootstrap",
};

export type ReinforceOptions = Partial<ReinforceConfig>;

/** Merges options over {@link REINFORCE_DEFAULTS}. */
export function reinforceConfig(options: ReinforceOptions = {}): ReinforceConfig {
  return Object.freeze({ ...REINFORCE_DEFAULTS, ...options });
}

/** Every problem with a REINFORCE config, each with its path. */
export function checkReinforceConfig(c: ReinforceConfig, path = "algo"): string[] {
  const p: string[] = [];
  checkKnownKeys(p, path, c, REINFORCE_DEFAULTS);
  checkNumber(p, `${path}.lr`, c.lr, { min: 0, exclusiveMin: true });
  checkNumber(p, `${path}.gamma`, c.gamma, { min: 0, max: 1 });
  checkNumber(p, `${path}.batchSteps`, c.batchSteps, { min: 1, integer: true });
  if (typeof c.normAdv !== "boolean") p.push(`${path}.normAdv: expected true or false, got ${JSON.stringify(c.normAdv)}`);
  checkNumber(p, `${path}.entCoef`, c.entCoef, { min: 0 });
  checkNumber(p, `${path}.vfCoef`, c.vfCoef, { min: 0 });
  if (c.maxGradNorm !== null) checkNumber(p, `${path}.maxGradNorm`, c.maxGradNorm, { min: 0, exclusiveMin: true });
  checkNumber(p, `${path}.valueIters`, c.valueIters, { min: 1, integer: true });
  checkNumber(p, `${path}.adamEps`, c.adamEps, { min: 0, exclusiveMin: true });
  if (c.truncation !== "bootstrap" && c.truncation !== "done") p.push(`${path}.truncation: expected "bootstrap" or "done", got ${JSON.stringify(c.truncation)}`);
  return p;
}

/** `rl.reinforce({...})`: REINFORCE with a learned baseline. */
export function reinforce(options: ReinforceOptions = {}): AlgoSpec<ReinforceConfig> {
  const config = reinforceConfig(options);
  return {
    name: "reinforce",
    config,
    check: (env: VecEnv, policy: PolicySpec) => [
      ...checkReinforceConfig(config),
      ...checkPolicySpec(policy),
      ...actorCriticProblems(policy, env.obsSize, env.actionSpace),
    ],
    create: (ctx: AlgoContext) => new ReinforceInstance(config, ctx),
  };
}

/** A running REINFORCE; see {@link reinforce}. */
export class ReinforceInstance implements AlgoInstance {
  readonly name = "reinforce";
  envSteps = 0;
  updates = 0;
  readonly policy: ActorCritic;
  readonly episodes: EpisodeStore;
  private readonly env: VecEnv;
  private readonly rng: Rng;
  /** Adam over the actor (and log σ); with a shared network, over everything. */
  private readonly optimizer: GroupAdam;
  /** Adam over the separate critic, or null when actor and critic share a network. */
  private readonly valueOptimizer: GroupAdam | null;
  private readonly act: ActOutput;
  private readonly finalValues: Float32Array;
  private adv = new Float32Array(0);
  private dLogp = new Float32Array(0);
  private dValue = new Float32Array(0);

  constructor(
    readonly config: ReinforceConfig,
    ctx: AlgoContext,
  ) {
    const env = ctx.env;
    this.env = env;
    this.rng = ctx.rng;
    this.policy = new ActorCritic(ctx.policy, env.obsSize, env.actionSpace, ctx.rng);
    const critic = this.policy.groups.filter((g) => g.name === "critic");
    this.optimizer = new GroupAdam(this.policy.groups.filter((g) => g.name !== "critic"));
    this.valueOptimizer = critic.length ? new GroupAdam(critic) : null;
    const discrete = env.actionSpace.kind === "discrete";
    this.episodes = new EpisodeStore(env.numEnvs, env.obsSize, env.actionSize, discrete);
    this.act = {
      actions: discrete ? new Int32Array(env.numEnvs) : new Float32Array(env.numEnvs * env.actionSize),
      logp: new Float32Array(env.numEnvs),
      values: new Float32Array(env.numEnvs),
    };
    this.finalValues = new Float32Array(env.numEnvs);
  }

  step(): UpdateMetrics | null {
    const { env, episodes: store, act, config: c } = this;
    if (store.rows >= c.batchSteps) return this.update(); // an update that failed earlier is retried first
    const n = env.numEnvs;
    this.policy.act(env.obs, n, this.rng, act);
    for (let e = 0; e < n; e++) store.push(e, env.obs, act.actions);
    env.step(act.actions);
    let bootstrapNeeded = false;
    for (let e = 0; e < n; e++) {
      store.reward(e, env.rewards[e]!);
      if (env.truncated[e] && !env.terminated[e]) bootstrapNeeded = true;
    }
    if (bootstrapNeeded && c.truncation === "bootstrap") this.policy.value(env.finalObs, n, this.finalValues);
    for (let e = 0; e < n; e++) {
      if (!env.terminated[e] && !env.truncated[e]) continue;
      const boot = !env.terminated[e] && c.truncation === "bootstrap" ? this.finalValues[e]! : 0;
      store.finish(e, c.gamma, boot);
    }
    this.envSteps += n;
    return store.rows >= c.batchSteps ? this.update() : null;
  }

  private update(): UpdateMetrics {
    const { config: c, episodes: store, policy } = this;
    const b = store.rows;
    if (this.adv.length < b) {
      this.adv = new Float32Array(b);
      this.dLogp = new Float32Array(b);
      this.dValue = new Float32Array(b);
    }
    const adv = this.adv.subarray(0, b);
    const dLogp = this.dLogp.subarray(0, b);
    const dValue = this.dValue.subarray(0, b);
    const returns = store.returns.subarray(0, b);
    const actions = store.actions.subarray(0, store.discrete ? b : b * store.actionSize);
    const out = policy.evaluate(store.obs.subarray(0, b * store.obsSize), actions, b);
    for (let i = 0; i < b; i++) adv[i] = returns[i]! - out.values[i]!;
    if (c.normAdv && b > 1) normalizeInPlace(adv);
    const pgLoss = reinforceLoss(out.logp, adv, dLogp);
    const vLoss = valueLoss(out.values, returns, undefined, undefined, dValue);
    for (let i = 0; i < b; i++) dValue[i] = dValue[i]! * c.vfCoef;
    let h = 0;
    for (let i = 0; i < b; i++) h += out.entropy[i]!;
    h /= b;
    const ev = explainedVariance(out.values, returns);
    zeroGrads(policy.groups);
    policy.backward(dLogp, -c.entCoef / b, dValue, b);
    const loss = pgLoss - c.entCoef * h + c.vfCoef * vLoss;
    if (!Number.isFinite(loss) || !gradsFinite(policy.groups)) {
      throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, loss);
    }
    const gradNorm = c.maxGradNorm === null ? globalGradNorm(policy.groups) : clipGlobalGradNorm(policy.groups, c.maxGradNorm);
    this.optimizer.step({ lr: c.lr, eps: c.adamEps });
    this.valueOptimizer?.step({ lr: c.lr, eps: c.adamEps });
    const episodes = store.episodes;
    // The batch's rows stay readable after clear(); counting the update first keeps the state consistent if a baseline step throws.
    store.clear();
    store.dropOpen();
    this.updates++;
    let vLossLast = vLoss;
    if (this.valueOptimizer) for (let it = 1; it < c.valueIters; it++) vLossLast = this.fitBaseline(b);
    return { policyLoss: pgLoss, valueLoss: vLossLast, entropy: h, explainedVariance: ev, gradNorm, batchSteps: b, batchEpisodes: episodes };
  }

  /** One Adam step of vfCoef · ½ mean((V − G)²) on the critic alone; returns the loss before the step. */
  private fitBaseline(b: number): number {
    const { config: c, episodes: store } = this;
    const critic = this.policy.critic!;
    const dValue = this.dValue.subarray(0, b);
    const values = critic.forward(store.obs.subarray(0, b * store.obsSize), b);
    const loss = valueLoss(values.subarray(0, b), store.returns.subarray(0, b), undefined, undefined, dValue);
    for (let i = 0; i < b; i++) dValue[i] = dValue[i]! * c.vfCoef;
    const groups = this.valueOptimizer!.groups;
    zeroGrads(groups);
    critic.backward(dValue);
    if (!Number.isFinite(loss) || !gradsFinite(groups)) throw new TrainingDivergedError(this.name, this.updates, undefined, undefined, loss);
    if (c.maxGradNorm !== null) clipGlobalGradNorm(groups, c.maxGradNorm);
    this.valueOptimizer!.step({ lr: c.lr, eps: c.adamEps });
    return loss;
  }

  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    this.policy.actGreedy(obs, batch, actions);
  }

  values(obs: Float32Array, batch: number, out: Float32Array): Float32Array {
    return this.policy.value(obs, batch, out);
  }

  policyStats(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): { logp: Float32Array; entropy: Float32Array } {
    const r = this.policy.evaluate(obs, actions, batch);
    return { logp: r.logp.slice(0, batch), entropy: r.entropy.slice(0, batch) };
  }

  saveState(): AlgoState {
    const opt = this.optimizer.save();
    const vopt = this.valueOptimizer?.save();
    const st = this.episodes.saveState();
    return {
      json: { envSteps: this.envSteps, updates: this.updates, rng: this.rng.state(), adamT: opt.t, valueAdamT: vopt?.t ?? 0, episodes: st.json },
      arrays: {
        params: flattenParams(this.policy.groups),
        adamM: opt.m,
        adamV: opt.v,
        ...(vopt ? { valueAdamM: vopt.m, valueAdamV: vopt.v } : {}),
        ...Object.fromEntries(Object.entries(st.arrays).map(([k, v]) => [`episodes.${k}`, v])),
      },
    };
  }

  loadState(state: AlgoState): void {
    const json = state.json as { envSteps: number; updates: number; rng: number[]; adamT: number; valueAdamT: number; episodes: unknown };
    const a = state.arrays;
    unflattenParams(this.policy.groups, a.params as Float32Array);
    this.optimizer.load({ t: json.adamT, m: a.adamM as Float32Array, v: a.adamV as Float32Array });
    this.valueOptimizer?.load({ t: json.valueAdamT, m: a.valueAdamM as Float32Array, v: a.valueAdamV as Float32Array });
    const eps: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a)) if (k.startsWith("episodes.")) eps[k.slice(9)] = v;
    this.episodes.loadState(json.episodes, eps);
    this.envSteps = json.envSteps;
    this.updates = json.updates;
    this.rng.restore(json.rng);
  }

  dispose(): void {
    this.policy.dispose();
  }
}
