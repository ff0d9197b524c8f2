import { actionScaling, actorOutputBackward, LOG_STD_MAX, LOG_STD_MIN, splitActorOutput, tanhGaussianBackward, tanhGaussianMode, tanhGaussianSample } from "../dist/tanh-gaussian.js";
import { describeSpace, type BoxSpace } from "../envs/space.js";
import type { VecEnv } from "../envs/vec-env.js";
import { alphaLoss, sacActorLoss, softQTargets, twinQLoss } from "../losses/sac.js";
import { makeMlp } from "../nn/mlp.js";
import type { Network } from "../nn/network.js";
import { netGroup } from "../policy/actor-critic.js";
import { gradsFinite, vectorGroup, zeroGrads, type ParamGroup } from "../policy/param-set.js";
import { checkPolicySpec, type MlpPolicySpec, type PolicySpec } from "../policy/spec.js";
import type { Rng } from "../random/rng.js";
import type { AlgoContext, AlgoInstance, AlgoSpec, AlgoState, UpdateMetrics } from "./algorithm.js";
import { TrainingDivergedError } from "./errors.js";
import { checkOffPolicyPolicy, realNextObs, UpdateSnapshot, updateTargetNetwork } from "./off-policy.js";
import { GroupAdam } from "./optimizer.js";
import { ReplayBatch, ReplayBuffer, replayArrays } from "./replay-buffer.js";
import { MixSource } from "./mix.js";
import { checkKnownKeys, checkNumber } from "./validate.js";

/**
 * Soft actor-critic for continuous actions (Haarnoja et al. 2018, with the
 * automatic entropy tuning of "SAC: Algorithms and Applications"), following
 * CleanRL's `sac_continuous_action.py`: twin critics with target networks
 * (clipped double Q), a tanh-squashed Gaussian actor whose log σ is squashed
 * into [logStdMin, logStdMax], delayed actor updates (`policyFrequency`
 * actor steps every `policyFrequency` critic steps), α tuned toward the
 * target entropy −|A|, and uniform random actions for the first
 * `learningStarts` env steps.
 *
 * Networks: actor `obs → hidden… → 2|A|` (means, raw log σ) and two critics
 * `(obs, a) → hidden… → 1`, with the widths and activation of the run's
 * `rl.mlp(...)` and torch's default init. CleanRL uses
 * `rl.mlp([256, 256], { activation: "relu" })`; smaller nets ([64, 64]) learn
 * Pendulum too and run several times faster in plain JS/wasm.
 *
 * Counters are env steps summed over copies: a vector step covers indices
 * `envSteps … envSteps + n − 1` and each index k > learningStarts makes one
 * gradient step (n = 1 reproduces CleanRL's loop).
 */
export interface SacConfig {
  /** Replay capacity in transitions. */
  bufferSize: number;
  /** Discount γ. */
  gamma: number;
  /** Target-network Polyak rate θ' ← τθ + (1 − τ)θ'. */
  tau: number;
  /** Transitions per gradient step. */
  batchSize: number;
  /** Env steps of uniformly random actions before learning. */
  learningStarts: number;
  /** Adam learning rate of the actor. */
  policyLr: number;
  /** Adam learning rate of the critics (and of log α). */
  qLr: number;
  /** Critic steps between actor updates; each time the actor takes this many steps (TD3-style delay, CleanRL). */
  policyFrequency: number;
  /** Critic steps between target-network updates. */
  targetNetworkFrequency: number;
  /** Entropy temperature α when `autotune` is off (units of reward per nat). */
  alpha: number;
  /** Tune α automatically toward `targetEntropy` (starting from α = 1, log α = 0). */
  autotune: boolean;
  /** Target entropy in nats; "auto": −|A| (the number of action dimensions). */
  targetEntropy: number | "auto";
  /** Bounds of the actor's log σ (CleanRL's LOG_STD_MIN/MAX). */
  logStd: { min: number; max: number };
  /** Adam ε (torch's default). */
  adamEps: number;
  /** Fewest env steps between two metrics rows (a row per gradient step would flood the log). */
  logEvery: number;
}

