import { adamStep, makeAdamState, type AdamState } from "../../optim/adam.js";
import { clipGradNorm, sumOfSquares } from "../../optim/clip.js";
import type { Rng } from "../../random/rng.js";
import { documentMetric } from "../../run/metrics-log.js";
import { TrainingDivergedError } from "../../algos/errors.js";
import { gatherLogProbs, gatherLogProbsBackward } from "../../seq/policies/logprobs.js";
import { sampleBatch, type Completion, type SampleOptions } from "../../seq/policies/sample.js";
import type { TokenPolicy } from "../../seq/policies/token-policy.js";
import type { RewardFunction } from "../../seq/tasks/rewards.js";
import type { TaskItem } from "../../seq/tasks/task.js";
import type { Tokenizer } from "../../seq/tokenizers/tokenizer.js";
import type { AggregationRuntime } from "../aggregation.js";
import { isGroupAdvantage, type GroupAdvantageRuntime } from "../advantage/group-baselines.js";
import { isStepAdvantage } from "../advantage/step-credit.js";
import type { CompletionsConfig } from "../collect/completions.js";
import { componentType, createComponent, type MetricDecl } from "../component.js";
import type { PgConfig } from "../config.js";
import { klEstimate, type DivergenceRuntime } from "../divergence/kl.js";
import { UpdateMetricsSums } from "../learner.js";
import type { AdamSettings } from "../optimizer.js";
import { OutputGrads, type LossTerm, type TermRows } from "../rows.js";
import type { ScheduleRuntime } from "../schedule.js";
import { completionLogits } from "./completion-logits.js";
import type { GuidanceRuntime, GuidanceTools, GuidedRequest } from "../guide/guidance.js";
import { isRehearsal, type RehearsalDivergence } from "../divergence/rehearsal.js";
import { RehearsalStore } from "./rehearsal-store.js";
import type { ThinkingMode } from "../../credit/hybrid-thinking.js";
import { TokenReference } from "./token-reference.js";
import { isTokenGae, type TokenGaeRuntime } from "../advantage/token-gae.js";
import { INITIAL_MOMENTS, isMoments, type Moments } from "../../credit/running-moments.js";
import { TokenCritic } from "./token-critic.js";
import { criticCredit } from "./critic-credit.js";
import type { KlEstimator } from "../divergence/kl.js";

/** Where a sequence run's training prompts come from. */
export interface PromptSource {
  /** `n` problems, every random choice drawn from `rng`. */
  draw(rng: Rng, n: number): TaskItem[];
}

/** What a sequence learner is built with. */
export interface SequenceContext {
  readonly policy: TokenPolicy;
  readonly tokenizer: Tokenizer;
  readonly prompts: PromptSource;
  readonly reward: RewardFunction;
  readonly rng: Rng;
}

/** One sampled completion of a step, with its credit. */
export interface SampledCompletion {
  /** The step's group (prompt) it belongs to, numbered over the run. */
  readonly group: number;
  readonly item: TaskItem;
  readonly prompt: Int32Array;
  /** The new tokens (its end token included when it stopped). */
  readonly tokens: Int32Array;
  /** log π_old of each token, as sampled (temperature-scaled). */
  readonly logp: Float32Array;
  readonly entropy: Float32Array;
  /** The decoded completion (no special tokens) the verifier judged. */
  readonly text: string;
  reward: number;
  readonly correct: boolean;
  /** Cut off before its end token. */
  readonly truncated: boolean;
  advantage: number;
  /** "trained": in the loss; "masked": a truncated completion left out; "dropped": its group had no signal (dynamic sampling). */
  status: "trained" | "masked" | "dropped";
  /** Updates of the policy before it was sampled. */
  readonly policyVersion: number;
  /** log π_ref of each token, when the run has a reference. */
  refLogp?: Float32Array;
  /** The verifier's judgment of each written step (multi-step tasks). */
  stepVerdicts?: readonly boolean[];
  /** Per token, the advantage when credit is given to steps (rl.adv.empg(), selfAttribution()) or by a critic (rl.adv.tokenGae()); else every token has `advantage`. */
  tokenAdvantages?: Float32Array;
  /** Per token, the critic's V_old of the state before it (rl.adv.tokenGae()). */
  values?: Float32Array;
  /** Per token, the critic's regression target G_t = Â_t + V_old (rl.adv.tokenGae()). */
  returns?: Float32Array;
  /** The thinking mode it was sampled in, when guidance forced one (rl.guide.modes()); its first token is the mode token. */
  mode?: ThinkingMode;
  /** Where its tokens came from: sampled from the prompt ("online", the default), after a hint, or a teacher's. */
  source?: "online" | "hint" | "teacher" | "reference";
  /** Per token, 1 where the token was not sampled by π_old in the context it is trained in (see TermRows.offPolicy). */
  offPolicy?: Uint8Array;
  /** Per token, 1 where the clipped surrogate held the ratio at a bound (Â < 0, r < 1 − ε_low or Â > 0, r > 1 + ε_high) in the update's last pass. */
  clipped?: Uint8Array;
}

