import { explainedVariance, generalizedAdvantages, normalizeInPlace } from "../credit/gae.js";
import type { VecEnv } from "../envs/vec-env.js";
import { clippedSurrogate, valueLoss } from "../losses/clipped-surrogate.js";
import { ActorCritic, actorCriticProblems, type ActOutput } from "../policy/actor-critic.js";
import { clipGlobalGradNorm, zeroGrads } from "../policy/param-set.js";
import type { PolicySpec } from "../policy/spec.js";
import { checkPolicySpec } from "../policy/spec.js";
import type { Rng } from "../random/rng.js";
import type { AlgoContext, AlgoInstance, AlgoSpec, AlgoState, UpdateMetrics } from "./algorithm.js";
import { TrainingDivergedError } from "./errors.js";
import { flattenParams, GroupAdam, unflattenParams } from "./optimizer.js";
import { Minibatch, RolloutBuffer } from "./rollout.js";
import { HybridPgTerms } from "./hybrid-pg.js";
import { checkBoolean, checkKnownKeys, checkNumber } from "./validate.js";

/**
 * PPO with a clipped surrogate (Schulman et al. 2017), every detail of
 * CleanRL's `ppo.py`. Defaults are CleanRL's; each field's unit is in its doc.
 */
export interface PpoConfig {
  /** Adam learning rate. */
  lr: number;
  /** Anneal the learning rate linearly to 0 over `totalSteps`. */
  annealLr: boolean;
  /** Env steps (all copies) over which the learning rate anneals (CleanRL's total_timesteps). */
  totalSteps: number;
  /** Steps per env per rollout (rollout size = numSteps × number of envs). */
  numSteps: number;
  /** Discount γ and GAE λ. */
  gae: { gamma: number; lambda: number };
  /** Minibatches per epoch. */
  minibatches: number;
  /** Passes over each rollout. */
  epochs: number;
  /** Normalize advantages per minibatch. */
  normAdv: boolean;
  /** Surrogate clip ε. */
  clip: number;
  /** Clip the value loss around the rollout's values with the same ε. */
  clipValue: boolean;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  /** Stop an update's epochs early once the approximate KL exceeds this (null: never). */
  targetKl: number | null;
  /** Adam ε. */
  adamEps: number;
  /**
   * At a time-limit truncation: "bootstrap" adds γ·V(final observation) to the
   * last reward (the correct target); "done" treats it as a terminal state
   * like CleanRL's ppo.py.
   */
  truncation: "bootstrap" | "done";
}

export const PPO_DEFAULTS: PpoConfig = Object.freeze({
  lr: 2.5e-4,
  annealLr: true,
  totalSteps: 500_000,
  numSteps: 128,
  gae: { gamma: 0.99, lambda: 0.95 },
  minibatches: 4,
  epochs: 4,
  normAdv: true,
  clip: 0.2,
  clipValue: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  targetKl: null,
  adamEps: 1e-5,
  truncation: "bootstrap",
}) as PpoConfig;

export type PpoOptions = Partial<Omit<PpoConfig, "gae">> & { gae?: Partial<PpoConfig["gae"]> };

/** Merges options over defaults. */
export function ppoConfig(options: PpoOptions = {}, defaults: PpoConfig = PPO_DEFAULTS): PpoConfig {
  // A non-object `gae` is kept as given so check() can report it.
  const gae = typeof options.gae === "object" && options.gae !== null ? Object.freeze({ ...defaults.gae, ...options.gae }) : (options.gae ?? defaults.gae);
  return Object.freeze({ ...defaults, ...options, gae }) as PpoConfig;
}

