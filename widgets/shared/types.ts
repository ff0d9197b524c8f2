// The data each widget kind carries from the kernel (or a script) to its view in the browser.

export interface CurveSeries {
  name: string;
  step: number[];
  y: number[];
  /** Seconds of training at each point (the x axis can switch to it). */
  wallTime?: number[];
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
  yLabel: string;
  /** Initial smoothing weight of the slider, in [0, 1). */
  smoothing: number;
  series: CurveSeries[];
  bands: CurveBand[];
}

/** The training loop's report, as the progress widget shows it. */
export interface ProgressData {
  label: string;
  step: number;
  targetStep?: number;
  updates: number;
  elapsedS: number;
  sps: number;
  etaS?: number;
  lastReturn?: number;
  meanReturn?: number;
  stopped?: string;
  /** Latest metrics row (losses, KL, …). */
  metrics?: Record<string, number>;
}

export interface TrainingData {
  runId: string;
  /** Id of this widget for the live connection. */
  widgetId: string;
  /** The kernel's loopback WebSocket (token in the URL), when there is one. */
  live?: { url: string };
  progress: ProgressData;
  curve: CurveData;
}

/** Messages on the live connection. */
export type LiveToBrowser =
  | { type: "progress"; widget: string; progress: ProgressData }
  | { type: "points"; widget: string; series: number; step: number[]; y: number[]; wallTime: number[] };
export type LiveToKernel = { type: "subscribe"; widget: string } | { type: "stop"; widget: string };
