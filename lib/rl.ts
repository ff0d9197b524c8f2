import { workers } from "./workers/pool.js";
import { a2c, adv, agg, collect, constraint, div, grpo, guide, loss, optim, pg, ppo, ppoMax, pref, ref, reinforce, schedule } from "./pg/index.js";
import { openPreferences, PreferenceData } from "./data/preferences.js";
import { PreferenceRun, type PreferenceRunOptions } from "./seq/preference-run.js";
import { preferencesFromTask } from "./seq/preference-samples.js";
import { loadPreferenceRun } from "./seq/preference-checkpoint.js";
import { RewardModel } from "./seq/reward-model.js";
import { loadRewardModel } from "./seq/reward-model-checkpoint.js";
import { SeppoRun, type SeppoRunOptions } from "./seq/seppo-run.js";
import { GuidedPolicy } from "./steer/guided-policy.js";
import { guidanceMix } from "./steer/guidance-mix.js";
import { rewardAndKl } from "./steer/reward-kl.js";
import { TokenQ, sampleValueGuided } from "./steer/token-q.js";
import { BudgetPredictor } from "./steer/budget/budget-predictor.js";
import { sampleWithBudget } from "./steer/budget/budget-sample.js";
import { ValueGuidedActor, type ValueGuidedOptions } from "./steer/value-guided-actor.js";
import { valueGuidedProbabilities } from "./steer/value-guided-selection.js";
import { returnAtCostLimit, violationRate } from "./safe/cost-metrics.js";
import { withCosts } from "./envs/costs.js";
import { modelCmdp } from "./safe/model-cmdp.js";
import { TargetPolicy, type TargetPolicyOptions } from "./safe/tsddr.js";
import { reservoirOptimum, runReservoirChain, type ReservoirProblem } from "./safe/reservoir-chain.js";
import { evaluateSafety } from "./safe/safety-eval.js";
import { recordBehavior } from "./data/behavior-data.js";
import type { TokenPolicy } from "./seq/policies/token-policy.js";
import type { Tokenizer } from "./seq/tokenizers/tokenizer.js";
import { SequenceRunBuilder, type SequenceRunOptions } from "./seq/run.js";
import { loadSequenceRun } from "./seq/run-checkpoint.js";
import { sftOnTask } from "./seq/sft-task.js";
import { weightSoup } from "./pg/reference/soup.js";
import { tokenPolicy } from "./seq/policies/make.js";
import type { Task } from "./seq/tasks/task.js";
import { dqn } from "./algos/off-policy/dqn.js";
import { sac } from "./algos/off-policy/sac.js";
import { bc } from "./algos/offline/bc.js";
import { cql } from "./algos/offline/cql.js";
import { iql } from "./algos/offline/iql.js";
import type { EnvSource } from "./envs/custom.js";
import { knownEnvIds, makeEnv, makeVecEnv, registerEnv } from "./envs/registry.js";
import { deviceReport, initBackend } from "../native/index.js";
import { mlp, type HeadKind, type ModelPolicySpec, type MlpOptions } from "./policy/spec.js";
import { RunBuilder, type EnvOptions, type OfflineOptions } from "./run/builder.js";
import { loadRun, saveRun, type LoadRunOptions } from "./run/checkpoint.js";
import { datasetFrom, openDataset, type Dataset } from "./data/dataset.js";
import type { Run } from "./run/run.js";
import { metaMix, offlineMix } from "./algos/mix.js";
import { compare } from "./run/compare.js";
import { sequenceTable, type SequenceRow } from "./data/sequence-table.js";
import { defineTask, openTaskTable, rewards, taskFromJsonl, taskFromRows, taskFromTable, tasks, taskSplit } from "./seq/tasks/index.js";
import { correctness, format, stepAccuracy } from "./seq/tasks/rewards.js";
import { charTokenizer, charTokenizerFor, loadTokenizer } from "./seq/tokenizers/index.js";

/**
 * A tfjs `LayersModel` as the actor (outputs logits or action means); the
 * critic is an MLP with `critic` hidden widths. Every run built from it trains
 * its own copy of the model: the model passed in is never changed.
 */
function model(layersModel: unknown, options: { critic?: readonly number[]; head?: HeadKind; logStdInit?: number } = {}): ModelPolicySpec {
  return { kind: "model", model: layersModel, critic: mlp(options.critic ?? [64, 64]), head: options.head ?? "auto", logStdInit: options.logStdInit ?? 0 };
}

/**
 * The fluent entry point:
 *
 * ```ts
 * const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).policy(rl.mlp([64, 64])).algo(rl.ppo()).build();
 * await run.train({ steps: 50_000 });
 * ```
 */
