import { problemLine, problemText, type Problem } from "../../config/problem.js";
import { LOG_STD_MAX, LOG_STD_MIN } from "../../dist/tanh-gaussian.js";
import { describeSpace, type BoxSpace } from "../../envs/space.js";
import type { VecEnv } from "../../envs/vec-env.js";
import { checkPolicySpec, type MlpPolicySpec, type PolicySpec } from "../../policy/spec.js";
import type { Rng } from "../../random/rng.js";
import type { AlgoContext, AlgoInstance, AlgoSpec, AlgoState, UpdateMetrics } from "../algorithm.js";
import { TrainingDivergedError } from "../errors.js";
import { checkOffPolicyPolicy, realNextObs, UpdateSnapshot } from "./off-policy.js";
import { SacScratch, SoftActorCritic } from "./soft-actor-critic.js";
import { ReplayBatch, ReplayBuffer, replayArrays } from "./replay-buffer.js";
import { OfflineOnlineBatches } from "../offline-online/batches.js";
import { bool, int, nestedProblems, num, numOr, schema, type ConfigOf } from "../../config/fields.js";

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
/** SAC's options, each declared once (default, doc, constraint); CleanRL's defaults. */
export const SAC_OPTIONS = schema({
  bufferSize: int(1_000_000, "replay capacity", { min: 1, unit: "transitions" }),
  gamma: num(0.99, "discount γ", { min: 0, max: 1 }),
  tau: num(0.005, "target-network Polyak rate θ′ ← τθ + (1 − τ)θ′", { min: 0, max: 1, exclusiveMin: true }),
  batchSize: int(256, "transitions per gradient step", { min: 1, unit: "transitions" }),
  learningStarts: int(5_000, "env steps of uniformly random actions before learning", { min: 0, unit: "env steps" }),
  policyLr: num(3e-4, "Adam learning rate of the actor", { min: 0, exclusiveMin: true }),
  qLr: num(1e-3, "Adam learning rate of the critics (and of log α)", { min: 0, exclusiveMin: true }),
  policyFrequency: int(2, "critic steps between actor updates; each time the actor takes this many steps (TD3-style delay, CleanRL)", { min: 1 }),
  targetNetworkFrequency: int(1, "critic steps between target-network updates", { min: 1 }),
  alpha: num(0.2, "entropy temperature α when autotune is off", { min: 0, unit: "reward per nat" }),
  autotune: bool(true, "tune α automatically toward targetEntropy (starting from α = 1, log α = 0)"),
  targetEntropy: numOr<"auto">("auto", ["auto"], "target entropy; \"auto\": −|A| (the number of action dimensions)", { unit: "nats" }),
  adamEps: num(1e-8, "Adam ε (torch's default)", { min: 0, exclusiveMin: true }),
  logEvery: int(500, "fewest env steps between two metrics rows (a row per gradient step would flood the log)", { min: 0, unit: "env steps" }),
});

/** `logStd: { min, max }`: bounds of the actor's log σ (CleanRL's LOG_STD_MIN/MAX). */
export const SAC_LOG_STD_OPTIONS = schema({
  min: num(LOG_STD_MIN, "lower bound of log σ"),
  max: num(LOG_STD_MAX, "upper bound of log σ"),
});

export type SacConfig = ConfigOf<typeof SAC_OPTIONS.fields> & { readonly logStd: ConfigOf<typeof SAC_LOG_STD_OPTIONS.fields> };

export const SAC_DEFAULTS: SacConfig = Object.freeze({ ...SAC_OPTIONS.defaults, logStd: SAC_LOG_STD_OPTIONS.defaults });

export type SacOptions = Partial<Omit<SacConfig, "logStd">> & { logStd?: Partial<SacConfig["logStd"]> };

/** Merges options over {@link SAC_DEFAULTS}. */
export function sacConfig(options: SacOptions = {}): SacConfig {
  return Object.freeze({ ...SAC_DEFAULTS, ...options, logStd: Object.freeze({ ...SAC_DEFAULTS.logStd, ...options.logStd }) });
}