export const SAC_DEFAULTS: SacConfig = {
  bufferSize: 1_000_000,
  gamma: 0.99,
  tau: 0.005,
  batchSize: 256,
  learningStarts: 5_000,
  policyLr: 3e-4,
  qLr: 1e-3,
  policyFrequency: 2,
  targetNetworkFrequency: 1,
  alpha: 0.2,
  autotune: true,
  targetEntropy: "auto",
  logStd: { min: LOG_STD_MIN, max: LOG_STD_MAX },
  adamEps: 1e-8,
  logEvery: 500,
};

export type SacOptions = Partial<Omit<SacConfig, "logStd">> & { logStd?: Partial<SacConfig["logStd"]> };

/** Merges options over {@link SAC_DEFAULTS}. */
export function sacConfig(options: SacOptions = {}): SacConfig {
  return Object.freeze({ ...SAC_DEFAULTS, ...options, logStd: Object.freeze({ ...SAC_DEFAULTS.logStd, ...options.logStd }) });
}

/** Every problem with a SAC config, each with its path. */
export function checkSacConfig(c: SacConfig, path = "algo"): string[] {
  const p: string[] = [];
  checkKnownKeys(p, path, c, SAC_DEFAULTS);
  checkNumber(p, `${path}.bufferSize`, c.bufferSize, { min: 1, integer: true });
  checkNumber(p, `${path}.gamma`, c.gamma, { min: 0, max: 1 });
  checkNumber(p, `${path}.tau`, c.tau, { min: 0, max: 1, exclusiveMin: true });
  checkNumber(p, `${path}.batchSize`, c.batchSize, { min: 1, integer: true });
  checkNumber(p, `${path}.logEvery`, c.logEvery, { min: 0, integer: true });
  checkNumber(p, `${path}.learningStarts`, c.learningStarts, { min: 0, integer: true });
  checkNumber(p, `${path}.policyLr`, c.policyLr, { min: 0, exclusiveMin: true });
  checkNumber(p, `${path}.qLr`, c.qLr, { min: 0, exclusiveMin: true });
  checkNumber(p, `${path}.policyFrequency`, c.policyFrequency, { min: 1, integer: true });
  checkNumber(p, `${path}.targetNetworkFrequency`, c.targetNetworkFrequency, { min: 1, integer: true });
  checkNumber(p, `${path}.alpha`, c.alpha, { min: 0 });
  if (typeof c.autotune !== "boolean") p.push(`${path}.autotune: expected true or false, got ${JSON.stringify(c.autotune)}`);
  if (c.targetEntropy !== "auto") checkNumber(p, `${path}.targetEntropy`, c.targetEntropy);
  checkNumber(p, `${path}.logStd.min`, c.logStd.min);
  checkNumber(p, `${path}.logStd.max`, c.logStd.max);
  if (Number.isFinite(c.logStd.min) && Number.isFinite(c.logStd.max) && !(c.logStd.min < c.logStd.max)) {
    p.push(`${path}.logStd: expected min < max, got min ${c.logStd.min}, max ${c.logStd.max}`);
  }
  checkNumber(p, `${path}.adamEps`, c.adamEps, { min: 0, exclusiveMin: true });
  return p;
}

/** Why SAC cannot run on this env's action space, or null. */
export function sacActionSpaceProblem(env: VecEnv): string | null {
  const space = env.actionSpace;
  if (space.kind !== "box") {
    return `algo: SAC needs a continuous (box) action space; ${env.id} has discrete actions ${describeSpace(space)}: use rl.dqn() (or rl.ppo()) for discrete actions`;
  }
  for (let j = 0; j < space.low.length; j++) {
    if (!Number.isFinite(space.low[j]!) || !Number.isFinite(space.high[j]!)) {
      return `algo: SAC squashes actions into the action box with tanh and needs finite bounds; ${env.id}'s action dimension ${j} is [${space.low[j]}, ${space.high[j]}]`;
    }
  }
  return null;
}