const SEQUENCE_METRICS: Readonly<Record<string, string>> = {
  reward: "mean reward of the step's sampled completions (before any group is dropped)",
  reward_std: "mean over the step's groups of the std of their rewards",
  frac_reward_zero_std: "fraction of the step's groups whose rewards are all equal (no learning signal)",
  "completions/mean_length": "mean tokens per sampled completion (end token included)",
  "completions/min_length": "fewest tokens of a sampled completion",
  "completions/max_length": "most tokens of a sampled completion",
  "completions/clipped_ratio": "fraction of sampled completions cut off at maxNewTokens or the context before their end token",
  correct: "fraction of the step's sampled completions the verifier judged correct",
  "clip_ratio/low_mean": "fraction of trained tokens with Â < 0 and r < 1 − ε_low (clipped from below), mean over minibatches",
  "clip_ratio/high_mean": "fraction of trained tokens with Â > 0 and r > 1 + ε_high (clipped from above), mean over minibatches",
  "clip_ratio/region_mean": "fraction of trained tokens whose ratio is clipped on either side, mean over minibatches",
  sampledEntropy: "mean entropy of π_old(·|prefix) over the sampled tokens",
  sampledNll: "mean −log π_old of the sampled tokens (exp of it: the policy's perplexity on its own samples)",
  trainedTokens: "completion tokens in the step's loss",
  trainedGroups: "groups in the step's loss",
  samplingRounds: "sampling rounds of the step (1 + refills of dynamic sampling)",
  sampleSeconds: "seconds the step spent sampling completions",
  updateSeconds: "seconds the step spent in forward/backward and optimizer steps",
  "critic/gradNorm": "global gradient norm of the token critic (rl.adv.tokenGae()) before clipping, last minibatch",
};
for (const [name, doc] of Object.entries(SEQUENCE_METRICS)) documentMetric(name, doc);

/** The metrics a sequence learner's updates report besides its components' (name → doc). */
export const SEQUENCE_METRIC_DOCS = SEQUENCE_METRICS;

/**
 * The policy-gradient engine on a sequence task: each {@link step} samples
 * groups of completions of the task's prompts with the token policy
 * (`rl.collect.completions`), scores them with the verifier, credits each
 * completion with a group advantage (`rl.adv.groupRelative`, `rloo`, …) that
 * all its tokens share, and runs the configured loss terms over the
 * completion tokens for `epochs` passes of `minibatches` minibatches of
 * whole sequences, aggregated per minibatch (token mean, sequence mean or a
 * constant). The same loss, divergence, aggregation, optimizer and schedule
 * components as the classic engine.
 */
export class SequenceLearner {
  updates = 0;
  /** Completions sampled so far (every round, dropped ones included). */
  sampled = 0;
  /** Tokens the policy generated so far (every sampled completion's, guidance's re-samples included; not hint or teacher tokens). */
  sampledTokens = 0;
  /** Groups numbered so far. */
  private groups = 0;
  readonly policy: TokenPolicy;
  readonly collect: CompletionsConfig;
  readonly advantage: GroupAdvantageRuntime | TokenGaeRuntime;
  /** The token critic of a critic-based advantage (rl.adv.tokenGae(): PPO-max), initialized from the policy. */
  readonly critic: TokenCritic | null;
  /** Running moments of the sequence scores, for a critic advantage's reward scaling. */
  scoreMoments: Moments = INITIAL_MOMENTS;
  readonly terms: readonly LossTerm[];
  readonly divergence: DivergenceRuntime | null;
  readonly reference: TokenReference | null;
  readonly guidance: GuidanceRuntime | null;
  /** The stored reference samples of a divergence estimated on them (DPH-RL), made before the first update. */
  rehearsal: RehearsalStore | null = null;
  private readonly rehearsalDivergence: RehearsalDivergence | null;
  readonly adamState: AdamState;
  /** The completions of the last step (trained, masked and dropped). */
  last: SampledCompletion[] = [];
  private readonly adam: AdamSettings;
  private readonly schedule: ScheduleRuntime;
  private readonly aggregation: AggregationRuntime;
  private readonly metricOver: Record<string, MetricDecl["over"]>;
  private readonly grads = new OutputGrads();
  private readonly clip: { low: number; high: number } | null;

