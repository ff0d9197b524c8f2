import { problemLine, type Problem } from "../../config/problem.js";
import type { Dataset } from "../../data/dataset.js";
import type { Sampler } from "../../data/sampler.js";
import { argmaxRows, categoricalBackward, categoricalStats, sampleCategorical } from "../../dist/categorical.js";
import { gaussianBackward, gaussianStats, sampleGaussian } from "../../dist/gaussian.js";
import type { VecEnv } from "../../envs/vec-env.js";
import { makeMlp } from "../../nn/mlp.js";
import type { Network } from "../../nn/network.js";
import { actorCriticProblems, netGroup } from "../../policy/actor-critic.js";
import { clipGlobalGradNorm, vectorGroup, zeroGrads, type ParamGroup } from "../../policy/param-set.js";
import { checkPolicySpec, kernelsOnlyProblems, type PolicySpec } from "../../policy/spec.js";
import type { Rng } from "../../random/rng.js";
import { MetricsWindow } from "../metrics-window.js";
import { datasetProblems } from "./dataset-checks.js";
import type { AlgoContext, AlgoInstance, AlgoSpec, AlgoState, UpdateMetrics } from "../algorithm.js";
import { TrainingDivergedError } from "../errors.js";
import { flattenParams, GroupAdam, unflattenParams } from "../optimizer.js";
import { int, num, numOrNull, schema, type ConfigOf } from "../../config/fields.js";

/**
 * Behavior cloning: maximum likelihood of a dataset's actions under the
 * policy, log π(a|s) with a categorical head (discrete actions) or a Gaussian
 * mean with a learned state-independent log σ (boxes). One Adam step on one
 * shuffled minibatch per update; the env is never stepped (it serves
 * `run.evaluate()` only).
 */
/** The options, each declared once (default, doc, constraint). */
export const BC_OPTIONS = schema({
  lr: num(1e-3, "Adam learning rate", { min: 0, exclusiveMin: true }),
  batchSize: int(256, "dataset rows per gradient step", { min: 1, unit: "rows" }),
  logEvery: int(100, "updates per metrics row (each row averages them)", { min: 1, unit: "updates" }),
  entCoef: num(0, "entropy bonus coefficient (0: plain maximum likelihood)", { min: 0 }),
  weightDecay: num(0, "L2 penalty added to the gradient (torch Adam's weight_decay)", { min: 0 }),
  maxGradNorm: numOrNull(null, "global gradient-norm clip (null: none)", { min: 0, exclusiveMin: true }),
  adamEps: num(1e-8, "Adam ε", { min: 0, exclusiveMin: true }),
});

export type BcConfig = ConfigOf<typeof BC_OPTIONS.fields>;

export const BC_DEFAULTS: BcConfig = BC_OPTIONS.defaults;

export type BcOptions = Partial<BcConfig>;

/** Every problem with a config, each with its path. */
export function checkBcConfig(c: BcConfig, path = "algo"): Problem[] {
  const p = BC_OPTIONS.problems(c, path);
  return p;
}


/** `rl.bc({...})`: behavior cloning from the dataset of `rl.offline(dataset)`. */
export function bc(options: BcOptions = {}): AlgoSpec<BcConfig> {
  const config = BC_OPTIONS.merge(options) as BcConfig;
  return {
    name: "bc",
    config,
    offline: true,
    progressMetric: { key: "bcLoss", label: "BC loss (−log π of the dataset actions)" },
    check(env: VecEnv, policy: PolicySpec, dataset?: Dataset) {
      const p = checkBcConfig(config);
      if (policy.kind !== "mlp") p.push(problemLine("unsupported", "policy: bc trains an rl.mlp(...) policy; tfjs models are not supported yet"));
      else p.push(...checkPolicySpec(policy), ...actorCriticProblems(policy, env.obsSize, env.actionSpace));
      p.push(...kernelsOnlyProblems(policy, "bc", "its network"));
      if (!dataset) {
        p.push(problemLine("missing", "algo: bc needs a dataset: build with rl.offline(dataset)"));
        return p;
      }
      p.push(...datasetProblems(dataset, env, { algo: "bc" }));
      if (Number.isInteger(config.batchSize) && config.batchSize > dataset.numSteps) {
        p.push(problemLine("incompatible", `algo.batchSize: ${config.batchSize} exceeds the dataset's ${dataset.numSteps} rows`));
      }
      return p;
    },
    create: (ctx: AlgoContext) => new BcInstance(config, ctx),
  };
}

class BcInstance implements AlgoInstance {
  readonly name = "bc";
  readonly envSteps = 0;
  updates = 0;
  private readonly rng: Rng;
  private readonly discrete: boolean;
  private readonly actionDim: number;
  readonly actor: Network;
  readonly logStd: Float32Array | null;
  private readonly logStdGroup: ParamGroup | null;
  readonly groups: readonly ParamGroup[];
  private readonly optimizer: GroupAdam;
  private readonly sampler: Sampler;
  private readonly dLogp: Float32Array;
  private readonly dHead: Float32Array;
  private readonly greedy: Int32Array;
  private readonly window = new MetricsWindow();