/** `rl.sac({...})`: a SAC algorithm spec. */
export function sac(options: SacOptions = {}): AlgoSpec<SacConfig> {
  const config = sacConfig(options);
  return {
    name: "sac",
    config,
    check(env: VecEnv, policy: PolicySpec) {
      const p = checkSacConfig(config);
      const space = sacActionSpaceProblem(env);
      if (space) p.push(space);
      p.push(...checkPolicySpec(policy), ...checkOffPolicyPolicy(policy, "SAC", "an actor and two critics", ["auto", "tanh-gaussian"]));
      return p;
    },
    create: (ctx: AlgoContext) => new SacInstance(config, ctx),
  };
}

/** Writes rows [a_b, c_b] (widths `aw`, `cw`) into `out`. */
export function concatRows(a: Float32Array, aw: number, c: Float32Array, cw: number, batch: number, out: Float32Array): Float32Array {
  const w = aw + cw;
  for (let b = 0; b < batch; b++) {
    out.set(a.subarray(b * aw, b * aw + aw), b * w);
    out.set(c.subarray(b * cw, b * cw + cw), b * w + aw);
  }
  return out;
}

/** Scratch arrays of one batch size. */
class SacScratch {
  readonly mean: Float32Array;
  readonly logStd: Float32Array;
  readonly eps: Float32Array;
  readonly actions: Float32Array;
  readonly logp: Float32Array;
  constructor(batch: number, d: number) {
    this.mean = new Float32Array(batch * d);
    this.logStd = new Float32Array(batch * d);
    this.eps = new Float32Array(batch * d);
    this.actions = new Float32Array(batch * d);
    this.logp = new Float32Array(batch);
  }
}

/** A running SAC; see {@link sac}. */
export class SacInstance implements AlgoInstance {
  readonly name = "sac";
  get logEvery(): number {
    return this.config.logEvery;
  }
  envSteps = 0;
  updates = 0;
  readonly actor: Network;
  readonly q1: Network;
  readonly q2: Network;
  readonly q1Target: Network;
  readonly q2Target: Network;
  /** log α (one float32, trained by Adam when autotuning). */
  readonly logAlpha: Float32Array;
  readonly buffer: ReplayBuffer;
  readonly targetEntropy: number;
  private readonly env: VecEnv;
  private readonly rng: Rng;
  private readonly d: number;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private readonly actorGroups: ParamGroup[];
  private readonly qGroups: ParamGroup[];
  private readonly alphaGroups: ParamGroup[];
  private readonly actorOpt: GroupAdam;
  private readonly qOpt: GroupAdam;
  private readonly alphaOpt: GroupAdam;
  private readonly snapshot: UpdateSnapshot;
  private readonly batch: ReplayBatch;
  /** Offline rows mixed into each minibatch (`.mix(rl.data.offline(...))`), if any. */
  private readonly mix: MixSource | undefined;
  private readonly act: SacScratch;
  private readonly s: SacScratch;
  private readonly prevObs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly criticIn: Float32Array;
  private readonly q1Next: Float32Array;
  private readonly targets: Float32Array;
  private readonly dQ1: Float32Array;
  private readonly dQ2: Float32Array;
  private readonly dIn1: Float32Array;
  private readonly dIn2: Float32Array;
  private readonly dAction: Float32Array;
  private readonly dLogp: Float32Array;
  private readonly dMean: Float32Array;
  private readonly dLogStd: Float32Array;
  private readonly dRaw: Float32Array;