/** Every problem with a SAC config, each with its path. */
export function checkSacConfig(c: SacConfig, path = "algo"): Problem[] {
  const p = nestedProblems(c, path, SAC_OPTIONS, { logStd: SAC_LOG_STD_OPTIONS });
  const ls = c.logStd as { min?: unknown; max?: unknown } | undefined;
  if (typeof ls?.min === "number" && typeof ls.max === "number" && Number.isFinite(ls.min) && Number.isFinite(ls.max) && !(ls.min < ls.max)) {
    p.push(problemLine("incompatible", `${path}.logStd: expected min < max, got min ${ls.min}, max ${ls.max}`));
  }
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
      if (space) p.push(problemLine("unsupported", space));
      p.push(...checkPolicySpec(policy), ...checkOffPolicyPolicy(policy, "SAC", "an actor and two critics", ["auto", "tanh-gaussian"]));
      return p;
    },
    create: (ctx: AlgoContext) => new SacInstance(config, ctx),
  };
}

/** A running SAC; see {@link sac}. */
export class SacInstance implements AlgoInstance {
  readonly name = "sac";
  get logEvery(): number {
    return this.config.logEvery;
  }
  envSteps = 0;
  updates = 0;
  /** Networks, α and their gradient steps. */
  readonly core: SoftActorCritic;
  readonly buffer: ReplayBuffer;
  private readonly env: VecEnv;
  private readonly rng: Rng;
  private readonly d: number;
  private readonly snapshot: UpdateSnapshot;
  private readonly batch: ReplayBatch;
  /** Where minibatches come from: the replay buffer, mixed with dataset rows (RLPD), MOORL's meta-epochs, critic pretraining. */
  private readonly data: OfflineOnlineBatches;
  private readonly act: SacScratch;
  private readonly prevObs: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly onDiverged = (loss: number): never => {
    this.snapshot.restore();
    throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, loss);
  };

  constructor(
    readonly config: SacConfig,
    ctx: AlgoContext,
  ) {
    const env = ctx.env;
    const space = sacActionSpaceProblem(env);
    const problems = [...(space ? [problemLine("unsupported", space)] : []), ...checkOffPolicyPolicy(ctx.policy, "SAC", "an actor and two critics", ["auto", "tanh-gaussian"])];
    if (problems.length) throw new Error(problems.map(problemText).join("; "));
    this.env = env;
    this.rng = ctx.rng;
    const o = env.obsSize;
    const d = (this.d = env.actionSize);
    const b = config.batchSize;
    this.core = new SoftActorCritic(config, o, env.actionSpace as BoxSpace, ctx.policy as MlpPolicySpec, ctx.rng, b);
    this.snapshot = new UpdateSnapshot(this.core.allGroups, [this.core.actorOpt, this.core.qOpt, this.core.alphaOpt]);
    this.buffer = new ReplayBuffer(config.bufferSize, o, d, false);
    const n = env.numEnvs;
    this.batch = new ReplayBatch(b, o, d, false);
    // MOORL's meta parameters are the actor's and the critics' (α and the targets carry on).
    this.data = new OfflineOnlineBatches(ctx.mix, b, ctx.rng, o, d, [...this.core.actorGroups, ...this.core.qGroups]);
    this.act = new SacScratch(n, d);
    this.prevObs = new Float32Array(n * o);
    this.nextObs = new Float32Array(n * o);
  }

  /** The current entropy temperature α. */
  get alpha(): number {
    return this.core.alpha;
  }

  step(): UpdateMetrics | null {
    const { env, config: c, d } = this;
    if (this.data.pretrainLeft > 0) return this.pretrainStep();
    const n = env.numEnvs;
    this.prevObs.set(env.obs);
    const actions = this.act.actions;
    if (this.envSteps < c.learningStarts) {
      const space = env.actionSpace as BoxSpace;
      for (let e = 0; e < n; e++) for (let j = 0; j < d; j++) actions[e * d + j] = this.rng.uniform(space.low[j]!, space.high[j]!);
    } else {
      this.core.sample(this.core.actor.predict(env.obs, n), n, this.act);
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

  /**
   * One critic step on dataset rows alone, before the first env step (an
   * offline-initialized critic: the actor starts learning online from it);
   * the targets follow every targetNetworkFrequency steps.
   */
  private pretrainStep(): UpdateMetrics {
    const { config: c, batch: mb, core } = this;
    this.snapshot.take();
    this.data.fillPretrain(mb);
    const critic = core.criticBackward({ obs: mb.obs, actions: mb.actions as Float32Array, rewards: mb.rewards, terminated: mb.terminated, nextObs: mb.nextObs }, c.batchSize);
    core.criticStep(critic.qLoss, this.onDiverged);
    this.data.pretrained++;
    if (this.data.pretrained % c.targetNetworkFrequency === 0) core.updateTargets();
    this.updates++;
    return { qLoss: critic.qLoss / 2, qValue: critic.qValue, alpha: core.alpha, ...this.data.metrics() };
  }

  /** One critic step, and actor/α steps and target updates when due at step index `k`. */
  private update(k: number): UpdateMetrics {
    const { config: c, batch: mb, core } = this;
    const b = c.batchSize;
    this.snapshot.take();
    this.data.fill(this.buffer, this.rng, mb);
    const critic = core.criticBackward({ obs: mb.obs, actions: mb.actions as Float32Array, rewards: mb.rewards, terminated: mb.terminated, nextObs: mb.nextObs }, b);
    core.criticStep(critic.qLoss, this.onDiverged);
    const metrics: Record<string, number> = { qLoss: critic.qLoss / 2, qValue: critic.qValue };
    if (k % c.policyFrequency === 0) {
      for (let i = 0; i < c.policyFrequency; i++) {
        const r = core.actorAndAlphaStep(mb.obs, b, this.onDiverged);
        metrics.actorLoss = r.actorLoss;
        metrics.entropy = r.entropy;
        if (r.alphaLoss !== undefined) metrics.alphaLoss = r.alphaLoss;
      }
    }
    metrics.alpha = core.alpha;
    if (k % c.targetNetworkFrequency === 0) core.updateTargets();
    this.data.afterUpdate();
    this.updates++;
    return { ...metrics, ...this.data.metrics() };
  }

  qValues(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): Float32Array {
    return this.core.qValues(obs, actions as Float32Array, batch);
  }

  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    this.core.actGreedy(obs, batch, actions);
  }

  saveState(): AlgoState {
    const core = this.core.saveState();
    const buf = this.buffer.saveState();
    const data = this.data.saveState();
    return {
      json: { envSteps: this.envSteps, updates: this.updates, rng: this.rng.state(), adamT: core.adamT, buffer: buf.json, offline: data.json },
      arrays: {
        ...core.arrays,
        ...Object.fromEntries(Object.entries(buf.arrays).map(([key, v]) => [`replay.${key}`, v])),
        ...data.arrays,
      },
    };
  }

  loadState(state: AlgoState): void {
    const json = state.json as { envSteps: number; updates: number; rng: number[]; adamT: { actor: number; q: number; alpha: number }; buffer: unknown; offline?: never; mix?: { epoch: number; cursor: number } | null };
    this.core.loadState(json.adamT, state.arrays, "SAC");
    this.buffer.loadState({ json: json.buffer, arrays: replayArrays(state.arrays) });
    this.data.loadState(json.offline ?? { mix: json.mix ?? null }, state.arrays);
    this.envSteps = json.envSteps;
    this.updates = json.updates;
    this.rng.restore(json.rng);
  }

  dispose(): void {
    this.core.dispose();
  }
}
