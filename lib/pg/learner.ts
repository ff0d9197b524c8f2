import { normalizeInPlace } from "../credit/gae.js";
import type { VecEnv } from "../envs/vec-env.js";
import { ActorCritic } from "../policy/actor-critic.js";
import { clipGlobalGradNorm, globalGradNorm, zeroGrads, type ParamGroup } from "../policy/param-set.js";
import type { Rng } from "../random/rng.js";
import type { AlgoContext, AlgoInstance, AlgoState, UpdateMetrics } from "../algos/algorithm.js";
import { TrainingDivergedError } from "../algos/errors.js";
import { flattenParams, GroupAdam, unflattenParams } from "../algos/optimizer.js";
import { mixRows } from "../algos/mix.js";
import type { AggregationRuntime } from "./aggregation.js";
import type { AdvantageRuntime } from "./advantage/estimator.js";
import type { Collector } from "./collect/collector.js";
import type { RolloutCollector } from "./collect/rollout.js";
import { lagrangianAdvantages, type ConstraintContext, type LagrangianConstraint } from "./constraint/constraint.js";
import { Minibatch } from "./collect/rollout-buffer.js";
import { componentType, createComponent, type MetricDecl } from "./component.js";
import { HybridPgTerms } from "./dataset-terms.js";
import { engineStateFromLegacy } from "./legacy-state.js";
import type { DivergenceRuntime } from "./divergence/kl.js";
import type { AdamSettings } from "./optimizer.js";
import type { ReferenceRuntime } from "./reference/policy-copy.js";
import { OutputGrads, type LossTerm, type TermRows } from "./rows.js";
import type { ScheduleRuntime } from "./schedule.js";
import type { PgConfig } from "./config.js";

/** Metric sums of one update: "last" metrics keep the latest value, "mean" metrics average over the minibatches that reported them. */
export class UpdateMetricsSums {
  private last: Record<string, number> = {};
  private sums: Record<string, number> = {};
  private counts: Record<string, number> = {};

  constructor(private readonly over: Readonly<Record<string, MetricDecl["over"]>>) {}

  add(metrics: Readonly<Record<string, number>>): void {
    for (const [k, v] of Object.entries(metrics)) {
      if (this.over[k] === "mean") {
        this.sums[k] = (this.sums[k] ?? 0) + v;
        this.counts[k] = (this.counts[k] ?? 0) + 1;
      } else this.last[k] = v;
    }
  }

  result(): Record<string, number> {
    const out: Record<string, number> = { ...this.last };
    for (const k of Object.keys(this.sums)) out[k] = this.sums[k]! / this.counts[k]!;
    return out;
  }
}

/**
 * The policy-gradient engine at work: a collector fills a batch, the
 * advantage estimator credits it, and each minibatch's loss is the sum of
 * the loss terms (and the divergence), aggregated over its rows; the
 * gradients of every term with respect to the network outputs are summed
 * and backpropagated once. Offline-data terms (`.mix(rl.data.offline(...))`)
 * add their gradients from dataset minibatches. One `step()` is one vector
 * env step; an update runs when the batch is full.
 */
export class PgLearner implements AlgoInstance {
  envSteps = 0;
  updates = 0;
  readonly policy: ActorCritic;
  readonly collector: Collector;
  readonly advantage: AdvantageRuntime;
  readonly terms: readonly LossTerm[];
  readonly divergence: DivergenceRuntime | null;
  readonly reference: ReferenceRuntime | null;
  /** Imitation and offline-critic terms on dataset rows (`.mix(rl.data.offline(...))`), if any. */
  readonly hybrid: HybridPgTerms | undefined;
  /** Cost constraints with their multipliers (`.constraint(...)`), if any. */
  readonly constraints: readonly LagrangianConstraint[];
  private readonly env: VecEnv;
  private readonly rng: Rng;
  private readonly optimizer: GroupAdam;
  private readonly adam: AdamSettings;
  private readonly schedule: ScheduleRuntime;
  private readonly aggregation: AggregationRuntime;
  private readonly batchRows: number;
  private readonly valueTerms: readonly LossTerm[];
  private readonly valueCoef: number;
  private readonly metricOver: Record<string, MetricDecl["over"]>;
  private readonly grads = new OutputGrads();
  private mb: Minibatch;
  private warnedLrZero = false;