  constructor(
    readonly name: string,
    readonly config: PgConfig,
    readonly ctx: SequenceContext,
  ) {
    this.policy = ctx.policy;
    if (config.collect.kind !== "completions") throw new RangeError(`a sequence run collects with rl.collect.completions(), got "${config.collect.kind}"`);
    this.collect = createComponent<CompletionsConfig, unknown>(config.collect, {});
    const advantage = createComponent<GroupAdvantageRuntime, unknown>(config.advantage, {});
    if (!isGroupAdvantage(advantage) && !isTokenGae(advantage)) throw new RangeError(`a sequence run credits completions by their group (rl.adv.groupRelative(), rloo(), reinforcePlusPlus(), asymre(), opmd()) or with a token critic (rl.adv.tokenGae()), got "${config.advantage.kind}"`);
    this.advantage = advantage;
    this.critic = isTokenGae(advantage) ? new TokenCritic(this.policy) : null;
    if (this.critic && !config.loss.some((t) => t.kind === "value")) throw new RangeError("rl.adv.tokenGae() credits tokens with a critic that rl.loss.value() trains: add it to the loss (.addLoss(rl.loss.value({ clip: 0.2 })))");
    this.adam = createComponent<AdamSettings, unknown>(config.optimizer, {});
    this.schedule = createComponent<ScheduleRuntime, unknown>(config.schedule, {});
    this.aggregation = createComponent<AggregationRuntime, unknown>(config.aggregation, {});
    this.divergence = config.divergence ? createComponent<DivergenceRuntime, unknown>(config.divergence, {}) : null;
    this.reference = config.divergence ? new TokenReference(config.reference ?? { slot: "reference", kind: "initial", config: {} }, this.policy) : null;
    this.rehearsalDivergence = isRehearsal(this.divergence) ? this.divergence : null;
    this.guidance = config.guidance ? createComponent<GuidanceRuntime, unknown>(config.guidance, {}) : null;
    if (this.guidance?.offPolicyTokens && !config.loss.some((t) => t.kind === "offPolicy")) {
      throw new RangeError(`the guidance rl.guide.${config.guidance!.kind}() trains tokens the policy did not sample in their context (off-policy), which the clipped surrogate leaves out: add rl.loss.offPolicy() to the loss`);
    }
    const terms = config.loss.map((c) => createComponent<LossTerm, unknown>(c, {}));
    for (const [i, t] of terms.entries()) {
      if (t.reads.includes("values") && !this.critic) throw new RangeError(`loss[${i}] (${config.loss[i]!.kind}) reads a critic's values, which a token policy does not have: credit with rl.adv.tokenGae() to train a token critic`);
    }
    this.terms = this.divergence?.term ? [...terms, this.divergence.term] : terms;
    const clippedTerm = config.loss.find((c) => c.kind === "clipped")?.config as { clip: number; clipLow: number | null; clipHigh: number | null } | undefined;
    this.clip = clippedTerm ? { low: clippedTerm.clipLow ?? clippedTerm.clip, high: clippedTerm.clipHigh ?? clippedTerm.clip } : null;
    this.metricOver = { "clip_ratio/low_mean": "mean", "clip_ratio/high_mean": "mean", "clip_ratio/region_mean": "mean" };
    for (const c of [config.advantage, ...config.loss, ...(config.divergence ? [config.divergence] : []), ...(config.guidance ? [config.guidance] : [])]) {
      for (const [k, d] of Object.entries(componentType(c.slot, c.kind)?.metrics ?? {})) this.metricOver[k] = d.over;
    }
    this.adamState = makeAdamState(this.policy.params.length);
  }

  /** Completions per step (before dynamic sampling's refills). */
  get batchCompletions(): number {
    return this.collect.prompts * this.collect.groupSize;
  }

  /** Learning rate of the next update. */
  currentLr(): number {
    return this.schedule(this.adam.lr, this.updates, this.batchCompletions);
  }

  /** Samples one round of `prompts` groups (new group ids), guided when the run has guidance; `unguided` is the round as first sampled. */
  private *sampleRoundPlan(prompts: number, guidanceMetrics: Record<string, number>): SamplePlan<{ round: SampledCompletion[]; unguided: SampledCompletion[] }> {
    const c = this.collect;
    const { ctx } = this;
    const items = ctx.prompts.draw(ctx.rng, prompts);
    const firstGroup = this.groups;
    this.groups += items.length;
    if (this.guidance?.sampleGroups) {
      const problems = items.map((item, j) => ({ item, prompt: ctx.tokenizer.encode(item.prompt), group: firstGroup + j }));
      const guided = this.guidance.sampleGroups(problems, this.guidanceTools);
      for (const [k, v] of Object.entries(guided.metrics)) guidanceMetrics[k] = (guidanceMetrics[k] ?? 0) + v;
      const round = guided.groups.flat();
      return { round, unguided: round };
    }
    const requests: GuidedRequest[] = [];
    items.forEach((item, j) => {
      const context = ctx.tokenizer.encode(item.prompt);
      for (let g = 0; g < c.groupSize; g++) requests.push({ context, item, group: firstGroup + j });
    });
    const round = yield* this.sampleRequestsPlan(requests);
    if (!this.guidance) return { round, unguided: round };
    const groups = items.map((_, j) => round.slice(j * c.groupSize, (j + 1) * c.groupSize));
    const guided = this.guidance.guide(groups, this.guidanceTools);
    for (const [k, v] of Object.entries(guided.metrics)) guidanceMetrics[k] = (guidanceMetrics[k] ?? 0) + v;
    return { round: guided.groups.flat(), unguided: round };
  }

