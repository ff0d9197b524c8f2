import { problemLine, problemText, type Problem } from "../../config/problem.js";
import { gatherQValues } from "../q-values.js";
import type { VecEnv } from "../../envs/vec-env.js";
import { describeSpace } from "../../envs/space.js";
import { qRegressionLoss, tdTargets, type QLossKind } from "../../losses/td.js";
import { makeMlp } from "../../nn/mlp.js";
import type { Network } from "../../nn/network.js";
import { netGroup } from "../../policy/actor-critic.js";
import { clipGlobalGradNorm, globalGradNorm, gradsFinite, zeroGrads, type ParamGroup } from "../../policy/param-set.js";
import { checkPolicySpec, type PolicySpec } from "../../policy/spec.js";
import type { Rng } from "../../random/rng.js";
import type { AlgoContext, AlgoInstance, AlgoSpec, AlgoState, UpdateMetrics } from "../algorithm.js";
import { TrainingDivergedError } from "../errors.js";
import { checkOffPolicyPolicy, realNextObs, UpdateSnapshot, updateTargetNetwork } from "./off-policy.js";
import { flattenParams, GroupAdam, unflattenParams } from "../optimizer.js";
import { ReplayBatch, ReplayBuffer, replayArrays } from "./replay-buffer.js";
import { OfflineOnlineBatches } from "../offline-online/batches.js";
import { DynamicsGap } from "./dynamics-gap.js";
import { linearSchedule } from "../schedule.js";
import { bool, int, nestedProblems, num, numOrNull, oneOf, schema, type ConfigOf } from "../../config/fields.js";

/**
 * DQN (Mnih et al. 2015) with the double-Q target of van Hasselt et al. 2016
 * (on by default), following CleanRL's `dqn.py`: ε-greedy exploration with a
 * linear ε schedule, uniform replay, one gradient step every `trainFrequency`
 * env steps once `learningStarts` have passed, and a target network refreshed
 * every `targetNetworkFrequency` env steps (τ = 1: a hard copy).
 *
 * The Q-network is an MLP `obs → hidden… → |A|` with the widths and the
 * activation of the run's `rl.mlp(...)` and torch's default init (CleanRL's).
 * CleanRL uses ReLU for DQN (`rl.mlp([120, 84], { activation: "relu" })`);
 * `rl.mlp()` defaults to tanh (PPO's choice), which also works on CartPole.
 *
 * Step counters are env steps summed over copies: with `n` copies, one
 * vector step covers the step indices `envSteps … envSteps + n − 1`, and
 * every index k > learningStarts with k % trainFrequency = 0 triggers a
 * gradient step (so n = 1 reproduces CleanRL's loop exactly). Each copy
 * draws its own ε-greedy coin.
 */
/** DQN's options, each declared once (default, doc, constraint); CleanRL's defaults. */
export const DQN_OPTIONS = schema({
  lr: num(2.5e-4, "Adam learning rate", { min: 0, exclusiveMin: true }),
  totalSteps: int(500_000, "env steps (all copies) of the intended run; ε decays over epsilon.fraction of it (CleanRL's total_timesteps)", { min: 1, unit: "env steps" }),
  bufferSize: int(10_000, "replay capacity", { min: 1, unit: "transitions" }),
  gamma: num(0.99, "discount γ", { min: 0, max: 1 }),
  tau: num(1.0, "target-network Polyak rate: θ′ ← τθ + (1 − τ)θ′ (1: hard copy)", { min: 0, max: 1, exclusiveMin: true }),
  targetNetworkFrequency: int(500, "env steps between target-network updates", { min: 1, unit: "env steps" }),
  batchSize: int(128, "transitions per gradient step", { min: 1, unit: "transitions" }),
  learningStarts: int(10_000, "env steps of pure collection before the first gradient step", { min: 0, unit: "env steps" }),
  trainFrequency: int(10, "env steps between gradient steps", { min: 1, unit: "env steps" }),
  doubleQ: bool(true, "double Q-learning target: the online network picks argmax_a Q(s′, a), the target network evaluates it"),
  loss: oneOf<QLossKind>("mse", ["mse", "huber"], "TD regression loss: \"mse\" (CleanRL) or \"huber\" (SB3; smooth L1 with δ = huberDelta)"),
  huberDelta: num(1, "δ of the Huber loss", { min: 0, exclusiveMin: true, unit: "TD-error units" }),
  maxGradNorm: numOrNull(null, "global gradient-norm clip (null: none, as CleanRL's dqn.py; SB3 uses 10)", { min: 0, exclusiveMin: true }),
  adamEps: num(1e-8, "Adam ε (torch's default)", { min: 0, exclusiveMin: true }),
  logEvery: int(500, "fewest env steps between two metrics rows (a row per gradient step would flood the log)", { min: 0, unit: "env steps" }),
});