  constructor(
    readonly name: string,
    readonly config: PgConfig,
    ctx: AlgoContext,
  ) {
    const env = ctx.env;
    this.env = env;
    this.rng = ctx.rng;
    const s = config.settings;
    this.policy = new ActorCritic(ctx.policy, env.obsSize, env.actionSpace, ctx.rng);
    this.optimizer = new GroupAdam(this.policy.groups);
    this.adam = createComponent<AdamSettings, unknown>(config.optimizer, {});
    this.schedule = createComponent<ScheduleRuntime, unknown>(config.schedule, {});
    this.aggregation = createComponent<AggregationRuntime, unknown>(config.aggregation, {});
    this.advantage = createComponent<AdvantageRuntime, unknown>(config.advantage, {});
    const wantsReference = config.divergence !== null || config.reference !== null;
    this.reference = wantsReference
      ? createComponent<ReferenceRuntime, unknown>(config.reference ?? { slot: "reference", kind: "initial", config: {} }, { spec: ctx.policy, obsSize: env.obsSize, actionSpace: env.actionSpace, policy: this.policy, component: config.reference })
      : null;
    this.divergence = config.divergence ? createComponent<DivergenceRuntime, unknown>(config.divergence, {}) : null;
    // Dataset terms in the loss list take the place of the mix's own settings; the rest run on the batch's rows.
    const imitationTerm = config.loss.find((c) => c.kind === "imitation");
    const criticTerm = config.loss.find((c) => c.kind === "offlineCritic");
    const mix = ctx.mix && (imitationTerm || criticTerm) ? { ...ctx.mix, imitation: (imitationTerm?.config ?? null) as never, critic: (criticTerm?.config ?? null) as never } : ctx.mix;
    const terms = config.loss.filter((c) => c !== imitationTerm && c !== criticTerm).map((c) => createComponent<LossTerm, unknown>(c, {}));
    this.valueTerms = terms.filter((t) => t.reads.length === 1 && t.reads[0] === "values");
    this.valueCoef = (this.valueTerms[0] as { coef?: number } | undefined)?.coef ?? 0;
    this.terms = this.divergence?.term ? [...terms, this.divergence.term] : terms;
    this.metricOver = {};
    for (const c of [config.advantage, ...config.loss, ...(config.divergence ? [config.divergence] : [])]) {
      for (const [k, d] of Object.entries(componentType(c.slot, c.kind)?.metrics ?? {})) this.metricOver[k] = d.over;
    }
    const penalty = this.divergence?.placement === "reward" ? this.rewardPenalty(this.divergence, this.reference!) : undefined;
    let hybrid: HybridPgTerms | undefined;
    this.collector = createComponent<Collector, unknown>(config.collect, {
      env,
      policy: this.policy,
      rng: ctx.rng,
      gamma: this.advantage.gamma,
      truncation: s.truncation,
      observe: ctx.mix ? (r: Float32Array, te: Uint8Array, tr: Uint8Array) => hybrid?.observe(r, te, tr) : undefined,
      penalty,
      ...(ctx.actor ? { actor: ctx.actor } : {}),
    });
    this.batchRows = this.collector.nominalRows;
    const mbRows = Math.max(1, Math.ceil(this.batchRows / s.minibatches));
    this.mb = new Minibatch(mbRows, env.obsSize, env.actionSize, env.actionSpace.kind === "discrete");
    hybrid = mix ? new HybridPgTerms(mix, mbRows, env.numEnvs, ctx.rng) : undefined;
    this.hybrid = hybrid;
    this.constraints = this.makeConstraints(config, ctx);
  }