  private get guidanceTools(): GuidanceTools {
    return {
      tokenizer: this.ctx.tokenizer,
      groupSize: this.collect.groupSize,
      sample: (requests) => this.sampleRequests(requests),
      judge: (text, item) => {
        const r = this.ctx.reward(text, item);
        return { reward: r.reward, correct: r.verdict.correct, format: r.verdict.format, ...(r.verdict.steps ? { steps: r.verdict.steps } : {}) };
      },
      policy: this.policy,
      temperature: this.collect.temperature,
      rng: this.ctx.rng,
    };
  }

  /** The sampling options of the run (its generator aside): what actors that sample for it need. */
  samplingOptions(): Omit<SampleOptions, "rng"> {
    const c = this.collect;
    return { maxNewTokens: c.maxNewTokens, temperature: c.temperature, topK: c.topK, topP: c.topP, stopToken: this.ctx.tokenizer.eos };
  }

  /** Samples with the learner's own policy and generator (what {@link step} does). */
  private readonly sampleHere = (contexts: readonly Int32Array[]): Completion[] => sampleBatch(this.policy, contexts, { ...this.samplingOptions(), rng: this.ctx.rng });

  /** One completion per request from the current policy (here, for guidance). */
  private sampleRequests(requests: readonly GuidedRequest[]): SampledCompletion[] {
    return runPlan(this.sampleRequestsPlan(requests), this.sampleHere);
  }

  /** One completion per request from the current policy, judged by the run's reward. */
  private *sampleRequestsPlan(requests: readonly GuidedRequest[]): SamplePlan<SampledCompletion[]> {
    const { ctx } = this;
    const c = this.collect;
    if (requests.length === 0) return [];
    const out = yield requests.map((r) => r.context);
    if (out.length !== requests.length) throw new Error(`sampling: ${requests.length} completions asked for, ${out.length} came back`);
    this.sampled += out.length;
    for (const o of out) this.sampledTokens += o.tokens.length;
    return out.map((o, i) => {
      const { item, context, group } = requests[i]!;
      const stopped = o.finish === "stop";
      // special tokens stay in the text (by name), so a completion that emits one is judged as written
      const text = (requests[i]!.answerPrefix ?? "") + ctx.tokenizer.decode(stopped ? o.tokens.subarray(0, o.tokens.length - 1) : o.tokens);
      const r = ctx.reward(text, item);
      const truncated = !stopped;
      return {
        group,
        item,
        prompt: context,
        tokens: o.tokens,
        logp: Float32Array.from(o.logprobs),
        entropy: Float32Array.from(o.entropies),
        text,
        reward: truncated && c.truncated === "penalize" ? c.truncatedReward : r.reward,
        correct: r.verdict.correct,
        ...(r.verdict.steps ? { stepVerdicts: r.verdict.steps } : {}),
        truncated,
        advantage: 0,
        status: "trained" as const,
        policyVersion: this.updates,
      };
    });
  }

  /**
   * One step: sample (and, with dynamic sampling, refill), credit, and
   * update. Returns the step's metrics; the completions are in {@link last}.
   */
  step(): Record<string, number> {
    return runPlan(this.stepPlan(), this.sampleHere);
  }

  /**
   * {@link step} with its sampling done by `sample` (actors elsewhere): it is
   * given the contexts of each round and the learner's generator, and answers
   * one completion per context as {@link sampleBatch} would. Guidance samples
   * inside its own components, so a run with guidance samples here.
   */
  async stepWith(sample: (contexts: readonly Int32Array[]) => Promise<Completion[]>): Promise<Record<string, number>> {
    if (this.guidance) throw new Error("a sequence run with guidance samples inside its guidance components: it cannot sample on actors");
    const plan = this.stepPlan();
    let next = plan.next();
    while (!next.done) next = plan.next(await sample(next.value));
    return next.value;
  }