  constructor(
    readonly config: SacConfig,
    ctx: AlgoContext,
  ) {
    const env = ctx.env;
    const problems = [sacActionSpaceProblem(env), ...checkOffPolicyPolicy(ctx.policy, "SAC", "an actor and two critics", ["auto", "tanh-gaussian"])].filter((x): x is string => !!x);
    if (problems.length) throw new Error(problems.join("; "));
    const spec = ctx.policy as MlpPolicySpec;
    const space = env.actionSpace as BoxSpace;
    this.env = env;
    this.rng = ctx.rng;
    const o = env.obsSize;
    const d = (this.d = env.actionSize);
    ({ scale: this.scale, bias: this.bias } = actionScaling(space.low, space.high));
    const net = (sizes: number[]) => makeMlp(sizes, { activation: spec.activation, rng: ctx.rng, init: "torch-default" });
    this.actor = net([o, ...spec.hidden, 2 * d]);
    this.q1 = net([o + d, ...spec.hidden, 1]);
    this.q2 = net([o + d, ...spec.hidden, 1]);
    this.q1Target = this.q1.clone();
    this.q2Target = this.q2.clone();
    this.logAlpha = Float32Array.of(config.autotune ? 0 : Math.log(config.alpha));
    this.targetEntropy = config.targetEntropy === "auto" ? -d : config.targetEntropy;
    this.actorGroups = [netGroup("actor", this.actor)];
    this.qGroups = [netGroup("q1", this.q1), netGroup("q2", this.q2)];
    this.alphaGroups = [vectorGroup("logAlpha", this.logAlpha)];
    this.actorOpt = new GroupAdam(this.actorGroups);
    this.qOpt = new GroupAdam(this.qGroups);
    this.alphaOpt = new GroupAdam(this.alphaGroups);
    this.snapshot = new UpdateSnapshot([...this.actorGroups, ...this.qGroups, ...this.alphaGroups], [this.actorOpt, this.qOpt, this.alphaOpt]);
    this.buffer = new ReplayBuffer(config.bufferSize, o, d, false);
    const b = config.batchSize;
    const n = env.numEnvs;
    this.batch = new ReplayBatch(b, o, d, false);
    this.mix = ctx.mix ? new MixSource(ctx.mix, b, ctx.rng, o, d) : undefined;
    this.act = new SacScratch(n, d);
    this.s = new SacScratch(b, d);
    this.prevObs = new Float32Array(n * o);
    this.nextObs = new Float32Array(n * o);
    this.criticIn = new Float32Array(b * (o + d));
    this.q1Next = new Float32Array(b);
    this.targets = new Float32Array(b);
    this.dQ1 = new Float32Array(b);
    this.dQ2 = new Float32Array(b);
    this.dIn1 = new Float32Array(b * (o + d));
    this.dIn2 = new Float32Array(b * (o + d));
    this.dAction = new Float32Array(b * d);
    this.dLogp = new Float32Array(b);
    this.dMean = new Float32Array(b * d);
    this.dLogStd = new Float32Array(b * d);
    this.dRaw = new Float32Array(b * 2 * d);
  }

  /** The current entropy temperature α. */
  get alpha(): number {
    return Math.exp(this.logAlpha[0]!);
  }

  /** Samples a ~ π(·|s) for `batch` rows into `out` (raw actor outputs from `raw`). */
  private sample(raw: Float32Array, batch: number, out: SacScratch): void {
    const { d, config: c } = this;
    splitActorOutput(raw, batch, d, out.mean, out.logStd, c.logStd.min, c.logStd.max);
    const eps = out.eps;
    for (let i = 0; i < batch * d; i++) eps[i] = this.rng.normal();
    tanhGaussianSample(out.mean, out.logStd, eps, batch, d, this.scale, this.bias, out.actions, out.logp);
  }

  step(): UpdateMetrics | null {
    const { env, config: c, d } = this;
    const n = env.numEnvs;
    this.prevObs.set(env.obs);
    const actions = this.act.actions;
    if (this.envSteps < c.learningStarts) {
      const space = env.actionSpace as BoxSpace;
      for (let e = 0; e < n; e++) for (let j = 0; j < d; j++) actions[e * d + j] = this.rng.uniform(space.low[j]!, space.high[j]!);
    } else {
      this.sample(this.actor.predict(env.obs, n), n, this.act);
    }
    env.step(actions);
    realNextObs(env, this.nextObs);
    this.buffer.addBatch(this.prevObs, actions, env.rewards, this.nextObs, env.terminated, n);
    const from = this.envSteps;
    this.envSteps += n;
    let metrics: UpdateMetrics | null = null;
    for (let k = Math.max(from, c.learningStarts + 1); k < this.envSteps; k++) metrics = this.update(k);
    return metrics;
  }

