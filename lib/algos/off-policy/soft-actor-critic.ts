import { actionScaling, actorOutputBackward, splitActorOutput, tanhGaussianBackward, tanhGaussianMode, tanhGaussianSample } from "../../dist/tanh-gaussian.js";
import { twinCriticValues } from "../q-values.js";
import type { BoxSpace } from "../../envs/space.js";
import { alphaLoss, sacActorLoss, softQTargets, twinQLoss } from "../../losses/sac.js";
import { makeMlp } from "../../nn/mlp.js";
import type { Network } from "../../nn/network.js";
import { netGroup } from "../../policy/actor-critic.js";
import { gradsFinite, vectorGroup, zeroGrads, type ParamGroup } from "../../policy/param-set.js";
import type { MlpPolicySpec } from "../../policy/spec.js";
import type { Rng } from "../../random/rng.js";
import { updateTargetNetwork } from "./off-policy.js";
import { GroupAdam } from "../optimizer.js";

/** The hyperparameters the soft actor-critic core reads (a subset of `SacConfig`). */
export interface SoftActorCriticConfig {
  readonly gamma: number;
  readonly tau: number;
  readonly policyLr: number;
  readonly qLr: number;
  readonly alpha: number;
  readonly autotune: boolean;
  readonly targetEntropy: number | "auto";
  readonly logStd: { readonly min: number; readonly max: number };
  readonly adamEps: number;
}

/** A minibatch of transitions as the critics take it (s, a, r, terminated, s′). */
export interface SacTransitions {
  readonly obs: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  /** 1 where s′ is terminal (no bootstrap). */
  readonly terminated: ArrayLike<number>;
  readonly nextObs: Float32Array;
}

/** Scratch arrays of one batch size. */
export class SacScratch {
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

/** Writes rows [a_b, c_b] (widths `aw`, `cw`) into `out`. */
export function concatRows(a: Float32Array, aw: number, c: Float32Array, cw: number, batch: number, out: Float32Array): Float32Array {
  const w = aw + cw;
  for (let b = 0; b < batch; b++) {
    out.set(a.subarray(b * aw, b * aw + aw), b * w);
    out.set(c.subarray(b * cw, b * cw + cw), b * w + aw);
  }
  return out;
}

/**
 * The networks and gradient steps of soft actor-critic (see `sac.ts` for the
 * method): a tanh-squashed Gaussian actor, twin critics with target copies,
 * and log α. Online SAC feeds it replay minibatches; offline CQL feeds it
 * dataset minibatches and adds its penalty to the critics' gradients
 * between `criticBackward` and `criticStep`.
 */
export class SoftActorCritic {
  readonly actor: Network;
  readonly q1: Network;
  readonly q2: Network;
  readonly q1Target: Network;
  readonly q2Target: Network;
  /** log α (one float32, trained by Adam when autotuning). */
  readonly logAlpha: Float32Array;
  readonly targetEntropy: number;
  readonly actorGroups: ParamGroup[];
  readonly qGroups: ParamGroup[];
  readonly alphaGroups: ParamGroup[];
  readonly actorOpt: GroupAdam;
  readonly qOpt: GroupAdam;
  readonly alphaOpt: GroupAdam;
  /** Per-dimension half-width and center of the action box. */
  readonly scale: Float32Array;
  readonly bias: Float32Array;
  readonly d: number;
  private readonly o: number;
  private readonly s: SacScratch;
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
    readonly config: SoftActorCriticConfig,
    obsSize: number,
    space: BoxSpace,
    spec: MlpPolicySpec,
    private readonly rng: Rng,
    /** Rows of the largest minibatch the gradient steps take. */
    readonly batchSize: number,
  ) {
    const o = (this.o = obsSize);
    const d = (this.d = space.low.length);
    ({ scale: this.scale, bias: this.bias } = actionScaling(space.low, space.high));
    const net = (sizes: number[]) => makeMlp(sizes, { activation: spec.activation, rng, init: "torch-default" });
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
    const b = batchSize;
    this.s = new SacScratch(b, d);
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

  /** Parameters and optimizers that one update changes (for update snapshots). */
  get allGroups(): ParamGroup[] {
    return [...this.actorGroups, ...this.qGroups, ...this.alphaGroups];
  }

  /** Samples a ~ π(·|s) for `batch` rows into `out` (raw actor outputs from `raw`). */
  sample(raw: Float32Array, batch: number, out: SacScratch): void {
    const { d, config: c } = this;
    splitActorOutput(raw, batch, d, out.mean, out.logStd, c.logStd.min, c.logStd.max);
    const eps = out.eps;
    for (let i = 0; i < batch * d; i++) eps[i] = this.rng.normal();
    tanhGaussianSample(out.mean, out.logStd, eps, batch, d, this.scale, this.bias, out.actions, out.logp);
  }

  /** min(Q1, Q2) of given (env-scale) actions. */
  qValues(obs: Float32Array, actions: Float32Array, batch: number): Float32Array {
    return twinCriticValues(this.q1, this.q2, obs, this.o, actions, this.d, batch);
  }

  /** The squashed mean action for `batch` observations. */
  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    const raw = this.actor.predict(obs, batch);
    const mean = new Float32Array(batch * this.d);
    const logStd = new Float32Array(batch * this.d);
    splitActorOutput(raw, batch, this.d, mean, logStd, this.config.logStd.min, this.config.logStd.max);
    tanhGaussianMode(mean, batch, this.d, this.scale, this.bias, actions);
  }

