import type { Display } from "./display.js";
import type { MetricsRow } from "./metrics-log.js";

/** Options of {@link Run.train}. Give at least one of `steps`, `updates`, `until`. */
export interface TrainOptions {
  /** Env steps (summed over copies) to take in this call. */
  steps?: number;
  /** Updates to perform in this call. */
  updates?: number;
  /** Stop after the first update whose metrics row satisfies this. */
  until?: (row: MetricsRow) => boolean;
  /** Stops training at the next step boundary; the run stays consistent and train() can be called again. */
  signal?: AbortSignal;
  /** Evaluate (greedy) every this many env steps; fills `evalReturn`. */
  evalEvery?: number;
  /** Episodes per evaluation (default 10). */
  evalEpisodes?: number;
  /** Where progress goes (default: the installed display, or a console line). */
  display?: Display;
}

/** The budget, stop and evaluation options of a train() call once checked: `evalEpisodes` has its default (`display` is read when training starts). */
export interface CheckedTrainOptions {
  readonly steps: number | undefined;
  readonly updates: number | undefined;
  readonly until: ((row: MetricsRow) => boolean) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly evalEvery: number | undefined;
  readonly evalEpisodes: number;
}

/**
 * Checks the options of a train() call (throws the TypeError or RangeError a
 * caller sees) and returns them with their defaults. `offline` names the
 * algorithm of a run that trains from a dataset (it takes no env steps), and
 * is undefined for an env-stepping run.
 */
export function checkTrainOptions(options: TrainOptions, offline: string | undefined): CheckedTrainOptions {
  const { steps, updates, until, signal, evalEvery, evalEpisodes = 10 } = options;
  if (steps === undefined && updates === undefined && until === undefined) {
    throw new TypeError("train() needs a budget: { steps }, { updates } or { until: (m) => ... }, e.g. run.train({ steps: 50_000 })");
  }
  for (const [name, v] of [["steps", steps], ["updates", updates], ["evalEvery", evalEvery], ["evalEpisodes", evalEpisodes]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new RangeError(`train({ ${name} }): expected a positive integer, got ${String(v)}`);
  }
  if (steps !== undefined && offline !== undefined) throw new TypeError(`train({ steps }): ${offline} trains from a dataset and takes no env steps; use train({ updates: 1_000 }) or { until }`);
  if (until !== undefined && typeof until !== "function") throw new TypeError("train({ until }): expected a function of the metrics row, e.g. (m) => m.meanReturn >= 475");
  return { steps, updates, until, signal, evalEvery, evalEpisodes };
}
