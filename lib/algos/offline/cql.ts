import { problemLine, problemText, type Problem } from "../../config/problem.js";
import { gatherQValues } from "../q-values.js";
import type { Dataset } from "../../data/dataset.js";
import type { Sampler } from "../../data/sampler.js";
import { newTransitions, readTransitions, type Transitions } from "./dataset-transitions.js";
import { describeSpace } from "../../envs/space.js";
import type { VecEnv } from "../../envs/vec-env.js";
import { cqlPenalty } from "../../losses/offline-q.js";
import { qRegressionLoss, tdTargets, type QLossKind } from "../../losses/td.js";
import { makeMlp } from "../../nn/mlp.js";
import type { Network } from "../../nn/network.js";
import { netGroup } from "../../policy/actor-critic.js";
import { clipGlobalGradNorm, zeroGrads, type ParamGroup } from "../../policy/param-set.js";
import { checkPolicySpec, type PolicySpec } from "../../policy/spec.js";
import type { Rng } from "../../random/rng.js";
import { MetricsWindow } from "../metrics-window.js";
import type { AlgoContext, AlgoInstance, AlgoSpec, AlgoState, UpdateMetrics } from "../algorithm.js";
import { datasetProblems } from "./dataset-checks.js";
import { TrainingDivergedError } from "../errors.js";
import { checkOffPolicyPolicy, updateTargetNetwork } from "../off-policy/off-policy.js";
import { ContinuousCqlInstance } from "./cql-continuous.js";
import { sacActionSpaceProblem } from "../off-policy/sac.js";
import { flattenParams, GroupAdam, unflattenParams } from "../optimizer.js";
import { bool, int, num, numOrNull, oneOf, schema, type ConfigOf } from "../../config/fields.js";

/**
 * Conservative Q-learning, CQL(H) of Kumar et al. 2020: TD regression on
 * dataset transitions plus α · (logsumexp_a Q(s, a) − Q(s, a_data)), which
 * pushes down the values of actions the dataset does not take. One update =
 * one shuffled minibatch; the target network(s) get θ' ← τθ + (1 − τ)θ'
 * every `targetNetworkFrequency` updates. The env is never stepped (it
 * serves `run.evaluate()` only).
 * - Discrete actions: (double) DQN with the exact logsumexp over actions;
 *   evaluation is greedy in Q.
 * - Continuous actions (a box with finite bounds): CQL-SAC, soft actor-critic
 *   whose twin critics each carry the penalty with the logsumexp estimated
 *   from `sampledActions` actions per state from each of uniform, π(·|s) and
 *   π(·|s′) (see `sampledLogsumexp`); α of the entropy is autotuned toward
 *   −|A|; evaluation takes the squashed mean action.
 */
/** The options, each declared once (default, doc, constraint). */
export const CQL_OPTIONS = schema({
  lr: num(3e-4, "Adam learning rate (of the critics, for continuous actions)", { min: 0, exclusiveMin: true }),
  policyLr: num(1e-4, "continuous actions: Adam learning rate of the actor (and of the entropy temperature)", { min: 0, exclusiveMin: true }),
  sampledActions: int(10, "continuous actions: actions drawn per state from each proposal (uniform, π(·|s), π(·|s′)) to estimate the logsumexp", { min: 1 }),
  batchSize: int(256, "dataset rows per gradient step", { min: 1, unit: "rows" }),
  gamma: num(0.99, "discount γ", { min: 0, max: 1 }),
  alpha: num(1, "weight α of the conservative penalty (0: plain offline DQN)", { min: 0 }),
  tau: num(1, "target-network Polyak rate (1: hard copy)", { min: 0, max: 1, exclusiveMin: true }),
  targetNetworkFrequency: int(200, "updates between target-network updates", { min: 1, unit: "updates" }),
  doubleQ: bool(true, "discrete actions: double Q-learning target (the online network picks argmax_a Q(s′, a)); continuous actions take the twin critics' minimum"),
  loss: oneOf<QLossKind>("huber", ["mse", "huber"], "discrete actions: TD regression loss, \"mse\" or \"huber\" (smooth L1 with δ = huberDelta); continuous actions use the mse"),
  huberDelta: num(1, "δ of the Huber loss", { min: 0, exclusiveMin: true }),
  maxGradNorm: numOrNull(10, "discrete actions: global gradient-norm clip (null: none)", { min: 0, exclusiveMin: true }),
  adamEps: num(1e-8, "Adam ε", { min: 0, exclusiveMin: true }),
  logEvery: int(100, "updates per metrics row (each row averages them)", { min: 1, unit: "updates" }),
});