  /**
   * Zeroes the critics' gradients and adds those of the soft TD loss on `tr`
   * (y = r + γ(1 − term)(min Q′(s′, a′) − α log π(a′|s′)), a′ ~ π(·|s′));
   * `dataGrad` (if any) is added to ∂L/∂Q_k(s, a) of every row first.
   * The optimizer step is the caller's (`criticStep`).
   */
  criticBackward(tr: SacTransitions, b: number, dataGrad = 0): { qLoss: number; qValue: number } {
    const { o, d, s } = this;
    this.sample(this.actor.predict(tr.nextObs, b), b, s);
    concatRows(tr.nextObs, o, s.actions, d, b, this.criticIn);
    this.q1Next.set(this.q1Target.predict(this.criticIn, b).subarray(0, b));
    const q2Next = this.q2Target.predict(this.criticIn, b);
    const targets = this.targets.subarray(0, b);
    softQTargets({ rewards: tr.rewards, terminated: tr.terminated, q1Next: this.q1Next, q2Next, nextLogp: s.logp, alpha: this.alpha, gamma: this.config.gamma }, targets);
    concatRows(tr.obs, o, tr.actions, d, b, this.criticIn);
    const q1 = this.q1.forward(this.criticIn, b);
    const q2 = this.q2.forward(this.criticIn, b);
    const ql = twinQLoss(q1, q2, targets, this.dQ1, this.dQ2);
    if (dataGrad !== 0) {
      for (let r = 0; r < b; r++) {
        this.dQ1[r] = this.dQ1[r]! + dataGrad;
        this.dQ2[r] = this.dQ2[r]! + dataGrad;
      }
    }
    zeroGrads(this.qGroups);
    this.q1.backward(this.dQ1.subarray(0, b));
    this.q2.backward(this.dQ2.subarray(0, b));
    return { qLoss: ql.q1Loss + ql.q2Loss, qValue: (ql.q1Mean + ql.q2Mean) / 2 };
  }

  /** Adam step of the critics, or `onDiverged` when their gradients are not finite. */
  criticStep(loss: number, onDiverged: (loss: number) => never): void {
    if (!Number.isFinite(loss) || !gradsFinite(this.qGroups)) onDiverged(loss);
    this.qOpt.step({ lr: this.config.qLr, eps: this.config.adamEps });
  }