/** `epsilon: { start, end, fraction }`: ε goes linearly from start to end over fraction × totalSteps env steps, then stays at end. */
export const DQN_EPSILON_OPTIONS = schema({
  start: num(1, "ε at step 0", { min: 0, max: 1 }),
  end: num(0.05, "ε after the decay", { min: 0, max: 1 }),
  fraction: num(0.5, "fraction of totalSteps over which ε decays", { min: 0, max: 1 }),
});

export type DqnConfig = ConfigOf<typeof DQN_OPTIONS.fields> & { readonly epsilon: ConfigOf<typeof DQN_EPSILON_OPTIONS.fields> };

export const DQN_DEFAULTS: DqnConfig = Object.freeze({ ...DQN_OPTIONS.defaults, epsilon: DQN_EPSILON_OPTIONS.defaults });

export type DqnOptions = Partial<Omit<DqnConfig, "epsilon">> & { epsilon?: Partial<DqnConfig["epsilon"]> };

/** Merges options over {@link DQN_DEFAULTS}. */
export function dqnConfig(options: DqnOptions = {}): DqnConfig {
  return Object.freeze({ ...DQN_DEFAULTS, ...options, epsilon: Object.freeze({ ...DQN_DEFAULTS.epsilon, ...options.epsilon }) });
}

/** Every problem with a DQN config, each with its path. */
export function checkDqnConfig(c: DqnConfig, path = "algo"): Problem[] {
  return nestedProblems(c, path, DQN_OPTIONS, { epsilon: DQN_EPSILON_OPTIONS });
}

/** The error for DQN on an env whose actions are not discrete. */
export function dqnActionSpaceProblem(env: VecEnv): string | null {
  if (env.actionSpace.kind === "discrete") return null;
  return `algo: DQN needs a discrete action space; ${env.id} has continuous actions ${describeSpace(env.actionSpace)}: use rl.sac() (or rl.ppo()) for continuous control`;
}

/** `rl.dqn({...})`: a DQN algorithm spec. */
export function dqn(options: DqnOptions = {}): AlgoSpec<DqnConfig> {
  const config = dqnConfig(options);
  return {
    name: "dqn",
    config,
    check(env: VecEnv, policy: PolicySpec) {
      const p = checkDqnConfig(config);
      const space = dqnActionSpaceProblem(env);
      if (space) p.push(problemLine("unsupported", space));
      p.push(...checkPolicySpec(policy), ...checkOffPolicyPolicy(policy, "DQN", "its Q-network", ["auto"]));
      return p;
    },
    create: (ctx: AlgoContext) => new DqnInstance(config, ctx),
  };
}

/** A running DQN; see {@link dqn}. */
export class DqnInstance implements AlgoInstance {
  readonly name = "dqn";
  get logEvery(): number {
    return this.config.logEvery;
  }
  envSteps = 0;
  updates = 0;
  readonly q: Network;
  readonly target: Network;
  readonly numActions: number;
  private readonly env: VecEnv;
  private readonly rng: Rng;
  private readonly groups: ParamGroup[];
  private readonly optimizer: GroupAdam;
  readonly buffer: ReplayBuffer;
  private readonly batch: ReplayBatch;
  private readonly snapshot: UpdateSnapshot;
  private readonly prevObs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly actions: Int32Array;
  private readonly targets: Float32Array;
  private readonly nextQOnline: Float32Array;
  private readonly dQ: Float32Array;
  /** Where minibatches come from: the replay buffer, mixed with dataset rows (RLPD), MOORL's meta-epochs, critic pretraining. */
  private readonly data: OfflineOnlineBatches;
  /** H2O's dynamics-gap classifiers when the mixed-in data comes from the real system and the env is its simulator. */
  readonly gap: DynamicsGap | undefined;
  private readonly rowWeights: Float32Array;