export type CqlConfig = ConfigOf<typeof CQL_OPTIONS.fields>;

export const CQL_DEFAULTS: CqlConfig = CQL_OPTIONS.defaults;

export type CqlOptions = Partial<CqlConfig>;

/** Every problem with a config, each with its path. */
export function checkCqlConfig(c: CqlConfig, path = "algo"): Problem[] {
  const p = CQL_OPTIONS.problems(c, path);
  return p;
}

/**
 * Problems shared by the offline Q-learning methods (CQL, IQL): an MLP, a
 * dataset of transitions, and discrete actions or, with `boxHeads` (the policy
 * heads the method's continuous variant accepts), a box with finite bounds.
 */
export function offlineQProblems(algo: string, env: VecEnv, policy: PolicySpec, batchSize: number, dataset: Dataset | undefined, what: string, boxHeads?: readonly string[]): Problem[] {
  const p: Problem[] = [];
  if (env.actionSpace.kind !== "discrete") {
    if (!boxHeads) p.push(problemLine("unsupported", `algo: ${algo} here is for discrete actions; ${env.id} has continuous actions ${describeSpace(env.actionSpace)}: use rl.cql(), rl.iql() or rl.bc() on this dataset, or train online with rl.sac()`));
    else {
      const box = sacActionSpaceProblem(env);
      if (box) p.push(problemLine("unsupported", box.replace("SAC", algo)));
    }
  }
  p.push(...checkPolicySpec(policy), ...checkOffPolicyPolicy(policy, algo, what, boxHeads && env.actionSpace.kind === "box" ? ["auto", ...boxHeads] : ["auto"]));
  if (!dataset) {
    p.push(problemLine("missing", `algo: ${algo} needs a dataset: build with rl.offline(dataset)`));
    return p;
  }
  p.push(...datasetProblems(dataset, env, { algo, transitions: true }));
  if (Number.isInteger(batchSize) && batchSize > dataset.numSteps) p.push(problemLine("incompatible", `algo.batchSize: ${batchSize} exceeds the dataset's ${dataset.numSteps} rows`));
  return p;
}

/** `rl.cql({...})`: CQL from the dataset of `rl.offline(dataset)`, discrete or continuous actions. */
export function cql(options: CqlOptions = {}): AlgoSpec<CqlConfig> {
  const config = CQL_OPTIONS.merge(options) as CqlConfig;
  return {
    name: "cql",
    config,
    offline: true,
    progressMetric: { key: "loss", label: "CQL loss (TD + α × penalty)" },
    check(env: VecEnv, policy: PolicySpec, dataset?: Dataset) {
      const what = env.actionSpace.kind === "discrete" ? "its Q-network" : "an actor and two critics";
      return [...checkCqlConfig(config), ...offlineQProblems("cql", env, policy, config.batchSize, dataset, what, ["tanh-gaussian"])];
    },
    create: (ctx: AlgoContext) => (ctx.env.actionSpace.kind === "discrete" ? new CqlInstance(config, ctx) : new ContinuousCqlInstance(config, ctx)),
  };
}

export function argmaxInto(q: Float32Array, batch: number, k: number, actions: Int32Array | Float32Array): void {
  for (let e = 0; e < batch; e++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (q[e * k + j]! > q[e * k + best]!) best = j;
    actions[e] = best;
  }
}

/** A running CQL; see {@link cql}. */
export class CqlInstance implements AlgoInstance {
  readonly name = "cql";
  readonly envSteps = 0;
  updates = 0;
  readonly q: Network;
  readonly target: Network;
  readonly numActions: number;
  readonly groups: readonly ParamGroup[];
  private readonly obsSize: number;
  private readonly rng: Rng;
  private readonly optimizer: GroupAdam;
  private readonly sampler: Sampler;
  private readonly tr: Transitions;
  private readonly targets: Float32Array;
  private readonly nextQOnline: Float32Array;
  private readonly dTd: Float32Array;
  private readonly dPen: Float32Array;
  private readonly greedy: Int32Array;
  private readonly window = new MetricsWindow();