  /** The step as a plan: it yields the contexts of each sampling round and is answered with their completions. */
  private *stepPlan(): SamplePlan<Record<string, number>> {
    const c = this.collect;
    const t0 = performance.now();
    this.reference?.check();
    const guidanceMetrics: Record<string, number> = {};
    if (this.rehearsalDivergence && this.rehearsal === null) {
      this.rehearsal = RehearsalStore.sample(this.reference!.copy, this.rehearsalDivergence.rehearsal, {
        draw: (n) => this.ctx.prompts.draw(this.ctx.rng, n),
        tokenizer: this.ctx.tokenizer,
        judge: (text, item) => this.ctx.reward(text, item).verdict.correct,
        sample: { maxNewTokens: c.maxNewTokens, temperature: c.temperature, topK: c.topK, topP: c.topP, rng: this.ctx.rng },
      });
    }
    const sampled = yield* this.sampleRoundPlan(c.prompts, guidanceMetrics);
    const first = sampled.round;
    const all = [...first];
    const metrics: Record<string, number> = { ...sampleMetrics(sampled.unguided, c.groupSize) };
    // a group's members (positional runs of groupSize), without the reference solutions guidance may add beside them
    const live = (round: SampledCompletion[]) => round.filter((s) => s.status !== "dropped" && s.source !== "reference");
    let kept = c.dynamicSampling ? withSignal(live(first), c.groupSize) : live(first);
    let rounds = 1;
    while (c.dynamicSampling && kept.length < c.prompts * c.groupSize && rounds <= c.maxRefills) {
      const more = (yield* this.sampleRoundPlan(c.prompts - kept.length / c.groupSize, guidanceMetrics)).round;
      all.push(...more);
      kept = kept.concat(withSignal(live(more), c.groupSize));
      rounds++;
    }
    const keptGroups = new Set(kept.map((s) => s.group));
    kept = kept.concat(all.filter((s) => s.source === "reference" && keptGroups.has(s.group)));
    const keptSet = new Set(kept);
    for (const s of all) if (!keptSet.has(s)) s.status = "dropped";
    metrics.samplingRounds = rounds;
    if (this.guidance) {
      Object.assign(metrics, guidanceMetrics);
      const members = live(first);
      metrics["guide/frac_reward_zero_std"] = members.length ? sampleMetrics(members, c.groupSize).frac_reward_zero_std! : 0;
    }
    const t1 = performance.now();
    metrics.sampleSeconds = (t1 - t0) / 1000;
    this.last = all;
    if (this.reference && !this.rehearsalDivergence) this.referenceLogp(kept);
    if (this.divergence?.placement === "reward" && !this.critic) metrics.kl = this.penalizeRewards(kept, this.divergence);
    Object.assign(metrics, this.critic ? this.creditTokens(kept) : this.credit(kept));
    if (c.truncated === "mask") for (const s of kept) if (s.truncated) s.status = "masked";
    const trained = kept.filter((s) => s.status === "trained" && s.tokens.length > 0);
    metrics.trainedGroups = new Set(trained.map((s) => s.group)).size;
    metrics.trainedTokens = trained.reduce((n, s) => n + s.tokens.length, 0);
    const lr = this.currentLr();
    metrics.learningRate = lr;
    if (trained.length > 0) {
      // a diverged update leaves the policy and Adam as they were before it (the run stays usable with a lower lr)
      const before = { params: this.policy.params.slice(), m: this.adamState.m.slice(), v: this.adamState.v.slice(), t: this.adamState.t, critic: this.critic?.toArrays() };
      try {
        Object.assign(metrics, this.update(trained, lr));
      } catch (error) {
        this.policy.params.set(before.params);
        this.adamState.m.set(before.m);
        this.adamState.v.set(before.v);
        this.adamState.t = before.t;
        if (before.critic) this.critic!.loadArrays(before.critic.arrays, before.critic.adamT);
        throw error;
      }
    }
    this.updates++;
    this.reference?.afterUpdate(this.policy, this.updates);
    metrics.updateSeconds = (performance.now() - t1) / 1000;
    return metrics;
  }

  /**
   * Writes each completion's advantage from its group's rewards, or from what
   * else a step advantage reads (HGPO: its mode); reference solutions that
   * guidance added are not part of a group's baseline (advantage 0). Returns
   * the estimator's metrics of the step.
   */
  private credit(all: SampledCompletion[]): Record<string, number> {
    const advantage = this.advantage as GroupAdvantageRuntime;
    const completions = all.filter((s) => s.source !== "reference");
    for (const s of all) if (s.source === "reference") s.advantage = 0;
    const rewards = Float64Array.from(completions, (s) => s.reward);
    const ids = Int32Array.from(completions, (s) => s.group);
    const step = isStepAdvantage(advantage) ? advantage : null;
    let metrics: Record<string, number> = {};
    let adv: ArrayLike<number>;
    if (step?.completionAdvantages) ({ advantages: adv, metrics } = step.completionAdvantages(completions));
    else adv = advantage.groups(rewards, ids);
    completions.forEach((s, i) => (s.advantage = adv[i]!));
    if (step) {
      const perToken = step.tokenAdvantages(completions, this.ctx.tokenizer);
      completions.forEach((s, i) => (s.tokenAdvantages = perToken[i]!));
    }
    return metrics;
  }

  /** Credits every token with the critic (rl.adv.tokenGae()): the KL of a divergence in the reward goes on each token. */
  private creditTokens(completions: SampledCompletion[]): Record<string, number> {
    const div = this.divergence?.placement === "reward" ? { coef: this.divergence.coef, estimator: (this.config.divergence!.config as { estimator: KlEstimator }).estimator } : null;
    const r = criticCredit(completions, this.critic!, this.advantage as TokenGaeRuntime, this.scoreMoments, div, this.ctx.tokenizer.pad);
    this.scoreMoments = r.moments;
    return r.metrics;
  }

