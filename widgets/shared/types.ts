// The data each widget kind carries from the kernel (or a script) to its view in the browser.
import type { EncodedFrames } from "./frames.js";

export interface CurveSeries {
  name: string;
  step: number[];
  y: number[];
  /** Seconds of training at each point (the x axis can switch to it). */
  wallTime?: number[];
  /** Drawn as measured: points marked, not smoothed (a metric logged only at some steps, e.g. an evaluation). */
  raw?: boolean;
}

/** Mean ± std across the runs of a group (seeds), on a common step grid. */
export interface CurveBand {
  name: string;
  runs: number;
  x: number[];
  mean: number[];
  lower: number[];
  upper: number[];
}

export interface CurveData {
  title?: string;
  /** What `step` counts (default "env steps"; an offline run's view counts updates). */
  xLabel?: string;
  yLabel: string;
  /** Initial smoothing weight of the slider, in [0, 1). */
  smoothing: number;
  series: CurveSeries[];
  bands: CurveBand[];
}

/** One actor of a run with workers, as the training view lists it. */
export interface WorkerRow {
  worker: string;
  batches: number;
  envSteps: number;
  /** Env steps per second over its batches' acting time. */
  stepsPerSecond: number;
  /** What the counts are: env steps (default) or tokens sampled. */
  unit?: "env steps" | "tokens";
}

/** The training loop's report, as the progress widget shows it. */
export interface ProgressData {
  label: string;
  step: number;
  targetStep?: number;
  updates: number;
  targetUpdates?: number;
  elapsedS: number;
  sps: number;
  etaS?: number;
  lastReturn?: number;
  meanReturn?: number;
  stopped?: string;
  /** Latest metrics row (losses, KL, …). */
  metrics?: Record<string, number>;
  /** The run's actors (`.workers(...)`), with their batches and acting throughput. */
  workers?: readonly WorkerRow[];
}

/** Where a live view reaches the kernel: its loopback WebSocket, else a Jupyter comm target. */
export interface LiveEndpoints {
  url?: string;
  comm?: string;
}

export interface TrainingData {
  runId: string;
  /** Id of this widget for the live connection. */
  widgetId: string;
  /** How the view reaches the running kernel (absent once training stopped, or outside a kernel). */
  live?: LiveEndpoints;
  progress: ProgressData;
  curve: CurveData;
}

/** Messages on the live connection. */
export type LiveToBrowser =
  | { type: "progress"; widget: string; progress: ProgressData }
  | { type: "points"; widget: string; series: number; step: number[]; y: number[]; wallTime: number[] };
export type LiveToKernel = { type: "subscribe"; widget: string } | { type: "stop"; widget: string };

/** Per-step numbers of an episode in the trajectory viewer. */
export interface TrajectorySeries {
  action: number[];
  reward: number[];
  return: number[];
  value?: number[];
  advantage?: number[];
}

export interface TrajectoryData {
  title: string;
  episodes: { id: number; length: number; totalReturn: number; end: string; frames: EncodedFrames; series: TrajectorySeries }[];
}

export const CREDIT_METRICS = ["advantage", "return", "td_error", "ratio", "kl", "kl_ref", "entropy", "cost"] as const;
export type CreditMetric = (typeof CREDIT_METRICS)[number];

export interface CreditData {
  title: string;
  episodes: { id: number; length: number; totalReturn: number }[];
  /** Per metric: one row per episode, as long as the episode (non-finite values as null). */
  metrics: Partial<Record<CreditMetric, (number | null)[][]>>;
  /** Steps whose ratio left [1 − ε, 1 + ε] (PPO clipped them): [episode row, t]. */
  clipped: [number, number][];
  clip: number;
  /** Steps that are not the policy's own (offline, hint, teacher, sim): [episode row, from t, to t, source]. */
  segments: [number, number, number, string][];
}

export interface DatasetColumn {
  name: string;
  type: string;
  nullable: boolean;
  /** Nulls in the column. */
  nulls: number;
}

export interface Histogram {
  /** Column (and element, for lists: "obs[2]"). */
  name: string;
  /** Bin edges (bins + 1), or the categories of a small integer/bool column. */
  edges: number[];
  counts: number[];
  min: number;
  max: number;
  mean: number;
}

export interface DatasetData {
  title: string;
  numRows: number;
  columns: DatasetColumn[];
  /** The first rows, cells as text (the browser pages through them). */
  rows: string[][];
  histograms: Histogram[];
  /** Dataset stats (episodes, return and length summaries) when it has episodes. */
  stats?: Record<string, number>;
}

/** One completion of a sequence task in the sequence credit view. */
export interface SequenceCompletionData {
  episode: number;
  group: number | null;
  reward: number;
  /** Group-relative (normalized) advantage; null without a group. */
  advantage: number | null;
  zeroVariance: boolean;
  /** Token texts (decoded, or the ids as text). */
  tokens: string[];
  /** Per token, when the table has `token_adv` / `token_logp`. */
  adv?: (number | null)[];
  logp?: (number | null)[];
  /** Token runs not from the policy itself (offline, hint, teacher, sim): [from, to, source]. */
  segments: [number, number, string][];
  /** Indices of the tokens whose ratio the update's clipped surrogate held at a bound (when the table has `token_clipped`). */
  clipped?: number[];
  /** Tokens left out of `tokens` (long completions are cut). */
  cut: number;
}

export interface SequenceCreditData {
  title: string;
  completions: SequenceCompletionData[];
  /** GRPO groups: completions of one prompt side by side. */
  groups: { id: number; members: number[]; mean: number; std: number; zeroVariance: boolean }[];
  /** Completions left out (the view embeds at most a bounded number). */
  omitted: number;
  /** Clipped tokens over all completions (embedded or not), when the table has `token_clipped`. */
  clippedTokens?: number;
}

/** Several advantage estimators on the same episodes (the credit comparison view). */
export interface CreditCompareData {
  title: string;
  episodes: { id: number; length: number; totalReturn: number }[];
  /** Per estimator: one row of advantages per episode. */
  estimators: { name: string; rows: (number | null)[][] }[];
  rewards: number[][];
}

/** One completion in the completions table. */
export interface CompletionRowData {
  episode: number;
  /** The training step whose policy sampled it. */
  step: number;
  group: number | null;
  promptId: string | null;
  /** Decoded text (cut at the view's bound, "…" marking the cut). */
  prompt: string;
  completion: string;
  reward: number;
  advantage: number | null;
  /** Tokens in the completion. */
  length: number;
  zeroVariance: boolean;
  /** Ended without eos (or recorded as truncated); null when the view cannot tell (no eos id given). */
  truncated: boolean | null;
  /** Tokens whose ratio the update clipped; null when the table does not record it. */
  clipped: number | null;
}

export interface CompletionsData {
  title: string;
  /** The steps present among the embedded rows, ascending. */
  steps: number[];
  /** The step shown first (the last one, unless asked otherwise); null: all steps. */
  step: number | null;
  rows: CompletionRowData[];
  /** Completions in the source, and those left out of `rows` (the oldest steps go first). */
  total: number;
  omitted: number;
}