/** Every problem with a PPO config, each with its path. */
export function checkPpoConfig(c: PpoConfig, path = "algo"): string[] {
  const p: string[] = [];
  checkKnownKeys(p, path, c, PPO_DEFAULTS);
  if (typeof c.gae !== "object" || c.gae === null) {
    p.push(`${path}.gae: expected { gamma, lambda }, got ${JSON.stringify(c.gae)}`);
    return p;
  }
  checkKnownKeys(p, `${path}.gae`, c.gae, PPO_DEFAULTS.gae);
  checkBoolean(p, `${path}.annealLr`, c.annealLr);
  checkBoolean(p, `${path}.normAdv`, c.normAdv);
  checkBoolean(p, `${path}.clipValue`, c.clipValue);
  checkNumber(p, `${path}.lr`, c.lr, { min: 0, exclusiveMin: true });
  checkNumber(p, `${path}.totalSteps`, c.totalSteps, { min: 1, integer: true });
  checkNumber(p, `${path}.numSteps`, c.numSteps, { min: 1, integer: true });
  checkNumber(p, `${path}.gae.gamma`, c.gae.gamma, { min: 0, max: 1 });
  checkNumber(p, `${path}.gae.lambda`, c.gae.lambda, { min: 0, max: 1 });
  checkNumber(p, `${path}.minibatches`, c.minibatches, { min: 1, integer: true });
  checkNumber(p, `${path}.epochs`, c.epochs, { min: 1, integer: true });
  checkNumber(p, `${path}.clip`, c.clip, { min: 0, exclusiveMin: true });
  checkNumber(p, `${path}.entCoef`, c.entCoef, { min: 0 });
  checkNumber(p, `${path}.vfCoef`, c.vfCoef, { min: 0 });
  checkNumber(p, `${path}.maxGradNorm`, c.maxGradNorm, { min: 0, exclusiveMin: true });
  checkNumber(p, `${path}.adamEps`, c.adamEps, { min: 0, exclusiveMin: true });
  if (c.targetKl !== null) checkNumber(p, `${path}.targetKl`, c.targetKl, { min: 0, exclusiveMin: true });
  if (c.truncation !== "bootstrap" && c.truncation !== "done") p.push(`${path}.truncation: expected "bootstrap" or "done", got ${JSON.stringify(c.truncation)}`);
  return p;
}

/** `rl.ppo({...})`: a PPO algorithm spec. */
export function ppo(options: PpoOptions = {}): AlgoSpec<PpoConfig> {
  return onPolicySpec("ppo", ppoConfig(options));
}

/** Builds the spec of a PPO-family algorithm (PPO, A2C) from a full config. */
export function onPolicySpec(name: string, config: PpoConfig): AlgoSpec<PpoConfig> {
  return {
    name,
    config,
    check(env: VecEnv, policy: PolicySpec) {
      const p = checkPpoConfig(config);
      p.push(...checkPolicySpec(policy), ...actorCriticProblems(policy, env.obsSize, env.actionSpace));
      const batch = config.numSteps * env.numEnvs;
      if (Number.isInteger(config.minibatches) && config.minibatches >= 1 && batch % config.minibatches !== 0) {
        p.push(`algo.minibatches: rollout size ${batch} (numSteps ${config.numSteps} × ${env.numEnvs} envs) must divide evenly into ${config.minibatches} minibatches`);
      }
      return p;
    },
    create: (ctx: AlgoContext) => new PpoInstance(name, config, ctx),
  };
}

class PpoInstance implements AlgoInstance {
  envSteps = 0;
  updates = 0;
  private readonly env: VecEnv;
  private readonly rng: Rng;
  readonly policy: ActorCritic;
  private readonly optimizer: GroupAdam;
  private readonly buffer: RolloutBuffer;
  private readonly mb: Minibatch;
  private readonly nextDone: Float32Array;
  private readonly act: ActOutput;
  private readonly finalValues: Float32Array;
  private readonly nextValue: Float32Array;
  private warnedLrZero = false;
  /** Imitation and offline-critic terms on dataset rows (`.mix(rl.data.offline(...))`), if any. */
  readonly hybrid: HybridPgTerms | undefined;

  constructor(
    readonly name: string,
    readonly config: PpoConfig,
    ctx: AlgoContext,
  ) {
    const env = ctx.env;
    this.env = env;
    this.rng = ctx.rng;
    this.policy = new ActorCritic(ctx.policy, env.obsSize, env.actionSpace, ctx.rng);
    this.optimizer = new GroupAdam(this.policy.groups);
    const discrete = env.actionSpace.kind === "discrete";
    this.buffer = new RolloutBuffer(config.numSteps, env.numEnvs, env.obsSize, env.actionSize, discrete);
    this.mb = new Minibatch(this.buffer.size / config.minibatches, env.obsSize, env.actionSize, discrete);
    this.nextDone = new Float32Array(env.numEnvs);
    this.act = {
      actions: discrete ? new Int32Array(env.numEnvs) : new Float32Array(env.numEnvs * env.actionSize),
      logp: new Float32Array(env.numEnvs),
      values: new Float32Array(env.numEnvs),
    };
    this.finalValues = new Float32Array(env.numEnvs);
    this.nextValue = new Float32Array(env.numEnvs);
    this.hybrid = ctx.mix ? new HybridPgTerms(ctx.mix, this.mb.size, env.numEnvs, ctx.rng) : undefined;
  }