export const rl = {
  /** Starts a run builder on `n` copies of an env (registered id, class, or definition). */
  env: (env: string | EnvSource, options?: EnvOptions): RunBuilder<false> => RunBuilder.start(env, options),
  /** One Gymnasium-style env (`reset()`, `step(a)`). */
  make: makeEnv,
  /** `n` copies of an env stepped together (struct of arrays). */
  makeVec: makeVecEnv,
  registerEnv,
  envs: knownEnvIds,
  mlp: (hidden?: readonly number[], options?: MlpOptions) => mlp(hidden, options),
  model,
  /**
   * The policy-gradient engine with its plainest filling, to be changed slot by slot:
   * `rl.pg().advantage(rl.adv.gae()).loss(rl.loss.clipped(), rl.loss.value()).divergence(rl.div.kl())`.
   */
  pg,
  /** PPO (CleanRL's ppo.py) as a preset of the engine: `rl.ppo({ lr }).divergence(rl.div.kl({ coef: 0.05 }))`. */
  ppo,
  /** A2C as a preset of the engine. */
  a2c,
  /**
   * GRPO for sequence runs as a preset of the engine: groups of completions, group-relative
   * advantages, the token-level clipped surrogate: `rl.seq(task, { policy, tokenizer }).algo(rl.grpo()).build()`;
   * relatives by one slot: `rl.grpo().advantage(rl.adv.rloo())`, `.loss(rl.loss.opmd())`.
   */
  grpo,
  /**
   * RLHF-style PPO for sequence runs as PPO-max (Secrets of RLHF I) fills the engine: a token critic
   * initialized from the policy, the score scaled by its running std, a per-token KL to the initial
   * policy in the reward, GAE over tokens, clipped policy and value losses: `.algo(rl.ppoMax())`.
   */
  ppoMax,
  /**
   * Starts a sequence run: a token policy trained on a verifiable task,
   * `rl.seq(rl.tasks.addition, { level: 2, policy, tokenizer }).algo(rl.grpo()).eval({ every: 10 }).build()`.
   */
  seq: Object.assign((task: Task, options: SequenceRunOptions): SequenceRunBuilder => new SequenceRunBuilder(task, options), {
    /** Loads a sequence run saved with `run.save(dir)`; pass the task (and a custom reward) it was built with. */
    load: loadSequenceRun,
    /**
     * A token policy with a seeded initialization: `rl.seq.policy("transformer", { vocabSize, layers, dModel, … }, { seed })`
     * (the fast float32 build where WebAssembly SIMD runs) or `rl.seq.policy("gru", { vocabSize, hiddenSize }, { seed })`.
     */
    policy: tokenPolicy,
    /** Supervised fine-tuning on a task's reference solutions (makes the initial policy GRPO improves). */
    sft: sftOnTask,
    /** The weighted average of several policies' parameters of one architecture (SALSA's soup): `policy.params.set(rl.seq.weightSoup([a.params, b.params]))`. */
    weightSoup,
    /**
     * A preference run: the policy trained offline on pairs or graded lists by a preference loss against a frozen reference,
     * `rl.seq.preference(data, { policy, tokenizer, loss: rl.pref.lipo() }).train({ steps: 200 })`.
     */
    preference: (data: PreferenceData, options: PreferenceRunOptions): PreferenceRun => new PreferenceRun(data, options),
    /** Loads a preference run saved with `run.save(dir)` (its data included); `train()` continues it bit for bit. */
    loadPreference: loadPreferenceRun,
    /** A SePPO run: the task's reference solutions as winners against samples of a reference drawn among earlier checkpoints, `rl.seq.seppo(task, { policy, tokenizer, maxNewTokens })`. */
    seppo: (task: Task, options: SeppoRunOptions): SeppoRun => new SeppoRun(task, options),
    /**
     * A reward model: `backbone`'s last-position logit of one token as a scalar head, trained on pairs by Bradley–Terry,
     * `rl.seq.rewardModel(sft.clone(), tokenizer)`; `rm.reward(task)` is the reward of a sequence run.
     */
    rewardModel: (backbone: TokenPolicy, tokenizer: Tokenizer, options?: { headToken?: number; id?: string }): RewardModel => new RewardModel(backbone, tokenizer, options),
    /** Loads a reward model saved with `rm.save(dir)`. */
    loadRewardModel,
  }),
  dqn,
  sac,
  /** REINFORCE with a learned baseline as a preset of the engine. */
  reinforce,
  /** Advantage estimators for the engine's `advantage` slot. */
  adv,
  /** Loss terms for the engine's `loss` list. */
  loss,
  /** Divergences to the reference policy (`divergence` slot). */
  div,
  /** Reference policies (`reference` slot). */
  ref,
  /** Aggregations of per-step terms (`aggregation` slot). */
  agg,
  /** How on-policy batches are gathered (`collect` slot). */
  collect,
  /** What a sequence run does for groups whose samples all failed: hints, teachers (`guidance` slot). */
  guide,
  /** Optimizers (`optimizer` slot). */
  optim,
  /** Learning-rate schedules (`schedule` slot). */
  schedule,
  /**
   * Inference-time steering: `guided(base, tuned, { w })` samples the geometric mixture π_base^(1−w) π_tuned^w (RLG);
   * `mix` and `valueGuided` are the formulas (RLG's extrapolation, V-GPS's choice among sampled actions).
   */
  steer: {
    guided: (base: TokenPolicy, tuned: TokenPolicy, options: { w: number }): GuidedPolicy => new GuidedPolicy(base, tuned, options?.w),
    mix: guidanceMix,
    valueGuided: valueGuidedProbabilities,
    /**
     * V-GPS on an env: `vgps(generalistRun, criticRun, { k, beta })` samples k actions from the generalist and picks by the
     * critic's Q (IQL, CQL, DQN, SAC runs); `.evaluate({ episodes })` runs it on the generalist's env.
     */
    vgps: (generalist: Run, critic: Run, options: ValueGuidedOptions): ValueGuidedActor => new ValueGuidedActor(generalist, critic, options),
    /** V-GPS on tokens: `tokenQ(model, tokenizer)` learns Q(s, v) from logged completions and rewards; `sampleValueGuided(policy, q, tokenizer, prompts, { k, beta, maxNewTokens, rng })` re-ranks k sampled tokens per step by it. */
    tokenQ: (model: TokenPolicy, tokenizer: Tokenizer): TokenQ => new TokenQ(model, tokenizer),
    sampleValueGuided,
    /**
     * Budget guidance: `budgetPredictor(tokenizer, { endTokens: [";"], config: { context } })` learns the remaining thinking
     * length per candidate token (Gamma on log length) from sampled completions; `sampleWithBudget(policy, tokenizer, prompts,
     * { mode: "guidance" | "truncation", budget, predictor, maxNewTokens, rng })` samples under a thinking budget.
     */
    budgetPredictor: (tokenizer: Tokenizer, options: ConstructorParameters<typeof BudgetPredictor>[1]): BudgetPredictor => new BudgetPredictor(tokenizer, options),
    sampleWithBudget,
    /** The mean score of a sampler's completions and its sequence KL to a reference (Monte Carlo): `rewardAndKl(policy, ref, tokenizer, items, { maxNewTokens, score })`. */
    rewardAndKl,
  },
  /** Preference losses: DPO (IPO, hinge) and LiPO-λ for `rl.seq.preference(data, { loss })`, SePPO for `rl.seq.seppo(task, { loss })`. */
  pref,
  /** Cost constraints of policy-gradient runs: `rl.ppo().constraint(rl.constraint.lagrangian({ limit }))` (PPO-Lagrangian) or `rl.constraint.pidLagrangian(...)`. */
  constraint,
  /**
   * Safety metrics and costs: `violationRate(episodeCosts, limit)`, `returnAtCostLimit(returns, costs, limit)` (the best
   * return measured within the limit), and `withCosts(env, { names, cost })` to give any env a constraint cost.
   */
  safe: {
    violationRate,
    returnAtCostLimit,
    withCosts,
    /**
     * OGSRL's estimated CMDP: `modelCmdp(data, { costs, coverage })` fits a dynamics model and a support guard to offline
     * data and registers an env that steps the model with the costs "ood" and `costs`; train on it with a constrained PPO.
     */
    modelCmdp,
    /** `evaluateSafety(act, envId, { episodes, guard, limit })`: return, cost, violation rate and the share of steps outside the guard. */
    evaluateSafety,
    /**
     * TS-DDR on a multistage reservoir: `targetPolicy(problem, { inflows })` trains a policy of target storages through the
     * stages' LPs by their dual gradients; `runReservoirChain(problem, inflows, targets)` and `reservoirOptimum(problem, inflows)`.
     */
    targetPolicy: (problem: ReservoirProblem, options: TargetPolicyOptions): TargetPolicy => TargetPolicy.train(problem, options),
    runReservoirChain,
    reservoirOptimum,
  },
  /**
   * Preference data as Arrow tables: `pairs([{ prompt, chosen, rejected }])`, `lists([{ prompt, completions, scores }])`,
   * `open(path)` (a Hugging Face save_to_disk directory, Parquet or Arrow), `fromTable(table)`, and
   * `fromTask(policy, tokenizer, task, { prompts, completions, maxNewTokens })` (a policy's samples scored by the verifier or a score).
   */
  preferences: {
    pairs: PreferenceData.pairs,
    lists: PreferenceData.lists,
    fromTable: PreferenceData.fromTable,
    open: openPreferences,
    fromTask: preferencesFromTask,
  },
  /** Behavior cloning from the dataset of `rl.offline(dataset)`: one Adam step on one minibatch per update. */
  bc,
  /** Conservative Q-learning (CQL(H)) from the dataset of `rl.offline(dataset)`: over double DQN for discrete actions, over soft actor-critic for continuous ones. */
  cql,
  /** Implicit Q-learning from the dataset of `rl.offline(dataset)` (discrete or continuous actions): expectile V, TD Q, advantage-weighted policy. */
  iql,
  /**
   * Starts a run builder that trains from a dataset: `rl.offline(dataset).algo(rl.bc()).build()`.
   * Its env (the dataset's `trellis.env_id` unless `env` is given) is used by `evaluate()` only.
   */
  offline: (dataset: Dataset, options?: OfflineOptions): RunBuilder<false> => RunBuilder.offline(dataset, options),
  /** Loads a run saved with `run.save(dir)`; `{ workers }` says where a run saved with workers finds its actors now. */
  load: (dir: string, options?: LoadRunOptions): Promise<Run> => loadRun(dir, options),
  /** Saves a run (same as `run.save(dir)`). */
  save: (run: Run, dir: string): Promise<void> => saveRun(run, dir),
  /**
   * Trajectory datasets: `rl.dataset.open(path)` (Arrow IPC file/stream, Parquet, or a directory of
   * shards), `rl.dataset.from(table)`, and `rl.dataset.sequences(rows)` for sequence-task rows
   * (tokens, token log-probs and advantages, GRPO groups) that `dataset.credit()` shows.
   */
  dataset: { open: openDataset, from: datasetFrom, record: recordBehavior, sequences: (rows: readonly SequenceRow[], options?: { runId?: string; envId?: string }) => datasetFrom(sequenceTable(rows, options)) },
  /**
   * Data sources for online runs: `.mix(rl.data.offline(dataset, options))` mixes dataset rows
   * into DQN/SAC minibatches (RLPD; DQN with H2O's dynamics-gap weights via `dynamicsGap`), or
   * adds an AHPO-gated imitation term and an HNPG-style offline critic term to PPO/A2C.
   */
  data: {
    offline: offlineMix,
    /** MOORL for DQN and SAC: `.mix(rl.data.meta(dataset, { inner: 10, metaLr: 0.5, offlineShare: 0.5 }))` meta-learns across the offline and online buffers (Reptile). */
    meta: metaMix,
  },
  /**
   * Where a run's env copies live and its policy acts: `.workers(rl.workers.local({ n: 2 }))` (worker threads)
   * or `.workers(rl.workers.nats({ servers: "nats://host:4222", slots: 4 }))` (actors started with `trellis worker`).
   */
  workers,
  /**
   * Reward curves of several runs in one widget: `rl.compare(runA, runB)`, or groups of seeds as
   * mean ± std bands: `rl.compare({ plain: [p1, p2, p3], hybrid: [h1, h2, h3] })`.
   */
  compare,
  /**
   * Verifiable sequence tasks (prompt → completion, judged by a verifier): the built-ins
   * (`rl.tasks.addition`, `.multiplication`, `.reversal`, `.sortDigits`, `.sortLetters`, `.countChar`,
   * `.parity`, `.countdown`, `.countdownHard`), seeded splits (`rl.tasks.split(task, { seed, level, train, test })`),
   * weighted rewards (`rl.tasks.rewards(task, [{ fn: rl.tasks.correctness, weight: 1 }])`) and custom tasks
   * (`rl.tasks.define`, `.fromRows`, `.fromJsonl`, `.fromTable`, `await rl.tasks.open(path)`).
   */
  tasks: { ...tasks, split: taskSplit, rewards, correctness, format, stepAccuracy, define: defineTask, fromRows: taskFromRows, fromJsonl: taskFromJsonl, fromTable: taskFromTable, open: openTaskTable },
  /** Tokenizers: `rl.tokenizer.char(alphabet)`, `rl.tokenizer.for(texts)`, and `rl.tokenizer.load(path)` of a Hugging Face tokenizer.json (BPE, WordPiece). */
  tokenizer: { char: charTokenizer, for: charTokenizerFor, load: loadTokenizer },
  /** Which TensorFlow.js backend runs, and why each faster one was skipped. */
  device: async () => {
    await initBackend();
    return deviceReport();
  },
};
