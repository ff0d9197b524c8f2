import { problemLine, problemText, type Problem } from "../../config/problem.js";
import { categoricalBackward, categoricalStats, type CategoricalStats } from "../../dist/categorical.js";
import type { Dataset } from "../../data/dataset.js";
import type { Sampler } from "../../data/sampler.js";
import type { VecEnv } from "../../envs/vec-env.js";
import { awrWeights, expectileLoss } from "../../losses/offline-q.js";
import { qRegressionLoss } from "../../losses/td.js";
import { makeMlp } from "../../nn/mlp.js";
import type { Network } from "../../nn/network.js";
import { netGroup } from "../../policy/actor-critic.js";
import { gatherQValues } from "../q-values.js";
import { clipGlobalGradNorm, zeroGrads, type ParamGroup } from "../../policy/param-set.js";
import type { PolicySpec } from "../../policy/spec.js";
import type { Rng } from "../../random/rng.js";
import { MetricsWindow } from "../metrics-window.js";
import type { AlgoContext, AlgoInstance, AlgoSpec, AlgoState, UpdateMetrics } from "../algorithm.js";
import { argmaxInto, offlineQProblems } from "./cql.js";
import { newTransitions, readTransitions, type Transitions } from "./dataset-transitions.js";
import { TrainingDivergedError } from "../errors.js";
import { ContinuousIqlInstance } from "./iql-continuous.js";
import { updateTargetNetwork } from "../off-policy/off-policy.js";
import { GroupAdam } from "../optimizer.js";
import { loadOfflineState, saveOfflineState, type OfflineLearnerParts } from "./offline-state.js";
import { int, num, numOrNull, schema, type ConfigOf } from "../../config/fields.js";

/**
 * Implicit Q-learning (Kostrikov et al. 2021), never querying Q at actions
 * outside the dataset. Discrete actions:
 *
 *   V:  expectile regression L₂^τ(Q_target(s, a) − V(s))
 *   Q:  (Q(s, a) − (r + γ (1 − term) V(s')))²
 *   π:  advantage-weighted regression, −min(exp(β (Q_target(s, a) − V(s))), maxWeight) · log π(a|s)
 *
 * Q, V and π are MLPs with the widths and activation of the run's
 * `rl.mlp(...)`; each gets its own Adam step on the same minibatch per
 * update, and the target Q follows θ' ← τθ + (1 − τ)θ' after every update.
 * Evaluation is greedy in π. Continuous actions: twin critics and a Gaussian
 * policy (see `iql-continuous.ts`).
 */
/** The options, each declared once (default, doc, constraint). */
export const IQL_OPTIONS = schema({
  lr: num(3e-4, "Adam learning rate (all three networks)", { min: 0, exclusiveMin: true }),
  batchSize: int(256, "dataset rows per gradient step", { min: 1, unit: "rows" }),
  gamma: num(0.99, "discount γ", { min: 0, max: 1 }),
  expectile: num(0.7, "expectile of the value regression (0.5: the mean, → 1: the max over dataset actions); below 1", { min: 0, max: 1, exclusiveMin: true }),
  beta: num(3, "inverse temperature β of the advantage weights", { min: 0 }),
  maxWeight: num(100, "upper clip of the advantage weights", { min: 0, exclusiveMin: true }),
  tau: num(0.005, "target-Q Polyak rate, applied every update", { min: 0, max: 1, exclusiveMin: true }),
  maxGradNorm: numOrNull(10, "per-network gradient-norm clip (null: none)", { min: 0, exclusiveMin: true }),
  adamEps: num(1e-8, "Adam ε", { min: 0, exclusiveMin: true }),
  logEvery: int(100, "updates per metrics row", { min: 1, unit: "updates" }),
});

export type IqlConfig = ConfigOf<typeof IQL_OPTIONS.fields>;

export const IQL_DEFAULTS: IqlConfig = IQL_OPTIONS.defaults;

export type IqlOptions = Partial<IqlConfig>;

/** Every problem with a config, each with its path. */
export function checkIqlConfig(c: IqlConfig, path = "algo"): Problem[] {
  const p = IQL_OPTIONS.problems(c, path);
  if (typeof c.expectile === "number" && c.expectile === 1) p.push(problemLine("out-of-range", `${path}.expectile: expected a number < 1, got ${c.expectile}`));
  return p;
}