  private diverged(loss: number): never {
    this.snapshot.restore();
    throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, loss);
  }

  /** One critic step, and actor/α steps and target updates when due at step index `k`. */
  private update(k: number): UpdateMetrics {
    const { config: c, batch: mb, s, d } = this;
    const o = this.env.obsSize;
    const b = c.batchSize;
    this.snapshot.take();
    const m = this.mix?.rows ?? 0;
    this.buffer.sample(this.rng, mb, b - m);
    this.mix?.fill(mb, b - m);
    let alpha = this.alpha;

    // Critics: y = r + γ(1 − term)(min Q'(s', a') − α log π(a'|s')), a' ~ π(·|s').
    this.sample(this.actor.predict(mb.nextObs, b), b, s);
    concatRows(mb.nextObs, o, s.actions, d, b, this.criticIn);
    this.q1Next.set(this.q1Target.predict(this.criticIn, b).subarray(0, b));
    const q2Next = this.q2Target.predict(this.criticIn, b);
    softQTargets({ rewards: mb.rewards, terminated: mb.terminated, q1Next: this.q1Next, q2Next, nextLogp: s.logp, alpha, gamma: c.gamma }, this.targets);
    concatRows(mb.obs, o, mb.actions as Float32Array, d, b, this.criticIn);
    const q1 = this.q1.forward(this.criticIn, b);
    const q2 = this.q2.forward(this.criticIn, b);
    const ql = twinQLoss(q1, q2, this.targets, this.dQ1, this.dQ2);
    zeroGrads(this.qGroups);
    this.q1.backward(this.dQ1);
    this.q2.backward(this.dQ2);
    const qLoss = ql.q1Loss + ql.q2Loss;
    if (!Number.isFinite(qLoss) || !gradsFinite(this.qGroups)) this.diverged(qLoss);
    this.qOpt.step({ lr: c.qLr, eps: c.adamEps });
    const metrics: Record<string, number> = { qLoss: qLoss / 2, qValue: (ql.q1Mean + ql.q2Mean) / 2 };

    if (k % c.policyFrequency === 0) {
      let actorLoss = 0;
      let entropy = 0;
      let aLoss = 0;
      for (let i = 0; i < c.policyFrequency; i++) {
        // Actor: min over θ of mean(α log π(a|s) − min Q(s, a)), a = f_θ(ε; s).
        const raw = this.actor.forward(mb.obs, b);
        this.sample(raw, b, s);
        concatRows(mb.obs, o, s.actions, d, b, this.criticIn);
        const q1pi = this.q1.forward(this.criticIn, b);
        const q2pi = this.q2.forward(this.criticIn, b);
        actorLoss = sacActorLoss(s.logp, q1pi, q2pi, alpha, this.dLogp, this.dQ1, this.dQ2);
        this.q1.backward(this.dQ1, this.dIn1);
        this.q2.backward(this.dQ2, this.dIn2);
        for (let r = 0; r < b; r++) for (let j = 0; j < d; j++) this.dAction[r * d + j] = this.dIn1[r * (o + d) + o + j]! + this.dIn2[r * (o + d) + o + j]!;
        tanhGaussianBackward(s.mean, s.logStd, s.eps, b, d, this.scale, this.dLogp, this.dAction, this.dMean, this.dLogStd);
        actorOutputBackward(raw, b, d, this.dMean, this.dLogStd, this.dRaw, c.logStd.min, c.logStd.max);
        zeroGrads(this.actorGroups);
        this.actor.backward(this.dRaw);
        if (!Number.isFinite(actorLoss) || !gradsFinite(this.actorGroups)) this.diverged(actorLoss);
        this.actorOpt.step({ lr: c.policyLr, eps: c.adamEps });
        let sumLogp = 0;
        for (let r = 0; r < b; r++) sumLogp += s.logp[r]!;
        entropy = -sumLogp / b;
        if (c.autotune) {
          // α: min over log α of mean(−α (log π(a|s) + H̄)), with a fresh sample of the updated actor.
          this.sample(this.actor.predict(mb.obs, b), b, s);
          const al = alphaLoss(this.logAlpha[0]!, s.logp, this.targetEntropy);
          aLoss = al.loss;
          this.alphaGroups[0]!.grads[0] = al.grad;
          if (!Number.isFinite(al.loss)) this.diverged(al.loss);
          this.alphaOpt.step({ lr: c.qLr, eps: c.adamEps });
          alpha = this.alpha;
        }
      }
      metrics.actorLoss = actorLoss;
      metrics.entropy = entropy;
      if (c.autotune) metrics.alphaLoss = aLoss;
    }
    metrics.alpha = alpha;
    if (k % c.targetNetworkFrequency === 0) {
      updateTargetNetwork(this.q1Target, this.q1, c.tau);
      updateTargetNetwork(this.q2Target, this.q2, c.tau);
    }
    this.updates++;
    return metrics;
  }

  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    const raw = this.actor.predict(obs, batch);
    const mean = new Float32Array(batch * this.d);
    const logStd = new Float32Array(batch * this.d);
    splitActorOutput(raw, batch, this.d, mean, logStd, this.config.logStd.min, this.config.logStd.max);
    tanhGaussianMode(mean, batch, this.d, this.scale, this.bias, actions);
  }

  saveState(): AlgoState {
    const a = this.actorOpt.save();
    const q = this.qOpt.save();
    const al = this.alphaOpt.save();
    const buf = this.buffer.saveState();
    const mix = this.mix?.saveState();
    return {
      json: { envSteps: this.envSteps, updates: this.updates, rng: this.rng.state(), adamT: { actor: a.t, q: q.t, alpha: al.t }, buffer: buf.json, ...(mix ? { mix: mix.json } : {}) },
      arrays: {
        actor: this.actor.params.slice(),
        q1: this.q1.params.slice(),
        q2: this.q2.params.slice(),
        q1Target: this.q1Target.params.slice(),
        q2Target: this.q2Target.params.slice(),
        logAlpha: this.logAlpha.slice(),
        "actorAdam.m": a.m,
        "actorAdam.v": a.v,
        "qAdam.m": q.m,
        "qAdam.v": q.v,
        "alphaAdam.m": al.m,
        "alphaAdam.v": al.v,
        ...Object.fromEntries(Object.entries(buf.arrays).map(([key, v]) => [`replay.${key}`, v])),
        ...(mix ? { mixPerm: mix.perm } : {}),
      },
    };
  }

  loadState(state: AlgoState): void {
    const json = state.json as { envSteps: number; updates: number; rng: number[]; adamT: { actor: number; q: number; alpha: number }; buffer: unknown; mix?: { epoch: number; cursor: number } | null };
    const a = state.arrays as Record<string, Float32Array>;
    const nets: [Network, string][] = [[this.actor, "actor"], [this.q1, "q1"], [this.q2, "q2"], [this.q1Target, "q1Target"], [this.q2Target, "q2Target"]];
    for (const [net, key] of nets) {
      const saved = a[key];
      if (!saved || saved.length !== net.params.length) {
        throw new RangeError(`SAC checkpoint: ${key} holds ${saved?.length ?? 0} parameters, this network has ${net.params.length}: was it saved with another policy architecture?`);
      }
      net.params.set(saved);
      net.paramsChanged();
    }
    this.logAlpha.set(a.logAlpha!);
    this.actorOpt.load({ t: json.adamT.actor, m: a["actorAdam.m"]!, v: a["actorAdam.v"]! });
    this.qOpt.load({ t: json.adamT.q, m: a["qAdam.m"]!, v: a["qAdam.v"]! });
    this.alphaOpt.load({ t: json.adamT.alpha, m: a["alphaAdam.m"]!, v: a["alphaAdam.v"]! });
    this.buffer.loadState({ json: json.buffer, arrays: replayArrays(state.arrays) });
    this.mix?.loadState(json.mix, state.arrays.mixPerm as Int32Array | undefined);
    this.envSteps = json.envSteps;
    this.updates = json.updates;
    this.rng.restore(json.rng);
  }

  dispose(): void {
    for (const net of [this.actor, this.q1, this.q2, this.q1Target, this.q2Target]) net.dispose();
  }
}