  /**
   * One actor step (min mean(α log π(a|s) − min Q(s, a)) over reparameterized
   * a), then, when autotuning, one α step on a fresh sample of the updated actor.
   */
  actorAndAlphaStep(obs: Float32Array, b: number, onDiverged: (loss: number) => never): { actorLoss: number; entropy: number; alphaLoss?: number } {
    const { o, d, s, config: c } = this;
    const raw = this.actor.forward(obs, b);
    this.sample(raw, b, s);
    concatRows(obs, o, s.actions, d, b, this.criticIn);
    const q1pi = this.q1.forward(this.criticIn, b);
    const q2pi = this.q2.forward(this.criticIn, b);
    const actorLoss = sacActorLoss(s.logp.subarray(0, b), q1pi, q2pi, this.alpha, this.dLogp, this.dQ1, this.dQ2);
    this.q1.backward(this.dQ1.subarray(0, b), this.dIn1);
    this.q2.backward(this.dQ2.subarray(0, b), this.dIn2);
    for (let r = 0; r < b; r++) for (let j = 0; j < d; j++) this.dAction[r * d + j] = this.dIn1[r * (o + d) + o + j]! + this.dIn2[r * (o + d) + o + j]!;
    tanhGaussianBackward(s.mean, s.logStd, s.eps, b, d, this.scale, this.dLogp, this.dAction, this.dMean, this.dLogStd);
    actorOutputBackward(raw, b, d, this.dMean, this.dLogStd, this.dRaw, c.logStd.min, c.logStd.max);
    zeroGrads(this.actorGroups);
    this.actor.backward(this.dRaw.subarray(0, b * 2 * d));
    if (!Number.isFinite(actorLoss) || !gradsFinite(this.actorGroups)) onDiverged(actorLoss);
    this.actorOpt.step({ lr: c.policyLr, eps: c.adamEps });
    let sumLogp = 0;
    for (let r = 0; r < b; r++) sumLogp += s.logp[r]!;
    const out: { actorLoss: number; entropy: number; alphaLoss?: number } = { actorLoss, entropy: -sumLogp / b };
    if (c.autotune) {
      // α: min over log α of mean(−α (log π(a|s) + H̄)), with a fresh sample of the updated actor.
      this.sample(this.actor.predict(obs, b), b, s);
      const al = alphaLoss(this.logAlpha[0]!, s.logp.subarray(0, b), this.targetEntropy);
      this.alphaGroups[0]!.grads[0] = al.grad;
      if (!Number.isFinite(al.loss)) onDiverged(al.loss);
      this.alphaOpt.step({ lr: c.qLr, eps: c.adamEps });
      out.alphaLoss = al.loss;
    }
    return out;
  }

  /** θ′ ← τθ + (1 − τ)θ′ for both critics. */
  updateTargets(tau = this.config.tau): void {
    updateTargetNetwork(this.q1Target, this.q1, tau);
    updateTargetNetwork(this.q2Target, this.q2, tau);
  }

  /** Networks, α and optimizer moments for checkpoints; `adamT` holds the optimizers' step counters. */
  saveState(): { adamT: { actor: number; q: number; alpha: number }; arrays: Record<string, Float32Array> } {
    const a = this.actorOpt.save();
    const q = this.qOpt.save();
    const al = this.alphaOpt.save();
    return {
      adamT: { actor: a.t, q: q.t, alpha: al.t },
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
      },
    };
  }

  loadState(adamT: { actor: number; q: number; alpha: number }, arrays: Record<string, unknown>, algo: string): void {
    const a = arrays as Record<string, Float32Array>;
    const nets: [Network, string][] = [[this.actor, "actor"], [this.q1, "q1"], [this.q2, "q2"], [this.q1Target, "q1Target"], [this.q2Target, "q2Target"]];
    for (const [net, key] of nets) {
      const saved = a[key];
      if (!saved || saved.length !== net.params.length) {
        throw new RangeError(`${algo} checkpoint: ${key} holds ${saved?.length ?? 0} parameters, this network has ${net.params.length}: was it saved with another policy architecture?`);
      }
      net.params.set(saved);
      net.paramsChanged();
    }
    this.logAlpha.set(a.logAlpha!);
    this.actorOpt.load({ t: adamT.actor, m: a["actorAdam.m"]!, v: a["actorAdam.v"]! });
    this.qOpt.load({ t: adamT.q, m: a["qAdam.m"]!, v: a["qAdam.v"]! });
    this.alphaOpt.load({ t: adamT.alpha, m: a["alphaAdam.m"]!, v: a["alphaAdam.v"]! });
  }

  dispose(): void {
    for (const net of [this.actor, this.q1, this.q2, this.q1Target, this.q2Target]) net.dispose();
  }
}