  step(): UpdateMetrics | null {
    const { env, buffer: buf, act, config } = this;
    if (buf.full) return this.update(); // an update that failed earlier is retried first
    if (this.hybrid && this.hybrid.pretrainLeft > 0) return this.pretrainStep(this.hybrid);
    const n = env.numEnvs;
    const row = buf.t * n;
    buf.obs.set(env.obs, row * env.obsSize);
    buf.dones.set(this.nextDone, row);
    this.policy.act(env.obs, n, this.rng, act);
    if (env.actionSize === 1) buf.actions.set(act.actions, row);
    else buf.actions.set(act.actions, row * env.actionSize);
    buf.logp.set(act.logp, row);
    buf.values.set(act.values, row);
    env.step(act.actions);
    this.hybrid?.observe(env.rewards, env.terminated, env.truncated);
    let anyTruncated = false;
    for (let e = 0; e < n; e++) {
      buf.rewards[row + e] = env.rewards[e]!;
      this.nextDone[e] = env.terminated[e]! | env.truncated[e]!;
      if (env.truncated[e] && !env.terminated[e]) anyTruncated = true;
    }
    if (anyTruncated && config.truncation === "bootstrap") {
      this.policy.value(env.finalObs, n, this.finalValues);
      for (let e = 0; e < n; e++) {
        if (env.truncated[e] && !env.terminated[e]) buf.rewards[row + e] = buf.rewards[row + e]! + config.gae.gamma * this.finalValues[e]!;
      }
    }
    buf.t++;
    this.envSteps += n;
    return buf.full ? this.update() : null;
  }

  /**
   * One warm-start gradient step on the dataset alone (no env step); returns
   * the averaged metrics after the last one (`imitation.pretrain`).
   */
  private pretrainStep(hybrid: HybridPgTerms): UpdateMetrics | null {
    const { config: c, policy } = this;
    const snapshot = this.saveState();
    if (hybrid.pretrained === 0) hybrid.beginUpdate();
    zeroGrads(policy.groups);
    const loss = hybrid.accumulate(policy, c.gae.gamma, c.vfCoef).loss;
    const gradNorm = clipGlobalGradNorm(policy.groups, c.maxGradNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      this.loadState(snapshot);
      throw new TrainingDivergedError(this.name, 0, undefined, hybrid.pretrained, loss);
    }
    this.optimizer.step({ lr: this.currentLr(), eps: c.adamEps });
    hybrid.pretrained++;
    return hybrid.pretrainLeft === 0 ? { ...hybrid.metrics(), pretrainSteps: hybrid.pretrained, gradNorm } : null;
  }

  /** Learning rate of the next update (linear annealing as CleanRL: frac = 1 − (update − 1) / numUpdates). */
  currentLr(): number {
    const c = this.config;
    if (!c.annealLr) return c.lr;
    const numUpdates = Math.max(1, Math.floor(c.totalSteps / this.buffer.size));
    return c.lr * Math.max(0, 1 - this.updates / numUpdates);
  }