  constructor(
    readonly config: DqnConfig,
    ctx: AlgoContext,
  ) {
    const env = ctx.env;
    const space = dqnActionSpaceProblem(env);
    const problems = [...(space ? [problemLine("unsupported", space)] : []), ...checkOffPolicyPolicy(ctx.policy, "DQN", "its Q-network", ["auto"])];
    if (problems.length) throw new Error(problems.map(problemText).join("; "));
    const spec = ctx.policy as Extract<PolicySpec, { kind: "mlp" }>;
    this.env = env;
    this.rng = ctx.rng;
    this.numActions = (env.actionSpace as { n: number }).n;
    this.q = makeMlp([env.obsSize, ...spec.hidden, this.numActions], { activation: spec.activation, rng: ctx.rng, init: "torch-default" });
    this.target = this.q.clone();
    this.groups = [netGroup("q", this.q)];
    this.optimizer = new GroupAdam(this.groups);
    this.snapshot = new UpdateSnapshot(this.groups, [this.optimizer]);
    this.buffer = new ReplayBuffer(config.bufferSize, env.obsSize, 1, true);
    const b = config.batchSize;
    this.batch = new ReplayBatch(b, env.obsSize, 1, true);
    this.prevObs = new Float32Array(env.numEnvs * env.obsSize);
    this.nextObs = new Float32Array(env.numEnvs * env.obsSize);
    this.actions = new Int32Array(env.numEnvs);
    this.targets = new Float32Array(b);
    this.nextQOnline = new Float32Array(b * this.numActions);
    this.dQ = new Float32Array(b * this.numActions);
    this.data = new OfflineOnlineBatches(ctx.mix, b, ctx.rng, env.obsSize, 1, this.groups);
    this.gap = ctx.mix?.dynamicsGap && this.data.mixedRows > 0 ? new DynamicsGap(ctx.mix.dynamicsGap, ctx.mix.dataset, env.obsSize, this.numActions, 1, b, ctx.rng) : undefined;
    this.rowWeights = new Float32Array(this.gap ? b : 0);
  }

  /** ε of the ε-greedy policy after `envSteps` env steps. */
  epsilon(envSteps = this.envSteps): number {
    const { start, end, fraction } = this.config.epsilon;
    return linearSchedule(start, end, fraction * this.config.totalSteps, envSteps);
  }

  step(): UpdateMetrics | null {
    const { env, config: c } = this;
    if (this.data.pretrainLeft > 0) return this.pretrainStep();
    const n = env.numEnvs;
    const eps = this.epsilon();
    this.prevObs.set(env.obs);
    const q = this.q.predict(env.obs, n);
    const k = this.numActions;
    for (let e = 0; e < n; e++) {
      if (this.rng.float() < eps) this.actions[e] = this.rng.int(k);
      else {
        let best = 0;
        for (let j = 1; j < k; j++) if (q[e * k + j]! > q[e * k + best]!) best = j;
        this.actions[e] = best;
      }
    }
    env.step(this.actions);
    realNextObs(env, this.nextObs);
    this.buffer.addBatch(this.prevObs, this.actions, env.rewards, this.nextObs, env.terminated, n);
    const from = this.envSteps;
    this.envSteps += n;
    let metrics: UpdateMetrics | null = null;
    for (let s = Math.max(from, c.learningStarts + 1); s < this.envSteps; s++) {
      if (s % c.trainFrequency === 0) metrics = { ...this.update(), epsilon: this.epsilon(s) };
      if (s % c.targetNetworkFrequency === 0) updateTargetNetwork(this.target, this.q, c.tau);
    }
    return metrics;
  }

  /**
   * One update of the Q-network on dataset rows alone, before the first env
   * step (an offline-initialized critic); the target follows every
   * targetNetworkFrequency / trainFrequency of them.
   */
  private pretrainStep(): UpdateMetrics {
    const c = this.config;
    this.data.fillPretrain(this.batch);
    const metrics = this.gradientStep(c.batchSize);
    this.data.pretrained++;
    if (this.data.pretrained % Math.max(1, Math.floor(c.targetNetworkFrequency / c.trainFrequency)) === 0) updateTargetNetwork(this.target, this.q, c.tau);
    return { ...metrics, ...this.data.metrics() };
  }

  /** One gradient step on a sampled minibatch. */
  private update(): UpdateMetrics {
    const m = this.data.fill(this.buffer, this.rng, this.batch);
    const metrics = this.gradientStep(m);
    this.data.afterUpdate();
    return { ...metrics, ...this.data.metrics() };
  }

