/**
 * The train() loop of step-wise learners that are not env runs (preference
 * runs, reward models, SePPO): a budget of steps or an `until` condition,
 * the progress display, stop requests, abort signals and kernel interrupts
 * checked between steps, and the event loop yielded to every ~100 ms so a
 * notebook stays responsive. An interrupt leaves the learner at a step
 * boundary and is rethrown as an InterruptedError after the display says so.
 */
import { currentDisplay, type Display } from "./display.js";
import { currentInterrupt, InterruptedError } from "./interrupt.js";
import type { MetricsLog, MetricsRow } from "./metrics-log.js";
import { YIELD_EVERY_MS, yieldToEventLoop } from "./run.js";
import { AbortSources } from "./stop-conditions.js";
import { TrainProgressReporter } from "./train-progress.js";

export interface StepLoopOptions {
  readonly id: string;
  readonly label: string;
  readonly log: MetricsLog;
  /** Steps taken so far. */
  readonly count: () => number;
  /** Takes one step; returns its metrics row. */
  readonly step: () => MetricsRow;
  readonly steps?: number;
  readonly until?: (row: MetricsRow) => boolean;
  readonly display?: Display;
  readonly signal?: AbortSignal;
  /** A stop the learner was asked for (its `stop()`). */
  readonly stopRequested?: () => boolean;
  readonly stop?: () => boolean;
  /** The metric the progress line shows. */
  readonly curve: { readonly key: string; readonly label: string };
}

export interface StepLoopResult {
  readonly steps: number;
  readonly seconds: number;
  readonly stopped: "steps" | "until" | "aborted";
  readonly last: MetricsRow | undefined;
}

export async function runSteps(o: StepLoopOptions): Promise<StepLoopResult> {
  const { steps, until, signal } = o;
  if (steps === undefined && until === undefined) throw new TypeError("train() needs a budget: { steps } or { until: (m) => ... }, e.g. train({ steps: 100 })");
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) throw new RangeError(`train({ steps }): expected a positive integer, got ${String(steps)}`);
  if (until !== undefined && typeof until !== "function") throw new TypeError("train({ until }): expected a function of the metrics row");
  const aborts = new AbortSources(signal, currentInterrupt(), o.stopRequested ?? (() => false));
  const display = o.display ?? currentDisplay();
  const start = o.count();
  const t0 = performance.now();
  const source = {
    id: o.id,
    label: o.label,
    algo: {
      get envSteps() {
        return o.count();
      },
      get updates() {
        return o.count();
      },
    },
    episodeStats: { lastReturn: () => o.log.last()?.[o.curve.key], meanReturn: () => o.log.last()?.[o.curve.key] },
    metricsLog: o.log,
    stop: o.stop ?? (() => false),
  };
  const progress = new TrainProgressReporter(source, display, { step: start, updates: start }, { targetStep: steps === undefined ? undefined : start + steps, targetUpdates: undefined }, { key: o.curve.key, label: o.curve.label, x: "step" }, t0);
  progress.report();
  let stopped: "steps" | "until" | "aborted" | "interrupted" = "steps";
  let lastYield = t0;
  try {
    for (;;) {
      const reason = aborts.reason();
      if (reason) {
        stopped = reason;
        break;
      }
      if (steps !== undefined && o.count() - start >= steps) break;
      const row = o.step();
      display.metricsRow?.(o.id, row);
      if (until?.(row)) {
        stopped = "until";
        break;
      }
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
        progress.tick(lastYield);
      }
    }
  } catch (error) {
    progress.report("error");
    throw error;
  }
  progress.report(stopped === "interrupted" ? "aborted" : stopped);
  if (stopped === "interrupted") throw new InterruptedError(`train() was interrupted after ${o.count() - start} steps; the learner is consistent at step ${o.count()}: call train() again to continue`);
  return { steps: o.count() - start, seconds: (performance.now() - t0) / 1000, stopped, last: o.log.last() };
}