  constructor(
    readonly config: CqlConfig,
    ctx: AlgoContext,
  ) {
    const { env, policy } = ctx;
    if (!ctx.dataset) throw new Error("cql needs a dataset: build with rl.offline(dataset)");
    const problems = offlineQProblems("cql", env, policy, config.batchSize, ctx.dataset, "its Q-network");
    if (problems.length) throw new Error(problems.map(problemText).join("; "));
    const spec = policy as Extract<PolicySpec, { kind: "mlp" }>;
    this.rng = ctx.rng;
    this.obsSize = env.obsSize;
    this.numActions = (env.actionSpace as { n: number }).n;
    this.q = makeMlp([env.obsSize, ...spec.hidden, this.numActions], { activation: spec.activation, rng: ctx.rng, init: "torch-default" });
    this.target = this.q.clone();
    this.groups = [netGroup("q", this.q)];
    this.optimizer = new GroupAdam(this.groups);
    this.sampler = ctx.dataset.sampler({ batchSize: config.batchSize, rng: ctx.rng, columns: ["obs", "action", "reward", "terminated", "next_obs"] });
    const B = config.batchSize;
    const k = this.numActions;
    this.tr = newTransitions(B, env.obsSize);
    this.targets = new Float32Array(B);
    this.nextQOnline = new Float32Array(B * k);
    this.dTd = new Float32Array(B * k);
    this.dPen = new Float32Array(B * k);
    this.greedy = new Int32Array(B);
  }

  /** One Adam step on one minibatch; metrics every `logEvery` updates. */
  step(): UpdateMetrics | null {
    const c = this.config;
    const B = c.batchSize;
    const k = this.numActions;
    const before = { rng: this.rng.state(), sampler: this.sampler.saveState() };
    const tr = readTransitions(this.sampler.next(), this.obsSize, this.tr);
    if (c.doubleQ) this.nextQOnline.set(this.q.predict(tr.nextObs, B).subarray(0, B * k));
    const nextQTarget = this.target.predict(tr.nextObs, B);
    tdTargets({ rewards: tr.rewards, terminated: tr.done, nextQTarget, nextQOnline: c.doubleQ ? this.nextQOnline : undefined, numActions: k, gamma: c.gamma }, this.targets);
    zeroGrads(this.groups);
    const qOut = this.q.forward(tr.obs, B);
    const td = qRegressionLoss(qOut, tr.actions, this.targets, k, this.dTd, c.loss, c.huberDelta);
    const pen = cqlPenalty(qOut, B, k, tr.actions, this.dPen);
    argmaxInto(qOut, B, k, this.greedy);
    let accuracy = 0;
    for (let b = 0; b < B; b++) if (this.greedy[b] === tr.actions[b]) accuracy++;
    for (let i = 0; i < B * k; i++) this.dTd[i] = this.dTd[i]! + c.alpha * this.dPen[i]!;
    this.q.backward(this.dTd);
    const loss = td.loss + c.alpha * pen.penalty;
    const gradNorm = clipGlobalGradNorm(this.groups, c.maxGradNorm ?? Infinity);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      // Nothing was changed but the draw: put it back so a retry repeats this update.
      this.rng.restore(before.rng);
      this.sampler.loadState(before.sampler);
      throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, loss);
    }
    this.optimizer.step({ lr: c.lr, eps: c.adamEps });
    this.updates++;
    if (this.updates % c.targetNetworkFrequency === 0) updateTargetNetwork(this.target, this.q, c.tau);
    this.window.add({ loss, tdLoss: td.loss, cqlLoss: pen.penalty, qValue: td.meanQ, logsumexpQ: pen.meanLogsumexp, accuracy: accuracy / B, gradNorm });
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
    argmaxInto(this.q.predict(obs, batch), batch, this.numActions, actions);
  }

  saveState(): AlgoState {
    const opt = this.optimizer.save();
    const s = this.sampler.saveState();
    return {
      json: { updates: this.updates, rng: this.rng.state(), adamT: opt.t, sampler: { epoch: s.epoch, cursor: s.cursor }, window: this.window.toJSON() },
      arrays: { params: flattenParams(this.groups), targetParams: this.target.params.slice(), adamM: opt.m, adamV: opt.v, samplerPerm: s.perm },
    };
  }

  loadState(state: AlgoState): void {
    const json = state.json as { updates: number; rng: number[]; adamT: number; sampler: { epoch: number; cursor: number }; window: ReturnType<MetricsWindow["toJSON"]> };
    const a = state.arrays;
    unflattenParams(this.groups, a.params as Float32Array);
    this.target.params.set(a.targetParams as Float32Array);
    this.target.paramsChanged();
    this.optimizer.load({ t: json.adamT, m: a.adamM as Float32Array, v: a.adamV as Float32Array });
    this.sampler.loadState({ epoch: json.sampler.epoch, cursor: json.sampler.cursor, perm: a.samplerPerm as Int32Array });
    this.rng.restore(json.rng);
    this.updates = json.updates;
    this.window.load(json.window);
  }

  dispose(): void {
    this.q.dispose();
    this.target.dispose();
  }
}
