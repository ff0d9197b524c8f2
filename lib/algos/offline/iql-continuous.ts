import type { Sampler } from "../../data/sampler.js";
import { actionScaling, LOG_STD_MAX, LOG_STD_MIN } from "../../dist/tanh-gaussian.js";
import type { BoxSpace } from "../../envs/space.js";
import { boxedGaussianAwr } from "../../losses/awr-gaussian.js";
import { awrWeights, expectileLoss } from "../../losses/offline-q.js";
import { twinQLoss } from "../../losses/sac.js";
import { makeMlp } from "../../nn/mlp.js";
import type { Network } from "../../nn/network.js";
import { netGroup } from "../../policy/actor-critic.js";
import { twinCriticValues } from "../q-values.js";
import { clipGlobalGradNorm, vectorGroup, zeroGrads, type ParamGroup } from "../../policy/param-set.js";
import type { MlpPolicySpec } from "../../policy/spec.js";
import type { Rng } from "../../random/rng.js";
import type { AlgoContext, AlgoInstance, AlgoState, UpdateMetrics } from "../algorithm.js";
import { newTransitions, readTransitions, type Transitions } from "./dataset-transitions.js";
import { TrainingDivergedError } from "../errors.js";
import type { IqlConfig } from "./iql.js";
import { MetricsWindow } from "../metrics-window.js";
import { updateTargetNetwork } from "../off-policy/off-policy.js";
import { GroupAdam } from "../optimizer.js";
import { loadOfflineState, saveOfflineState, type OfflineLearnerParts } from "./offline-state.js";
import { concatRows } from "../off-policy/soft-actor-critic.js";

/**
 * IQL for continuous actions (a box with finite bounds), as in the paper's
 * locomotion experiments:
 *
 *   V:  expectile regression L₂^τ(min_k Q′_k(s, a) − V(s))
 *   Q:  each of two critics regresses (Q_k(s, a) − (r + γ (1 − term) V(s′)))²
 *   π:  −min(exp(β (min_k Q′_k(s, a) − V(s))), maxWeight) · log π(a|s)
 *
 * π is a Gaussian whose mean is the tanh-squashed actor output scaled to the
 * box and whose log σ is a learned state-independent vector (see
 * `boxedGaussianAwr`); evaluation takes the mean. Q is only ever queried at
 * dataset actions. Each of the three parts takes its own Adam step on the same
 * minibatch per update; the target critics follow θ′ ← τθ + (1 − τ)θ′.
 */
export class ContinuousIqlInstance implements AlgoInstance {
  readonly name = "iql";
  readonly envSteps = 0;
  updates = 0;
  readonly q1: Network;
  readonly q2: Network;
  readonly q1Target: Network;
  readonly q2Target: Network;
  readonly v: Network;
  readonly actor: Network;
  /** log σ of the policy, in units of the box's half-width per dimension. */
  readonly logStd: Float32Array;
  readonly groups: readonly ParamGroup[];
  /** Q (both critics), V and the policy (network and log σ): one Adam each. */
  private readonly sections: readonly (readonly ParamGroup[])[];
  private readonly opts: GroupAdam[];
  private readonly rng: Rng;
  private readonly sampler: Sampler;
  private readonly o: number;
  private readonly d: number;
  private readonly scale: Float32Array;
  private readonly bias: Float32Array;
  private readonly tr: Transitions<Float32Array>;
  private readonly criticIn: Float32Array;
  private readonly qTa: Float32Array;
  private readonly vNow: Float32Array;
  private readonly targets: Float32Array;
  private readonly dQ1: Float32Array;
  private readonly dQ2: Float32Array;
  private readonly dV: Float32Array;
  private readonly weights: Float32Array;
  private readonly dRaw: Float32Array;
  private readonly window = new MetricsWindow();

  constructor(
    readonly config: IqlConfig,
    ctx: AlgoContext,
  ) {
    const { env } = ctx;
    if (!ctx.dataset) throw new Error("iql needs a dataset: build with rl.offline(dataset)");
    const spec = ctx.policy as MlpPolicySpec;
    const space = env.actionSpace as BoxSpace;
    this.rng = ctx.rng;
    const o = (this.o = env.obsSize);
    const d = (this.d = env.actionSize);
    ({ scale: this.scale, bias: this.bias } = actionScaling(space.low, space.high));
    const net = (sizes: number[]) => makeMlp(sizes, { activation: spec.activation, rng: ctx.rng, init: "torch-default" });
    this.q1 = net([o + d, ...spec.hidden, 1]);
    this.q2 = net([o + d, ...spec.hidden, 1]);
    this.q1Target = this.q1.clone();
    this.q2Target = this.q2.clone();
    this.v = net([o, ...spec.hidden, 1]);
    this.actor = makeMlp([o, ...spec.hidden, d], { activation: spec.activation, rng: ctx.rng, lastGain: 0.01 });
    this.logStd = new Float32Array(d).fill(spec.logStdInit);
    const q = [netGroup("q1", this.q1), netGroup("q2", this.q2)];
    const v = [netGroup("v", this.v)];
    const actor = [netGroup("actor", this.actor), vectorGroup("logStd", this.logStd)];
    this.sections = [q, v, actor];
    this.groups = this.sections.flat();
    this.opts = this.sections.map((g) => new GroupAdam(g));
    const B = config.batchSize;
    this.sampler = ctx.dataset.sampler({ batchSize: B, rng: ctx.rng, columns: ["obs", "action", "reward", "terminated", "next_obs"] });
    this.tr = newTransitions<Float32Array>(B, o);
    this.criticIn = new Float32Array(B * (o + d));
    this.qTa = new Float32Array(B);
    this.vNow = new Float32Array(B);
    this.targets = new Float32Array(B);
    this.dQ1 = new Float32Array(B);
    this.dQ2 = new Float32Array(B);
    this.dV = new Float32Array(B);
    this.weights = new Float32Array(B);
    this.dRaw = new Float32Array(B * d);
  }

