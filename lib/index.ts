export { rl } from "./rl.js";
export { Run, type RunConfig, type TrainOptions, type TrainResult, type EvaluateOptions, type EvaluateResult, type EnvConfig } from "./run/run.js";
export { RunBuilder, RunConfigError, type EnvOptions, type OfflineOptions } from "./run/builder.js";
export { CheckpointError } from "./run/checkpoint-error.js";
export { setDisplay, currentDisplay, ConsoleDisplay, formatProgress, type Display, type TrainCurve, type TrainProgress } from "./run/display.js";
export { setInterruptSource, currentInterrupt, InterruptedError } from "./run/interrupt.js";
export { Episodes, drawObservation, type CreditOptions, type EpisodeSelection, type EpisodeRecord } from "./run/episodes.js";
export type { RolloutOptions } from "./run/rollouts.js";
export { Widget } from "../widgets/server/widget.js";
export { curveWidget, type CurveOptions } from "../widgets/server/curve.js";
export { creditWidget } from "../widgets/server/credit.js";
export { METRIC_DOCS, MetricsLog, type MetricsRow } from "./run/metrics-log.js";
export { TrainingDivergedError } from "./algos/errors.js";
export type { AlgoSpec, AlgoInstance } from "./algos/algorithm.js";
export { Rng } from "./random/rng.js";
export * from "./envs/index.js";
export type { Network, NetworkSpec, Activation } from "./nn/network.js";
// tfjs models enter through rl.model(layersModel); the tfjs wrapper's types stay out of the entry point (its ~600 declaration files would weigh on every type check of a notebook cell).
export { makeMlp, mlpFromParams, MlpNetwork, type MlpOptions as MlpNetworkOptions, type MlpInit } from "./nn/mlp.js";
export { orthogonal } from "./nn/init.js";
export * from "./optim/index.js";
export { mlp, type PolicySpec, type MlpPolicySpec, type ModelPolicySpec, type HeadKind, type MlpOptions } from "./policy/spec.js";
export { ActorCritic } from "./policy/actor-critic.js";
export { generalizedAdvantages, discountedReturns, normalizeInPlace, explainedVariance, type GaeInput, type GaeOutput } from "./credit/gae.js";
export { logSoftmax, categoricalStats, categoricalBackward, sampleCategorical } from "./dist/categorical.js";
export { gaussianStats, gaussianBackward, sampleGaussian } from "./dist/gaussian.js";
export { dqn, DQN_DEFAULTS, type DqnConfig } from "./algos/off-policy/dqn.js";
export { sac, SAC_DEFAULTS, type SacConfig } from "./algos/off-policy/sac.js";
export * from "./pg/index.js";
export { bc, BC_DEFAULTS, type BcConfig, type BcOptions } from "./algos/offline/bc.js";
export { cql, CQL_DEFAULTS, type CqlConfig, type CqlOptions } from "./algos/offline/cql.js";
export { iql, IQL_DEFAULTS, type IqlConfig, type IqlOptions } from "./algos/offline/iql.js";
export { cqlPenalty, expectileLoss, awrWeights } from "./losses/offline-q.js";
export { VERSION } from "./version.js";
export { trajectorySchema, TRAJECTORY_SOURCES } from "./data/schema.js";
export { TrajectoryRecorder } from "./data/recorder.js";
export { RecordingVecEnv } from "./data/recording-env.js";
export { offlineMix, metaMix, type OfflineMixSpec, type OfflineMixOptions, type MetaMixOptions } from "./algos/mix.js";
export { reptileStep } from "./algos/offline-online/reptile.js";
export { MetaSchedule, META_MIX_DEFAULTS, type MetaMixConfig } from "./algos/offline-online/meta-schedule.js";
export { Dataset, openDataset, datasetFrom, type DatasetStats, type EpisodeSummary, type Minibatch as DatasetMinibatch, type Sampler, type SamplerState } from "./data/dataset.js";
export { episodeReturns } from "./credit/returns.js";
export { tdErrors, lambdaReturns, episodeAdvantages } from "./credit/td.js";
export { vtrace } from "./credit/vtrace.js";
export { groupRelativeAdvantages, type GroupRelativeOptions } from "./credit/group-relative.js";
export { sequenceCredit, type SequenceCredit, type SequenceCompletion, type SequenceGroup } from "./credit/sequences.js";
export { sequenceTable, type SequenceRow } from "./data/sequence-table.js";
export { sequenceCreditWidget, type SequenceViewOptions } from "../widgets/server/sequences.js";
export { withCreditColumns } from "./credit/columns.js";
export { episodeLayout } from "./credit/episodes.js";
export { fromD4rl, toD4rl, openHfDataset, saveHfDataset, readMinariArrow, writeMinariArrow } from "./data/interop/index.js";
// Sequence tasks, tokenizers and their evaluation (the sequence policies come next).
export {
  tasks,
  taskSplit,
  rewards,
  defineTask,
  taskFromRows,
  taskFromJsonl,
  taskFromTable,
  openTaskTable,
  type Task,
  type TaskItem,
  type Verdict,
  type RewardTerm,
  type RewardFunction,
} from "./seq/tasks/index.js";
export { correctness as correctnessReward, format as formatReward, stepAccuracy as stepAccuracyReward } from "./seq/tasks/rewards.js";
export { charTokenizer, charTokenizerFor, loadTokenizer, type Tokenizer } from "./seq/tokenizers/index.js";
export { passAtK, majorityAtK } from "./seq/eval/pass-at-k.js";
export { evaluateSequences, type SequenceEvaluation, type SequenceScores, type SequenceEvalOptions } from "./seq/eval/evaluate.js";
export { evaluateHybrid, type HybridEvaluation, type HybridScores, type HybridEvalOptions } from "./seq/eval/hybrid-accuracy.js";
export { SequenceRun, SequenceRunBuilder, type SequenceRunOptions, type SequenceEvalSchedule, type SequenceTrainOptions } from "./seq/run.js";
export { saveSequenceRun, loadSequenceRun } from "./seq/run-checkpoint.js";
export { sftOnTask, type SftTaskOptions, type SftTaskResult } from "./seq/sft-task.js";
export { tokenPolicy, type TokenPolicyOptions, type TokenPolicyEngine } from "./seq/policies/make.js";
export { HostedTransformer } from "./seq/policies/hosted-transformer.js";
export { rlooAdvantages, asymreAdvantages, reinforcePlusPlusAdvantages } from "./credit/group-baselines.js";
export {
  Transformer,
  transformerConfig,
  DEFAULT_TRANSFORMER_CONFIG,
  sample,
  sampleBatch,
  GruPolicy,
  loadGru,
  saveGru,
  type GruConfig,
  type TokenPolicy,
  type TokenDecoder,
  tokenLogProbs,
  tokenLogProbsBackward,
  loadGpt2,
  saveGpt2,
  loadLlama,
  saveLlama,
  readSafetensors,
  writeSafetensors,
  SafetensorsError,
  sftBatch,
  SftTrainer,
  type SftBatch,
  type TransformerConfig,
  type Completion,
  type SampleOptions,
} from "./seq/policies/index.js";
export { startNatsActor, type NatsActorOptions, type NatsActorHandle } from "./workers/nats/nats-actor.js";
export { natsAuthProblems, createUserNkey, type NatsAuth } from "./workers/nats/auth.js";
export type { WorkersSpec, LocalWorkersSpec, NatsWorkersSpec, WorkerStatus } from "./workers/pool.js";
export { PreferenceData, openPreferences, type PreferenceList, type PreferencePair, type PreferenceColumns } from "./data/preferences.js";
export { PreferenceRun, sequenceLogProbs, type PreferenceRunOptions, type PreferenceEvaluation } from "./seq/preference-run.js";
export { preferencesFromTask, type PreferencesFromTaskOptions } from "./seq/preference-samples.js";
export { ndcg } from "./seq/eval/ndcg.js";
export { pairPreferenceLoss, type PairLossKind, type PairLogps } from "./pg/preference/pair-loss.js";
export { lambdaLoss, type LambdaLossResult } from "./pg/preference/lambda-loss.js";
export { anchoredFlipLoss } from "./pg/preference/anchored-flip.js";
export { logisticLoss } from "./pg/preference/logistic.js";
export { dpoListLoss, listPairs } from "./pg/preference/dpo.js";
export { lipoListLoss } from "./pg/preference/lipo.js";
export type { PreferenceTerm } from "./pg/preference/term.js";
export { RewardModel, bradleyTerryLoss, type RewardModelTrainOptions } from "./seq/reward-model.js";
export { EpochOrder } from "./data/epoch-order.js";
export { GuidedPolicy } from "./steer/guided-policy.js";
export { guidanceMix } from "./steer/guidance-mix.js";
export { valueGuidedProbabilities } from "./steer/value-guided-selection.js";
export { rewardAndKl, type RewardKlOptions } from "./steer/reward-kl.js";
export { ValueGuidedActor, type ValueGuidedOptions } from "./steer/value-guided-actor.js";
export { gatherQValues, twinCriticValues } from "./algos/q-values.js";
export { BudgetPredictor, thinkingEnd, type PredictorConfig } from "./steer/budget/budget-predictor.js";
export { sampleWithBudget, type BudgetSampleOptions, type BudgetCompletion } from "./steer/budget/budget-sample.js";
export { gammaLengthNll, gammaLengthCdf, budgetGuidedProbabilities } from "./steer/budget/gamma-length.js";
export { SeppoRun, type SeppoRunOptions } from "./seq/seppo-run.js";
export { seppoPairLoss } from "./pg/preference/seppo.js";
export { savePreferenceRun, loadPreferenceRun, PREFERENCE_RUN_FORMAT } from "./seq/preference-checkpoint.js";
export { TokenQ, sampleValueGuided, type LoggedCompletion } from "./steer/token-q.js";
export { steeredDecode, type SteeredStep, type SteeredCompletion } from "./seq/policies/steered-decode.js";
export { dualAscentStep, pidLagrangianStep, type PidLagrangianState, type PidGains } from "./safe/lagrangian.js";
export { SupportGuard } from "./safe/support-guard.js";
export { ChristoffelGuard, monomialExponents } from "./safe/christoffel-guard.js";
export type { Guard } from "./safe/guard.js";
export { reservoirStage, reservoirStageSlopes, type ReservoirStage } from "./safe/reservoir-stage.js";
export { runReservoirChain, reservoirOptimum, type ReservoirProblem, type ChainResult } from "./safe/reservoir-chain.js";
export { TargetPolicy, type TargetPolicyOptions } from "./safe/tsddr.js";
export { violationRate, returnAtCostLimit } from "./safe/cost-metrics.js";
export { DynamicsModel, type DynamicsFitOptions } from "./safe/dynamics-model.js";
export { ModelVecEnv, type ModelEnvParts, type StepCost } from "./safe/model-env.js";
export { modelCmdp, type ModelCmdp, type ModelCmdpOptions } from "./safe/model-cmdp.js";
export { evaluateSafety, type SafetyEvalOptions, type SafetyEvalResult } from "./safe/safety-eval.js";
export { recordBehavior, type RecordBehaviorOptions } from "./data/behavior-data.js";
export { saveRewardModel, loadRewardModel, REWARD_MODEL_FORMAT } from "./seq/reward-model-checkpoint.js";