  /** log π_ref of every completion token (chunks of 64 sequences). */
  private referenceLogp(completions: SampledCompletion[]): void {
    const ref = this.reference!.copy;
    const V = this.policy.vocabSize;
    for (let start = 0; start < completions.length; start += 64) {
      const chunk = completions.slice(start, start + 64).filter((s) => s.tokens.length > 0);
      if (chunk.length === 0) continue;
      const { logits, rows, targets } = completionLogits(ref, chunk, this.ctx.tokenizer.pad);
      const logp = new Float32Array(rows.length);
      const entropy = new Float32Array(rows.length);
      gatherLogProbs(logits, rows, targets, V, this.collect.temperature, logp, entropy);
      let k = 0;
      for (const s of chunk) {
        s.refLogp = logp.slice(k, k + s.tokens.length);
        k += s.tokens.length;
      }
    }
  }

  /** A divergence in the reward: R ← R − coef · Σ_t k(log π_old, log π_ref) over the tokens the policy sampled (forced hint and teacher tokens have no π_old to compare); returns the mean per-token estimate. */
  private penalizeRewards(completions: SampledCompletion[], div: DivergenceRuntime): number {
    const estimator = (this.config.divergence!.config as { estimator: "k1" | "k2" | "k3" }).estimator;
    let sum = 0;
    let n = 0;
    for (const s of completions) {
      let k = 0;
      let counted = 0;
      for (let t = 0; t < s.tokens.length; t++) {
        if (s.offPolicy?.[t]) continue;
        k += klEstimate(estimator, s.logp[t]!, s.refLogp![t]!).value;
        counted++;
      }
      s.reward -= div.coef * k;
      sum += k;
      n += counted;
    }
    return n > 0 ? sum / n : 0;
  }