/** `rl.iql({...})`: IQL from the dataset of `rl.offline(dataset)`, discrete or continuous actions. */
export function iql(options: IqlOptions = {}): AlgoSpec<IqlConfig> {
  const config = IQL_OPTIONS.merge(options) as IqlConfig;
  return {
    name: "iql",
    config,
    offline: true,
    progressMetric: { key: "qLoss", label: "IQL TD loss of Q" },
    check(env: VecEnv, policy: PolicySpec, dataset?: Dataset) {
      const what = env.actionSpace.kind === "discrete" ? "its Q-, value and policy networks" : "two critics, a value and a policy network";
      return [...checkIqlConfig(config), ...offlineQProblems("iql", env, policy, config.batchSize, dataset, what, ["gaussian"])];
    },
    create: (ctx: AlgoContext) => (ctx.env.actionSpace.kind === "discrete" ? new IqlInstance(config, ctx) : new ContinuousIqlInstance(config, ctx)),
  };
}

/** A running discrete-action IQL; see {@link iql}. */
export class IqlInstance implements AlgoInstance {
  readonly name = "iql";
  readonly envSteps = 0;
  updates = 0;
  readonly q: Network;
  readonly target: Network;
  readonly v: Network;
  readonly actor: Network;
  readonly numActions: number;
  readonly groups: readonly ParamGroup[];
  private readonly obsSize: number;
  private readonly rng: Rng;
  private readonly opts: GroupAdam[];
  private readonly sampler: Sampler;
  private readonly tr: Transitions;
  private readonly qTa: Float32Array;
  private readonly vNext: Float32Array;
  private readonly vNow: Float32Array;
  private readonly targets: Float32Array;
  private readonly dQ: Float32Array;
  private readonly dV: Float32Array;
  private readonly weights: Float32Array;
  private readonly dLogp: Float32Array;
  private readonly dLogits: Float32Array;
  private readonly greedy: Int32Array;
  private stats: CategoricalStats | undefined;
  private readonly window = new MetricsWindow();

  constructor(
    readonly config: IqlConfig,
    ctx: AlgoContext,
  ) {
    const { env, policy } = ctx;
    if (!ctx.dataset) throw new Error("iql needs a dataset: build with rl.offline(dataset)");
    const problems = offlineQProblems("iql", env, policy, config.batchSize, ctx.dataset, "its Q-, value and policy networks");
    if (problems.length) throw new Error(problems.map(problemText).join("; "));
    const spec = policy as Extract<PolicySpec, { kind: "mlp" }>;
    this.rng = ctx.rng;
    this.obsSize = env.obsSize;
    const k = (this.numActions = (env.actionSpace as { n: number }).n);
    const widths = [env.obsSize, ...spec.hidden];
    this.q = makeMlp([...widths, k], { activation: spec.activation, rng: ctx.rng, init: "torch-default" });
    this.target = this.q.clone();
    this.v = makeMlp([...widths, 1], { activation: spec.activation, rng: ctx.rng, init: "torch-default" });
    this.actor = makeMlp([...widths, k], { activation: spec.activation, rng: ctx.rng, lastGain: 0.01 });
    this.groups = [netGroup("q", this.q), netGroup("v", this.v), netGroup("actor", this.actor)];
    this.opts = this.groups.map((g) => new GroupAdam([g]));
    this.sampler = ctx.dataset.sampler({ batchSize: config.batchSize, rng: ctx.rng, columns: ["obs", "action", "reward", "terminated", "next_obs"] });
    const B = config.batchSize;
    this.tr = newTransitions(B, env.obsSize);
    this.qTa = new Float32Array(B);
    this.vNext = new Float32Array(B);
    this.vNow = new Float32Array(B);
    this.targets = new Float32Array(B);
    this.dQ = new Float32Array(B * k);
    this.dV = new Float32Array(B);
    this.weights = new Float32Array(B);
    this.dLogp = new Float32Array(B);
    this.dLogits = new Float32Array(B * k);
    this.greedy = new Int32Array(B);
  }