  private makeConstraints(config: PgConfig, ctx: AlgoContext): LagrangianConstraint[] {
    const list = config.constraint ?? [];
    if (list.length === 0) return [];
    const numSteps = (config.collect.config as { numSteps: number }).numSteps;
    const lambda = (config.advantage.config as { lambda?: number }).lambda ?? 0.95;
    return list.map((c) => {
      const cc: ConstraintContext = { env: this.env, numSteps, gamma: this.advantage.gamma, lambda, truncation: config.settings.truncation, rng: ctx.rng.split() };
      return createComponent<LagrangianConstraint, ConstraintContext>(c, cc);
    });
  }

  /**
   * Moves each multiplier, credits the batch's costs and turns the batch's
   * advantages into (Â_r − Σ λ_i Â_c,i) / (1 + Σ λ_i); returns the
   * constraints' metrics (suffixed _<cost> when there are several).
   */
  private applyConstraints(collector: RolloutCollector): Record<string, number> {
    const out: Record<string, number> = {};
    const several = this.constraints.length > 1;
    for (const c of this.constraints) {
      for (const [k, v] of Object.entries(c.prepare(collector))) out[several ? `${k}_${c.name}` : k] = v;
    }
    lagrangianAdvantages(collector.buffer.advantages, this.constraints.map((c) => c.advantages), this.constraints.map((c) => c.lambda), this.advantage.normalize);
    return out;
  }

  /** The penalty of a divergence placed in the reward: coef · k(log π_old(a|s), log π_ref(a|s)) per env copy; its mean KL since the last update is a metric (and part of checkpoints). */
  private rewardPenalty(div: DivergenceRuntime, ref: ReferenceRuntime) {
    const refLogp = new Float32Array(this.env.numEnvs);
    return (obs: Float32Array, actions: Int32Array | Float32Array, behaviorLogp: Float32Array, out: Float32Array) => {
      ref.logp(obs, actions, this.env.numEnvs, refLogp);
      div.penalty(behaviorLogp, refLogp, out);
      for (let e = 0; e < out.length; e++) this.rewardKl.sum += out[e]!;
      this.rewardKl.count += out.length;
    };
  }

  /** Penalties a divergence in the reward subtracted since the last update (sum and count). */
  private rewardKl = { sum: 0, count: 0 };

  /** The mean KL of the rewards' penalties since the last update (the metric `kl`), and a fresh start. */
  private takeRewardKl(): Record<string, number> {
    if (this.divergence?.placement !== "reward") return {};
    const { sum, count } = this.rewardKl;
    this.rewardKl = { sum: 0, count: 0 };
    return { kl: count && this.divergence.coef > 0 ? sum / count / this.divergence.coef : 0 };
  }

  step(): UpdateMetrics | null {
    if (this.collector.full) return this.update(); // an update that failed earlier is retried first
    if (this.hybrid && this.hybrid.pretrainLeft > 0) return this.pretrainStep(this.hybrid);
    this.collector.step();
    for (const c of this.constraints) c.observe();
    this.envSteps += this.env.numEnvs;
    return this.collector.full ? this.update() : null;
  }

  /** One warm-start gradient step on the dataset alone (no env step); returns the metrics after the last one. */
  private pretrainStep(hybrid: HybridPgTerms): UpdateMetrics | null {
    const { policy } = this;
    const s = this.config.settings;
    const snapshot = this.saveState();
    if (hybrid.pretrained === 0) hybrid.beginUpdate();
    zeroGrads(policy.groups);
    const loss = hybrid.accumulate(policy, this.advantage.gamma, this.valueCoef).loss;
    const gradNorm = s.maxGradNorm === null ? globalGradNorm(policy.groups) : clipGlobalGradNorm(policy.groups, s.maxGradNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      this.loadState(snapshot);
      throw new TrainingDivergedError(this.name, 0, undefined, hybrid.pretrained, loss);
    }
    this.optimizer.step({ lr: this.currentLr(), eps: this.adam.eps });
    hybrid.pretrained++;
    return hybrid.pretrainLeft === 0 ? { ...hybrid.metrics(), pretrainSteps: hybrid.pretrained, gradNorm } : null;
  }