  step(): UpdateMetrics | null {
    const c = this.config;
    const B = c.batchSize;
    const before = { rng: this.rng.state(), sampler: this.sampler.saveState() };
    const tr = readTransitions(this.sampler.next(), this.o, this.tr);
    // Constants of the three losses, from the networks before this update.
    concatRows(tr.obs, this.o, tr.actions, this.d, B, this.criticIn);
    const q1T = this.q1Target.predict(this.criticIn, B);
    for (let b = 0; b < B; b++) this.qTa[b] = q1T[b]!;
    const q2T = this.q2Target.predict(this.criticIn, B);
    for (let b = 0; b < B; b++) this.qTa[b] = Math.min(this.qTa[b]!, q2T[b]!);
    const vNext = this.v.predict(tr.nextObs, B);
    for (let b = 0; b < B; b++) this.targets[b] = tr.rewards[b]! + c.gamma * (1 - tr.done[b]!) * vNext[b]!;
    zeroGrads(this.groups);
    // V: expectile regression on the smaller target Q of the dataset action.
    this.vNow.set(this.v.forward(tr.obs, B).subarray(0, B));
    const vl = expectileLoss(this.vNow, this.qTa, c.expectile, this.dV);
    this.v.backward(this.dV);
    // Q: both critics regress r + γ (1 − term) V(s′).
    const ql = twinQLoss(this.q1.forward(this.criticIn, B), this.q2.forward(this.criticIn, B), this.targets, this.dQ1, this.dQ2);
    this.q1.backward(this.dQ1);
    this.q2.backward(this.dQ2);
    // π: advantage-weighted log-likelihood of the dataset action.
    awrWeights(this.qTa, this.vNow, c.beta, c.maxWeight, this.weights);
    const raw = this.actor.forward(tr.obs, B);
    const pi = boxedGaussianAwr(raw, this.logStd, tr.actions, this.weights, B, this.scale, this.bias, { min: LOG_STD_MIN, max: LOG_STD_MAX }, this.dRaw, this.sections[2]![1]!.grads);
    this.actor.backward(this.dRaw);
    const norms = this.sections.map((g) => clipGlobalGradNorm(g, c.maxGradNorm ?? Infinity));
    if (![vl.loss, ql.q1Loss, ql.q2Loss, pi.loss, ...norms].every(Number.isFinite)) {
      this.rng.restore(before.rng);
      this.sampler.loadState(before.sampler);
      throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, (ql.q1Loss + ql.q2Loss) / 2);
    }
    for (const o of this.opts) o.step({ lr: c.lr, eps: c.adamEps });
    updateTargetNetwork(this.q1Target, this.q1, c.tau);
    updateTargetNetwork(this.q2Target, this.q2, c.tau);
    this.updates++;
    let vMean = 0;
    let adv = 0;
    let wSum = 0;
    for (let b = 0; b < B; b++) {
      vMean += this.vNow[b]!;
      adv += this.qTa[b]! - this.vNow[b]!;
      wSum += this.weights[b]!;
    }
    let logStdMean = 0;
    for (let j = 0; j < this.d; j++) logStdMean += this.logStd[j]!;
    this.window.add({
      qLoss: (ql.q1Loss + ql.q2Loss) / 2,
      valueLoss: vl.loss,
      actorLoss: pi.loss,
      qValue: (ql.q1Mean + ql.q2Mean) / 2,
      value: vMean / B,
      advantage: adv / B,
      awrWeight: wSum / B,
      actionMse: pi.actionMse,
      logStd: logStdMean / this.d,
    });
    return this.updates % c.logEvery === 0 ? this.flushMetrics() : null;
  }

  flushMetrics(): UpdateMetrics | null {
    const means = this.window.take();
    return means && { learningRate: this.config.lr, ...means, datasetEpoch: this.sampler.epoch };
  }

  /** The policy mean, inside the box. */
  qValues(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): Float32Array {
    return twinCriticValues(this.q1, this.q2, obs, this.o, actions as Float32Array, this.d, batch);
  }

  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    const raw = this.actor.predict(obs, batch);
    const d = this.d;
    for (let i = 0; i < batch * d; i++) actions[i] = this.bias[i % d]! + this.scale[i % d]! * Math.tanh(raw[i]!);
  }

  saveState(): AlgoState {
    return saveOfflineState(this.updates, this.parts());
  }

  loadState(state: AlgoState): void {
    this.updates = loadOfflineState(state, this.parts());
  }

  private parts(): OfflineLearnerParts {
    return { rng: this.rng, sampler: this.sampler, window: this.window, groups: this.groups, opts: this.opts, targets: { q1Target: this.q1Target, q2Target: this.q2Target } };
  }

  dispose(): void {
    for (const net of [this.q1, this.q2, this.q1Target, this.q2Target, this.v, this.actor]) net.dispose();
  }
}