  /** The epochs × minibatches of gradient steps on the trained completions. */
  private update(trained: SampledCompletion[], lr: number): Record<string, number> {
    const s = this.config.settings;
    const sums = new UpdateMetricsSums(this.metricOver);
    const policy = this.policy;
    const V = policy.vocabSize;
    const temperature = this.collect.temperature;
    const mbSize = Math.ceil(trained.length / s.minibatches);
    let gradNorm = 0;
    let criticGradNorm = 0;
    const shuffle = s.minibatches > 1;
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      const order = shuffle ? this.ctx.rng.permutation(trained.length) : null;
      for (let start = 0; start < trained.length; start += mbSize) {
        const end = Math.min(trained.length, start + mbSize);
        const seqs: SampledCompletion[] = [];
        for (let i = start; i < end; i++) seqs.push(trained[order ? order[i]! : i]!);
        const { logits, rows: logitRows, targets } = completionLogits(policy, seqs, this.ctx.tokenizer.pad);
        const m = logitRows.length;
        const logp = new Float32Array(m);
        const entropy = new Float32Array(m);
        gatherLogProbs(logits, logitRows, targets, V, temperature, logp, entropy);
        const oldLogp = new Float32Array(m);
        const advantages = new Float32Array(m);
        const segments = new Int32Array(m);
        const refLogp = this.reference && !this.rehearsalDivergence ? new Float32Array(m) : undefined;
        const offPolicy = seqs.some((q) => q.offPolicy) ? new Uint8Array(m) : undefined;
        const critic = this.critic;
        const values = critic ? critic.values(seqs, this.ctx.tokenizer.pad) : null;
        const oldValues = critic ? new Float32Array(m) : null;
        const returns = critic ? new Float32Array(m) : null;
        let k = 0;
        seqs.forEach((q, b) => {
          oldLogp.set(q.logp, k);
          if (offPolicy && q.offPolicy) offPolicy.set(q.offPolicy, k);
          if (refLogp) refLogp.set(q.refLogp!, k);
          if (oldValues) oldValues.set(q.values!, k);
          if (returns) returns.set(q.returns!, k);
          if (q.tokenAdvantages) advantages.set(q.tokenAdvantages, k);
          else advantages.fill(q.advantage, k, k + q.tokens.length);
          segments.fill(b, k, k + q.tokens.length);
          k += q.tokens.length;
        });
        const zeros = new Float32Array(m);
        const rows: TermRows = { size: m, logp, entropy, values: values ?? zeros, oldLogp, oldValues: oldValues ?? zeros, advantages, returns: returns ?? zeros, segments, ...(refLogp ? { refLogp } : {}), ...(offPolicy ? { offPolicy } : {}) };
        const aggregate = this.aggregation(m, segments);
        this.grads.reset(m);
        let loss = 0;
        for (const term of this.terms) {
          const r = term.compute(rows, aggregate, this.grads);
          loss += r.value;
          sums.add(r.metrics);
        }
        if (this.clip) {
          sums.add(clipRatios(logp, oldLogp, advantages, this.clip, offPolicy));
          let at = 0;
          for (const q of seqs) {
            const flags = (q.clipped ??= new Uint8Array(q.tokens.length));
            for (let t = 0; t < flags.length; t++, at++) flags[t] = !offPolicy?.[at] && isClipped(logp[at]! - oldLogp[at]!, advantages[at]!, this.clip) ? 1 : 0;
          }
        }
        policy.zeroGrads();
        const dLogits = new Float32Array(logits.length);
        gatherLogProbsBackward(logits, logitRows, targets, V, temperature, this.grads.logp, this.grads.dEntropy, dLogits);
        policy.backward(dLogits);
        if (this.rehearsal && this.rehearsal.size > 0) {
          const r = this.rehearse(this.rehearsal, this.rehearsalDivergence!);
          loss += r.value;
          sums.add(r.metrics);
        }
        gradNorm = s.maxGradNorm === null ? Math.sqrt(sumOfSquares(policy.grads)) : clipGradNorm(policy.grads, s.maxGradNorm);
        if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new TrainingDivergedError(this.name, this.updates + 1, epoch, start / mbSize, loss);
        adamStep(policy.params, policy.grads, this.adamState, { lr, eps: this.adam.eps });
        if (critic) {
          critic.zeroGrads();
          critic.backward(this.grads.dValue.subarray(0, m));
          criticGradNorm = critic.step(lr * (this.advantage as TokenGaeRuntime).criticLrScale, this.adam.eps, s.maxGradNorm);
          if (!Number.isFinite(criticGradNorm)) throw new TrainingDivergedError(this.name, this.updates + 1, epoch, start / mbSize, loss);
        }
      }
      const kl = sums.result().approxKl;
      if (s.targetKl !== null && kl !== undefined && kl > s.targetKl) break;
    }
    return { ...sums.result(), gradNorm, ...(this.critic ? { "critic/gradNorm": criticGradNorm } : {}) };
  }

  /**
   * Adds the gradient of coef · D(π_ref, π_θ) on `batch` stored reference
   * samples to the policy's gradients (one more forward/backward; the main
   * minibatch's gradients are kept aside while it runs).
   */
  private rehearse(store: RehearsalStore, div: RehearsalDivergence): { value: number; metrics: Record<string, number> } {
    const policy = this.policy;
    const V = policy.vocabSize;
    const rows = store.draw(this.ctx.rng, div.rehearsal.batch);
    const main = policy.grads.slice();
    policy.zeroGrads();
    const { logits, rows: logitRows, targets } = completionLogits(policy, rows, this.ctx.tokenizer.pad);
    const m = logitRows.length;
    const logp = new Float32Array(m);
    gatherLogProbs(logits, logitRows, targets, V, this.collect.temperature, logp, new Float32Array(m));
    const refLogp = new Float32Array(m);
    let k = 0;
    for (const r of rows) {
      refLogp.set(r.refLogp, k);
      k += r.refLogp.length;
    }
    const dLogp = new Float32Array(m);
    const value = div.loss(logp, refLogp, dLogp);
    const dLogits = new Float32Array(logits.length);
    gatherLogProbsBackward(logits, logitRows, targets, V, this.collect.temperature, dLogp, 0, dLogits);
    policy.backward(dLogits);
    const g = policy.grads;
    for (let i = 0; i < g.length; i++) g[i] = g[i]! + main[i]!;
    return { value: div.coef * value, metrics: { divergence: value, rehearsalPrompts: store.prompts, rehearsalSamples: store.size } };
  }

  /** Everything a checkpoint needs to continue bit for bit (with the run's own state). */
  saveState(): { json: Record<string, unknown>; arrays: Record<string, Float32Array> } {
    const critic = this.critic?.toArrays();
    return {
      json: { updates: this.updates, sampled: this.sampled, sampledTokens: this.sampledTokens, groups: this.groups, adamT: this.adamState.t, ...(critic ? { criticAdamT: critic.adamT, scoreMoments: this.scoreMoments } : {}) },
      arrays: {
        params: this.policy.params.slice(),
        adamM: this.adamState.m.slice(),
        adamV: this.adamState.v.slice(),
        ...(this.reference ? { referenceParams: this.reference.copy.params.slice() } : {}),
        ...(this.rehearsal ? this.rehearsal.toArrays() : {}),
        ...(critic ? critic.arrays : {}),
      },
    };
  }

  loadState(state: { json: Record<string, unknown>; arrays: Record<string, Float32Array> }): void {
    const j = state.json as { updates: number; sampled: number; sampledTokens?: number; groups: number; adamT: number };
    const a = state.arrays;
    for (const name of ["params", "adamM", "adamV"]) {
      if (!(a[name] instanceof Float32Array) || a[name]!.length !== this.policy.params.length) throw new RangeError(`sequence learner state: ${name} must hold ${this.policy.params.length} float32 values, got ${a[name]?.length}`);
    }
    this.policy.params.set(a.params!);
    this.adamState.m.set(a.adamM!);
    this.adamState.v.set(a.adamV!);
    this.adamState.t = j.adamT;
    if (this.reference) {
      if (!(a.referenceParams instanceof Float32Array) || a.referenceParams.length !== this.policy.params.length) throw new RangeError(`sequence learner state: the run has a reference policy, so referenceParams must hold ${this.policy.params.length} float32 values, got ${a.referenceParams?.length}`);
      this.reference.load(a.referenceParams);
    }
    this.rehearsal = this.rehearsalDivergence ? RehearsalStore.fromArrays(a) : null;
    if (this.critic) {
      const moments = (j as { scoreMoments?: unknown }).scoreMoments;
      if (!isMoments(moments)) throw new RangeError(`sequence learner state: the run has a token critic (rl.adv.tokenGae()), so scoreMoments must be { mean, variance ≥ 0, count > 0 } with finite numbers, got ${JSON.stringify(moments)}`);
      this.critic.loadArrays(a, (j as { criticAdamT?: unknown }).criticAdamT);
      this.scoreMoments = { mean: moments.mean, variance: moments.variance, count: moments.count };
    }
    this.updates = j.updates;
    this.sampled = j.sampled;
    this.sampledTokens = j.sampledTokens ?? 0;
    this.groups = j.groups;
  }
}