  /** Learning rate of the next update. */
  currentLr(): number {
    return this.schedule(this.adam.lr, this.updates, this.batchRows);
  }

  private minibatch(size: number): Minibatch {
    if (this.mb.size < size) this.mb = new Minibatch(size, this.env.obsSize, this.env.actionSize, this.env.actionSpace.kind === "discrete");
    return this.mb;
  }

  private update(): UpdateMetrics {
    const { config, collector, policy } = this;
    const s = config.settings;
    const lr = this.currentLr();
    if (lr === 0 && !this.warnedLrZero) {
      this.warnedLrZero = true;
      const total = (config.schedule.config as { totalSteps?: number }).totalSteps;
      process.emitWarning(
        `${this.name}: the learning rate has annealed to 0 after totalSteps = ${total} env steps, so further updates leave the policy unchanged. Build the run with a larger rl.${this.name}({ totalSteps }) or annealLr: false to keep learning.`,
        { code: "TRELLIS_LR_ANNEALED" },
      );
    }
    const sums = new UpdateMetricsSums(this.metricOver);
    sums.add({ learningRate: lr });
    const prepared = this.advantage.prepare(collector, policy);
    const constrained = this.constraints.length > 0;
    const constraintMetrics = constrained ? this.applyConstraints(collector as RolloutCollector) : {};
    const batch = collector.batch();
    const size = batch.size;
    if (this.divergence?.term) this.referenceLogp(batch.obs, batch.actions, size, batch.refLogp);
    if (config.aggregation.kind === "sequenceMean" || this.terms.some((t) => t.segments)) collector.markSegments();
    const snapshot = this.saveState();
    const hybrid = this.hybrid;
    hybrid?.beginUpdate();
    const mbSize = collector.minibatchSize(s.minibatches);
    const mb = this.minibatch(mbSize);
    const actionWidth = this.env.actionSpace.kind === "discrete" ? 1 : this.env.actionSize;
    let gradNorm = 0;
    epochs: for (let epoch = 0; epoch < s.epochs; epoch++) {
      const perm = collector.shuffles(s.minibatches) ? this.rng.permutation(size) : null;
      for (let start = 0; start < size; start += mbSize) {
        const end = Math.min(size, start + mbSize);
        const m = end - start;
        collector.gather(perm, start, end, mb);
        const advantages = mb.advantages.subarray(0, m);
        const returns = mb.returns.subarray(0, m);
        const out = policy.evaluate(mb.obs.subarray(0, m * this.env.obsSize), mb.actions.subarray(0, m * actionWidth), m);
        const values = out.values.subarray(0, m);
        if (this.advantage.minibatch) sums.add(this.advantage.minibatch(advantages, returns, values));
        // Constrained advantages are standardized over the batch before λ mixes in the costs.
        if (this.advantage.normalize && m > 1 && !constrained) normalizeInPlace(advantages);
        const rows: TermRows = {
          size: m,
          logp: out.logp.subarray(0, m),
          entropy: out.entropy.subarray(0, m),
          values,
          oldLogp: mb.logp.subarray(0, m),
          oldValues: mb.values.subarray(0, m),
          advantages,
          returns,
          refLogp: mb.refLogp.subarray(0, m),
          segments: mb.segments.subarray(0, m),
        };
        const aggregate = this.aggregation(m, mb.segments);
        this.grads.reset(m);
        let loss = 0;
        for (const term of this.terms) {
          const r = term.compute(rows, aggregate, this.grads);
          loss += r.value;
          sums.add(r.metrics);
        }
        zeroGrads(policy.groups);
        policy.backward(this.grads.logp, this.grads.dEntropy, this.grads.value, m);
        if (hybrid) loss += hybrid.accumulate(policy, this.advantage.gamma, this.valueCoef).loss;
        gradNorm = s.maxGradNorm === null ? globalGradNorm(policy.groups) : clipGlobalGradNorm(policy.groups, s.maxGradNorm);
        if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
          this.loadState(snapshot);
          throw new TrainingDivergedError(this.name, this.updates + 1, epoch, start / mbSize, loss);
        }
        this.optimizer.step({ lr, eps: this.adam.eps });
      }
      const kl = sums.result().approxKl;
      if (s.targetKl !== null && kl !== undefined && kl > s.targetKl) break epochs;
    }
    this.updates++;
    collector.reset();
    for (const c of this.constraints) c.reset();
    const fitted = this.fitValue(batch, s.valueSteps);
    if (fitted !== undefined) sums.add({ valueLoss: fitted });
    this.reference?.afterUpdate(policy, this.updates);
    return {
      ...prepared,
      ...sums.result(),
      gradNorm,
      ...this.takeRewardKl(),
      ...collector.metrics(),
      ...hybrid?.metrics(),
      ...constraintMetrics,
    };
  }

  /** log π_ref of the batch's rows, in chunks of the minibatch buffers' size. */
  private referenceLogp(obs: Float32Array, actions: Int32Array | Float32Array, size: number, out: Float32Array): void {
    const chunk = 4096;
    const o = this.env.obsSize;
    const a = this.env.actionSpace.kind === "discrete" ? 1 : this.env.actionSize;
    for (let start = 0; start < size; start += chunk) {
      const m = Math.min(chunk, size - start);
      this.reference!.logp(obs.subarray(start * o, (start + m) * o), actions.subarray(start * a, (start + m) * a), m, out.subarray(start, start + m));
    }
  }

  /**
   * `steps` extra gradient steps of the value terms on the critic alone
   * (Spinning Up's VPG `train_v_iters`), on the batch just used; returns the
   * value loss before the last of them (undefined when none ran: no steps,
   * or actor and critic share one network).
   */
  private fitValue(batch: ReturnType<Collector["batch"]>, steps: number): number | undefined {
    const critic = this.policy.critic;
    if (steps === 0 || !critic || this.valueTerms.length === 0) return undefined;
    const s = this.config.settings;
    const isCritic = (g: ParamGroup) => g.name === "critic";
    const groups = this.policy.groups.filter(isCritic);
    const b = batch.size;
    let loss = 0;
    for (let it = 0; it < steps; it++) {
      const values = critic.forward(batch.obs.subarray(0, b * this.env.obsSize), b).subarray(0, b);
      const rows: TermRows = { size: b, logp: values, entropy: values, values, oldLogp: batch.logp, oldValues: batch.values, advantages: batch.advantages, returns: batch.returns };
      this.grads.reset(b);
      loss = 0;
      let metric = 0;
      for (const term of this.valueTerms) {
        const r = term.compute(rows, { divisor: b, weights: null }, this.grads);
        loss += r.value;
        metric = r.metrics.valueLoss ?? metric;
      }
      zeroGrads(groups);
      critic.backward(this.grads.value);
      const norm = globalGradNorm(groups);
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) throw new TrainingDivergedError(this.name, this.updates, undefined, undefined, loss);
      if (s.maxGradNorm !== null) clipGlobalGradNorm(groups, s.maxGradNorm);
      this.optimizer.step({ lr: this.currentLr(), eps: this.adam.eps }, isCritic);
      loss = metric;
    }
    return loss;
  }

  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    this.policy.actGreedy(obs, batch, actions);
  }

  sampleActions(obs: Float32Array, batch: number, rng: Rng, actions: Int32Array | Float32Array): void {
    this.policy.act(obs, batch, rng, { actions, logp: new Float32Array(batch), values: new Float32Array(batch) });
  }

  actingParams(): Float32Array {
    return flattenParams(this.policy.groups);
  }

  get rolloutSteps(): number | undefined {
    return this.collector.kind === "rollout" ? this.collector.nominalRows / this.env.numEnvs : undefined;
  }

  values(obs: Float32Array, batch: number, out: Float32Array): Float32Array {
    return this.policy.value(obs, batch, out);
  }

  policyStats(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): { logp: Float32Array; entropy: Float32Array } {
    const r = this.policy.evaluate(obs, actions, batch);
    return { logp: r.logp.slice(0, batch), entropy: r.entropy.slice(0, batch) };
  }

  behavior() {
    return { logp: this.collector.act.logp, values: this.collector.act.values, policyVersion: this.updates };
  }

  saveState(): AlgoState {
    const opt = this.optimizer.save();
    const hybrid = this.hybrid?.saveState();
    const collected = this.collector.saveState();
    const constraints = this.constraints.map((c) => c.saveState());
    return {
      json: {
        envSteps: this.envSteps,
        updates: this.updates,
        rng: this.rng.state(),
        adamT: this.optimizer.states.map((st) => st.t),
        collector: collected.json,
        ...(this.divergence?.placement === "reward" ? { rewardKl: { ...this.rewardKl } } : {}),
        ...(hybrid ? { hybrid: hybrid.json } : {}),
        ...(constraints.length ? { constraints: constraints.map((c) => c.json) } : {}),
      },
      arrays: {
        ...(hybrid ? Object.fromEntries(Object.entries(hybrid.arrays).map(([k, v]) => [`hybrid.${k}`, v])) : {}),
        params: flattenParams(this.policy.groups),
        adamM: opt.m,
        adamV: opt.v,
        ...(this.reference ? { referenceParams: this.reference.params() } : {}),
        ...collected.arrays,
        ...Object.fromEntries(constraints.flatMap((c, i) => Object.entries(c.arrays).map(([k, v]) => [`constraint${i}.${k}`, v]))),
      },
    };
  }

  loadState(saved: AlgoState): void {
    const state = engineStateFromLegacy(saved, this.policy.groups, this.env.numEnvs) ?? saved;
    const json = state.json as { envSteps: number; updates: number; rng: number[]; adamT: number[]; collector: unknown; rewardKl?: { sum: number; count: number }; hybrid?: unknown; constraints?: unknown[] };
    const a = state.arrays;
    unflattenParams(this.policy.groups, a.params as Float32Array);
    this.optimizer.load({ t: 0, m: a.adamM as Float32Array, v: a.adamV as Float32Array });
    this.optimizer.states.forEach((st, i) => (st.t = json.adamT[i]!));
    if (this.reference && a.referenceParams) this.reference.load(a.referenceParams as Float32Array);
    this.collector.loadState({ json: json.collector, arrays: a });
    this.envSteps = json.envSteps;
    this.updates = json.updates;
    this.rng.restore(json.rng);
    if (json.rewardKl) this.rewardKl = { ...json.rewardKl };
    if (this.hybrid) {
      const arrays = Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith("hybrid.")).map(([k, v]) => [k.slice(7), v]));
      this.hybrid.loadState(json.hybrid, arrays);
    }
    this.constraints.forEach((c, i) => {
      const prefix = `constraint${i}.`;
      const saved = json.constraints?.[i];
      if (saved === undefined) throw new Error(`${this.name}: the checkpoint holds no state for constraint ${i} (${c.name}); was it saved from a run with the same constraints?`);
      c.loadState({ json: saved, arrays: Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])) });
    });
  }

  dispose(): void {
    this.policy.dispose();
    this.reference?.dispose();
    for (const c of this.constraints) c.dispose();
  }
}

/** Dataset rows per minibatch of the offline-data terms (checks before a run is built). */
export const datasetRows = mixRows;