  constructor(
    readonly config: BcConfig,
    ctx: AlgoContext,
  ) {
    const { env, policy } = ctx;
    if (!ctx.dataset) throw new Error("bc needs a dataset: build with rl.offline(dataset)");
    if (policy.kind !== "mlp") throw new Error("bc trains an rl.mlp(...) policy; tfjs models are not supported yet");
    this.rng = ctx.rng;
    this.discrete = env.actionSpace.kind === "discrete";
    this.actionDim = env.actionSpace.kind === "discrete" ? env.actionSpace.n : env.actionSize;
    this.actor = makeMlp([env.obsSize, ...policy.hidden, this.actionDim], { activation: policy.activation, rng: ctx.rng, lastGain: 0.01 });
    this.logStd = this.discrete ? null : new Float32Array(this.actionDim).fill(policy.logStdInit);
    this.logStdGroup = this.logStd ? vectorGroup("logStd", this.logStd) : null;
    this.groups = this.logStdGroup ? [netGroup("actor", this.actor), this.logStdGroup] : [netGroup("actor", this.actor)];
    this.optimizer = new GroupAdam(this.groups);
    this.sampler = ctx.dataset.sampler({ batchSize: config.batchSize, rng: ctx.rng, columns: ["obs", "action"] });
    const b = config.batchSize;
    this.dLogp = new Float32Array(b).fill(-1 / b);
    this.dHead = new Float32Array(b * this.actionDim);
    this.greedy = new Int32Array(b);
  }

  /** One Adam step on one minibatch; metrics every `logEvery` updates. */
  step(): UpdateMetrics | null {
    const c = this.config;
    const B = c.batchSize;
    const before = { rng: this.rng.state(), sampler: this.sampler.saveState() };
    const batch = this.sampler.next();
    const obs = batch.columns.obs as Float32Array;
    zeroGrads(this.groups);
    const out = this.actor.forward(obs, B);
    let logpSum = 0;
    let entropy = 0;
    let accuracy = 0;
    let mse = 0;
    if (this.discrete) {
      const actions = batch.columns.action as Int32Array;
      const stats = categoricalStats(out, B, this.actionDim, actions);
      categoricalBackward(stats, B, this.actionDim, actions, this.dLogp, -c.entCoef / B, this.dHead);
      argmaxRows(out, B, this.actionDim, this.greedy);
      for (let i = 0; i < B; i++) {
        logpSum += stats.logp[i]!;
        entropy += stats.entropy[i]!;
        if (this.greedy[i] === actions[i]) accuracy++;
      }
    } else {
      const actions = batch.columns.action as Float32Array;
      const stats = gaussianStats(out, this.logStd!, B, this.actionDim, actions);
      gaussianBackward(out, this.logStd!, B, this.actionDim, actions, this.dLogp, -c.entCoef / B, this.dHead, this.logStdGroup!.grads);
      for (let i = 0; i < B; i++) {
        logpSum += stats.logp[i]!;
        entropy += stats.entropy[i]!;
      }
      for (let i = 0; i < B * this.actionDim; i++) mse += (actions[i]! - out[i]!) ** 2;
      mse /= B * this.actionDim;
    }
    this.actor.backward(this.dHead);
    entropy /= B;
    const loss = -logpSum / B - c.entCoef * entropy;
    const gradNorm = clipGlobalGradNorm(this.groups, c.maxGradNorm ?? Infinity);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      // Nothing was changed but the draw: put it back so a retry repeats this update.
      this.rng.restore(before.rng);
      this.sampler.loadState(before.sampler);
      throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, loss);
    }
    this.optimizer.step({ lr: c.lr, eps: c.adamEps, weightDecay: c.weightDecay });
    this.updates++;
    this.window.add({ bcLoss: loss, entropy, ...(this.discrete ? { accuracy: accuracy / B } : { actionMse: mse }), gradNorm });
    return this.updates % c.logEvery === 0 ? this.flushMetrics() : null;
  }

  flushMetrics(): UpdateMetrics | null {
    const means = this.window.take();
    return means && { learningRate: this.config.lr, ...means, datasetEpoch: this.sampler.epoch };
  }

  sampleActions(obs: Float32Array, batch: number, rng: Rng, actions: Int32Array | Float32Array): void {
    const out = this.actor.predict(obs, batch);
    if (this.discrete) sampleCategorical(out, batch, this.actionDim, rng, actions as Int32Array, new Float32Array(batch));
    else sampleGaussian(out, this.logStd!, batch, this.actionDim, rng, actions as Float32Array, new Float32Array(batch));
  }

  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    const out = this.actor.predict(obs, batch);
    if (this.discrete) argmaxRows(out, batch, this.actionDim, actions as Int32Array);
    else for (let i = 0; i < batch * this.actionDim; i++) actions[i] = out[i]!;
  }

  saveState(): AlgoState {
    const opt = this.optimizer.save();
    const s = this.sampler.saveState();
    return {
      json: { updates: this.updates, rng: this.rng.state(), adamT: opt.t, sampler: { epoch: s.epoch, cursor: s.cursor }, window: this.window.toJSON() },
      arrays: { params: flattenParams(this.groups), adamM: opt.m, adamV: opt.v, samplerPerm: s.perm },
    };
  }

  loadState(state: AlgoState): void {
    const json = state.json as { updates: number; rng: number[]; adamT: number; sampler: { epoch: number; cursor: number }; window: ReturnType<MetricsWindow["toJSON"]> };
    const a = state.arrays;
    unflattenParams(this.groups, a.params as Float32Array);
    this.optimizer.load({ t: json.adamT, m: a.adamM as Float32Array, v: a.adamV as Float32Array });
    this.sampler.loadState({ epoch: json.sampler.epoch, cursor: json.sampler.cursor, perm: a.samplerPerm as Int32Array });
    this.rng.restore(json.rng);
    this.updates = json.updates;
    this.window.load(json.window);
  }

  dispose(): void {
    this.actor.dispose();
  }
}