/** The groups of `completions` (consecutive runs of `groupSize`) whose rewards are not all equal. */
export function withSignal<T extends { readonly reward: number }>(completions: readonly T[], groupSize: number): T[] {
  const out: T[] = [];
  for (let g = 0; g < completions.length; g += groupSize) {
    const group = completions.slice(g, g + groupSize);
    if (group.some((s) => s.reward !== group[0]!.reward)) out.push(...group);
  }
  return out;
}

/** TRL-named statistics of one sampling round (groups are consecutive runs of `groupSize`). */
export function sampleMetrics(completions: readonly SampledCompletion[], groupSize: number): Record<string, number> {
  const n = completions.length;
  let reward = 0, correct = 0, clipped = 0, tokens = 0, entropy = 0, nll = 0, minLen = Infinity, maxLen = 0, stdSum = 0, zeroStd = 0;
  for (const s of completions) {
    reward += s.reward;
    correct += s.correct ? 1 : 0;
    clipped += s.truncated ? 1 : 0;
    tokens += s.tokens.length;
    for (const h of s.entropy) entropy += h;
    for (const l of s.logp) nll -= l;
    minLen = Math.min(minLen, s.tokens.length);
    maxLen = Math.max(maxLen, s.tokens.length);
  }
  const groups = Math.ceil(n / groupSize);
  for (let g = 0; g < n; g += groupSize) {
    const rs = completions.slice(g, g + groupSize).map((s) => s.reward);
    const mean = rs.reduce((a, b) => a + b, 0) / rs.length;
    const std = rs.length > 1 ? Math.sqrt(rs.reduce((a, r) => a + (r - mean) ** 2, 0) / (rs.length - 1)) : 0;
    stdSum += std;
    if (rs.every((r) => r === rs[0])) zeroStd++;
  }
  return {
    reward: reward / n,
    reward_std: stdSum / groups,
    frac_reward_zero_std: zeroStd / groups,
    correct: correct / n,
    "completions/mean_length": tokens / n,
    "completions/min_length": minLen,
    "completions/max_length": maxLen,
    "completions/clipped_ratio": clipped / n,
    sampledEntropy: tokens > 0 ? entropy / tokens : 0,
    sampledNll: tokens > 0 ? nll / tokens : 0,
  };
}

/** Whether the clipped surrogate holds a token's ratio r = exp(logRatio) at a bound: Â < 0 and r < 1 − ε_low, or Â > 0 and r > 1 + ε_high. */
export function isClipped(logRatio: number, advantage: number, clip: { low: number; high: number }): boolean {
  const r = Math.exp(logRatio);
  return (advantage < 0 && r < 1 - clip.low) || (advantage > 0 && r > 1 + clip.high);
}

/** TRL's clip ratios of a minibatch: tokens whose ratio the clipped surrogate holds at a bound. */
export function clipRatios(logp: Float32Array, oldLogp: Float32Array, advantages: Float32Array, clip: { low: number; high: number }, offPolicy?: Uint8Array): Record<string, number> {
  let low = 0, high = 0;
  for (let i = 0; i < logp.length; i++) {
    if (offPolicy?.[i] || !isClipped(logp[i]! - oldLogp[i]!, advantages[i]!, clip)) continue;
    if (advantages[i]! < 0) low++;
    else high++;
  }
  const n = Math.max(1, logp.length);
  return { "clip_ratio/low_mean": low / n, "clip_ratio/high_mean": high / n, "clip_ratio/region_mean": (low + high) / n };
}

/** A computation that yields batches of contexts to sample from and is answered with one completion per context. */
export type SamplePlan<T> = Generator<readonly Int32Array[], T, Completion[]>;

/** Runs a {@link SamplePlan} to its end, answering each request with `sample`. */
export function runPlan<T>(plan: SamplePlan<T>, sample: (contexts: readonly Int32Array[]) => Completion[]): T {
  let next = plan.next();
  while (!next.done) next = plan.next(sample(next.value));
  return next.value;
}