  private update(): UpdateMetrics {
    const { config: c, buffer: buf, mb, policy, env } = this;
    const lr = this.currentLr();
    if (lr === 0 && !this.warnedLrZero) {
      this.warnedLrZero = true;
      process.emitWarning(
        `${this.name}: the learning rate has annealed to 0 after totalSteps = ${c.totalSteps} env steps, so further updates leave the policy unchanged. Build the run with a larger rl.${this.name}({ totalSteps }) or annealLr: false to keep learning.`,
        { code: "TRELLIS_LR_ANNEALED" },
      );
    }
    policy.value(env.obs, env.numEnvs, this.nextValue);
    generalizedAdvantages(
      { rewards: buf.rewards, values: buf.values, dones: buf.dones, nextValue: this.nextValue, nextDone: this.nextDone, numEnvs: env.numEnvs, gamma: c.gae.gamma, lambda: c.gae.lambda },
      { advantages: buf.advantages, returns: buf.returns },
    );
    const snapshot = this.saveState();
    const hybrid = this.hybrid;
    hybrid?.beginUpdate();
    const mbSize = mb.size;
    let pgLoss = 0;
    let vLoss = 0;
    let entropy = 0;
    let approxKl = 0;
    let oldApproxKl = 0;
    let clipfracSum = 0;
    let clipfracCount = 0;
    let gradNorm = 0;
    epochs: for (let epoch = 0; epoch < c.epochs; epoch++) {
      const perm = this.rng.permutation(buf.size);
      for (let start = 0; start < buf.size; start += mbSize) {
        buf.gather(perm, start, start + mbSize, mb);
        if (c.normAdv) normalizeInPlace(mb.advantages);
        const out = policy.evaluate(mb.obs, mb.actions, mbSize);
        const s = clippedSurrogate(out.logp, mb.logp, mb.advantages, c.clip, mb.dLogp);
        const v = valueLoss(out.values, mb.returns, c.clipValue ? mb.values : undefined, c.clipValue ? c.clip : undefined, mb.dValue);
        let h = 0;
        for (let i = 0; i < mbSize; i++) h += out.entropy[i]!;
        h /= mbSize;
        for (let i = 0; i < mbSize; i++) mb.dValue[i] = mb.dValue[i]! * c.vfCoef;
        zeroGrads(policy.groups);
        policy.backward(mb.dLogp, -c.entCoef / mbSize, mb.dValue, mbSize);
        const offline = hybrid ? hybrid.accumulate(policy, c.gae.gamma, c.vfCoef).loss : 0;
        const loss = s.loss - c.entCoef * h + c.vfCoef * v + offline;
        gradNorm = clipGlobalGradNorm(policy.groups, c.maxGradNorm);
        if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
          this.loadState(snapshot);
          throw new TrainingDivergedError(this.name, this.updates + 1, epoch, start / mbSize, loss);
        }
        this.optimizer.step({ lr, eps: c.adamEps });
        pgLoss = s.loss;
        vLoss = v;
        entropy = h;
        approxKl = s.approxKl;
        oldApproxKl = s.oldApproxKl;
        clipfracSum += s.clipfrac;
        clipfracCount++;
      }
      if (c.targetKl !== null && approxKl > c.targetKl) break epochs;
    }
    this.updates++;
    buf.t = 0;
    return {
      learningRate: lr,
      policyLoss: pgLoss,
      valueLoss: vLoss,
      entropy,
      approxKl,
      oldApproxKl,
      clipfrac: clipfracSum / Math.max(1, clipfracCount),
      explainedVariance: explainedVariance(buf.values, buf.returns),
      gradNorm,
      ...hybrid?.metrics(),
    };
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

  behavior() {
    return { logp: this.act.logp, values: this.act.values, policyVersion: this.updates };
  }

  saveState(): AlgoState {
    const opt = this.optimizer.save();
    const hybrid = this.hybrid?.saveState();
    return {
      json: { envSteps: this.envSteps, updates: this.updates, t: this.buffer.t, rng: this.rng.state(), adamT: opt.t, ...(hybrid ? { hybrid: hybrid.json } : {}) },
      arrays: {
        ...(hybrid ? Object.fromEntries(Object.entries(hybrid.arrays).map(([k, v]) => [`hybrid.${k}`, v])) : {}),
        params: flattenParams(this.policy.groups),
        adamM: opt.m,
        adamV: opt.v,
        nextDone: Float32Array.from(this.nextDone),
        ...Object.fromEntries(Object.entries(this.buffer.arrays()).map(([k, v]) => [`rollout.${k}`, v.slice()])),
      },
    };
  }

  loadState(state: AlgoState): void {
    const json = state.json as { envSteps: number; updates: number; t: number; rng: number[]; adamT: number; hybrid?: unknown };
    const a = state.arrays;
    unflattenParams(this.policy.groups, a.params as Float32Array);
    this.optimizer.load({ t: json.adamT, m: a.adamM as Float32Array, v: a.adamV as Float32Array });
    this.nextDone.set(a.nextDone as Float32Array);
    for (const [k, v] of Object.entries(this.buffer.arrays())) (v as Float32Array).set(a[`rollout.${k}`] as Float32Array);
    this.buffer.t = json.t;
    this.envSteps = json.envSteps;
    this.updates = json.updates;
    this.rng.restore(json.rng);
    if (this.hybrid) {
      const arrays = Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith("hybrid.")).map(([k, v]) => [k.slice(7), v]));
      this.hybrid.loadState(json.hybrid, arrays);
    }
  }

  dispose(): void {
    this.policy.dispose();
  }
}