  step(): UpdateMetrics | null {
    const c = this.config;
    const B = c.batchSize;
    const k = this.numActions;
    const before = { rng: this.rng.state(), sampler: this.sampler.saveState() };
    const tr = readTransitions(this.sampler.next(), this.obsSize, this.tr);
    // Constants of the three losses, from the networks before this update.
    const qT = this.target.predict(tr.obs, B);
    for (let b = 0; b < B; b++) this.qTa[b] = qT[b * k + tr.actions[b]!]!;
    this.vNext.set(this.v.predict(tr.nextObs, B).subarray(0, B));
    for (let b = 0; b < B; b++) this.targets[b] = tr.rewards[b]! + c.gamma * (1 - tr.done[b]!) * this.vNext[b]!;
    zeroGrads(this.groups);
    // V: expectile regression on the target Q of the dataset action.
    const vOut = this.v.forward(tr.obs, B);
    this.vNow.set(vOut.subarray(0, B));
    const vl = expectileLoss(this.vNow, this.qTa, c.expectile, this.dV);
    this.v.backward(this.dV);
    // Q: regression on r + γ (1 − term) V(s').
    const qOut = this.q.forward(tr.obs, B);
    const ql = qRegressionLoss(qOut, tr.actions, this.targets, k, this.dQ, "mse");
    this.q.backward(this.dQ);
    // π: advantage-weighted log-likelihood of the dataset action.
    awrWeights(this.qTa, this.vNow, c.beta, c.maxWeight, this.weights);
    const logits = this.actor.forward(tr.obs, B);
    this.stats = categoricalStats(logits, B, k, tr.actions, this.stats);
    let actorLoss = 0;
    let adv = 0;
    let wSum = 0;
    let accuracy = 0;
    argmaxInto(logits, B, k, this.greedy);
    for (let b = 0; b < B; b++) {
      actorLoss -= this.weights[b]! * this.stats.logp[b]!;
      this.dLogp[b] = -this.weights[b]! / B;
      adv += this.qTa[b]! - this.vNow[b]!;
      wSum += this.weights[b]!;
      if (this.greedy[b] === tr.actions[b]) accuracy++;
    }
    actorLoss /= B;
    categoricalBackward(this.stats, B, k, tr.actions, this.dLogp, 0, this.dLogits);
    this.actor.backward(this.dLogits);
    const norms = this.groups.map((g) => clipGlobalGradNorm([g], c.maxGradNorm ?? Infinity));
    if (![vl.loss, ql.loss, actorLoss, ...norms].every(Number.isFinite)) {
      this.rng.restore(before.rng);
      this.sampler.loadState(before.sampler);
      throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, ql.loss);
    }
    for (const o of this.opts) o.step({ lr: c.lr, eps: c.adamEps });
    updateTargetNetwork(this.target, this.q, c.tau);
    this.updates++;
    let vMean = 0;
    for (let b = 0; b < B; b++) vMean += this.vNow[b]!;
    this.window.add({ qLoss: ql.loss, valueLoss: vl.loss, actorLoss, qValue: ql.meanQ, value: vMean / B, advantage: adv / B, awrWeight: wSum / B, accuracy: accuracy / B });
    return this.updates % c.logEvery === 0 ? this.flushMetrics() : null;
  }

  flushMetrics(): UpdateMetrics | null {
    const means = this.window.take();
    return means && { learningRate: this.config.lr, ...means, datasetEpoch: this.sampler.epoch };
  }

  qValues(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): Float32Array {
    return gatherQValues(this.q.predict(obs, batch), actions, batch, this.numActions);
  }

  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    argmaxInto(this.actor.predict(obs, batch), batch, this.numActions, actions);
  }

  saveState(): AlgoState {
    return saveOfflineState(this.updates, this.parts());
  }

  loadState(state: AlgoState): void {
    this.updates = loadOfflineState(state, this.parts());
  }

  private parts(): OfflineLearnerParts {
    return { rng: this.rng, sampler: this.sampler, window: this.window, groups: this.groups, opts: this.opts, targets: { targetParams: this.target } };
  }

  dispose(): void {
    this.q.dispose();
    this.target.dispose();
    this.v.dispose();
    this.actor.dispose();
  }
}