  /** The TD step on the minibatch in `this.batch`, whose last `m` rows are the dataset's. */
  private gradientStep(m: number): UpdateMetrics {
    const { config: c, batch: mb, numActions: k } = this;
    const b = c.batchSize;
    if (c.doubleQ) this.nextQOnline.set(this.q.predict(mb.nextObs, b).subarray(0, b * k));
    const nextQTarget = this.target.predict(mb.nextObs, b);
    tdTargets({ rewards: mb.rewards, terminated: mb.terminated, nextQTarget, nextQOnline: c.doubleQ ? this.nextQOnline : undefined, numActions: k, gamma: c.gamma }, this.targets);
    // Simulated rows (the replay half) weigh their dynamics ratio once the classifiers have warmed up; dataset rows weigh 1.
    // A minibatch of dataset rows alone (pretraining) has nothing to weigh or to classify.
    const gap = m < b ? this.gap : undefined;
    if (gap) {
      gap.weights(mb, b - m, this.rowWeights);
      this.rowWeights.fill(1, b - m, b);
    }
    const weighted = gap && this.updates >= gap.config.warmup;
    const qOut = this.q.forward(mb.obs, b);
    const { loss, meanQ } = qRegressionLoss(qOut, mb.actions, this.targets, k, this.dQ, c.loss, c.huberDelta, weighted ? this.rowWeights : undefined);
    zeroGrads(this.groups);
    this.q.backward(this.dQ);
    if (!Number.isFinite(loss) || !gradsFinite(this.groups)) {
      throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, loss);
    }
    const gradNorm = c.maxGradNorm === null ? globalGradNorm(this.groups) : clipGlobalGradNorm(this.groups, c.maxGradNorm);
    this.snapshot.take();
    this.optimizer.step({ lr: c.lr, eps: c.adamEps });
    if (!flatFinite(this.q.params)) {
      this.snapshot.restore();
      throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, loss);
    }
    // The classifiers learn after the Q step succeeded, so a diverged update leaves them untouched too.
    gap?.train(mb, b - m, this.rng);
    this.updates++;
    return { tdLoss: loss, qValue: meanQ, gradNorm, ...gap?.metrics() };
  }

  qValues(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): Float32Array {
    return gatherQValues(this.q.predict(obs, batch), actions, batch, this.numActions);
  }

  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    const q = this.q.predict(obs, batch);
    const k = this.numActions;
    for (let e = 0; e < batch; e++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (q[e * k + j]! > q[e * k + best]!) best = j;
      actions[e] = best;
    }
  }

  saveState(): AlgoState {
    const opt = this.optimizer.save();
    const buf = this.buffer.saveState();
    const data = this.data.saveState();
    const gap = this.gap?.saveState();
    return {
      json: { envSteps: this.envSteps, updates: this.updates, rng: this.rng.state(), adamT: opt.t, buffer: buf.json, offline: data.json, ...(gap ? { gap: gap.json } : {}) },
      arrays: {
        ...(gap ? Object.fromEntries(Object.entries(gap.arrays).map(([key, v]) => [`gap.${key}`, v])) : {}),
        params: flattenParams(this.groups),
        targetParams: this.target.params.slice(),
        adamM: opt.m,
        adamV: opt.v,
        ...Object.fromEntries(Object.entries(buf.arrays).map(([key, v]) => [`replay.${key}`, v])),
        ...data.arrays,
      },
    };
  }

  loadState(state: AlgoState): void {
    const json = state.json as { envSteps: number; updates: number; rng: number[]; adamT: number; buffer: unknown; offline?: never; mix?: { epoch: number; cursor: number } | null; gap?: unknown };
    const a = state.arrays;
    unflattenParams(this.groups, a.params as Float32Array);
    this.target.params.set(a.targetParams as Float32Array);
    this.target.paramsChanged();
    this.optimizer.load({ t: json.adamT, m: a.adamM as Float32Array, v: a.adamV as Float32Array });
    this.buffer.loadState({ json: json.buffer, arrays: replayArrays(a) });
    this.data.loadState(json.offline ?? { mix: json.mix ?? null }, a);
    this.gap?.loadState(json.gap, Object.fromEntries(Object.entries(a).filter(([key]) => key.startsWith("gap.")).map(([key, v]) => [key.slice(4), v])));
    this.envSteps = json.envSteps;
    this.updates = json.updates;
    this.rng.restore(json.rng);
  }

  dispose(): void {
    this.q.dispose();
    this.target.dispose();
    this.gap?.dispose();
  }
}

/** True when every entry is finite. */
export function flatFinite(x: Float32Array): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i]!)) return false;
  return true;
}
