import type { AlgoSpec } from "../algos/algorithm.js";
import { finitePoints } from "../../widgets/server/curve.js";
import type { Display, TrainProgress } from "./display.js";
import { RETURN_CURVE, type TrainCurve } from "../../widgets/shared/train-curve.js";
import type { MetricsLog } from "./metrics-log.js";
import type { WorkerStatus } from "../workers/pool.js";

/** Least time between two progress reports of a train() call (besides its first and last). */
export const PROGRESS_EVERY_MS = 250;

/** What the progress reports of a train() call read of its run (a {@link Run}). */
export interface ProgressSource {
  readonly id: string;
  readonly label: string;
  readonly algo: { readonly envSteps: number; readonly updates: number };
  readonly episodeStats: { lastReturn(): number | undefined; meanReturn(): number | undefined };
  readonly metricsLog: Pick<MetricsLog, "column">;
  stop(): boolean;
  /** The actors of a run with workers (none: empty). */
  workerStatus?(): readonly WorkerStatus[];
}

/** What a run's training view plots: an offline algorithm's progress metric against updates, else the episode return against env steps. */
export function trainCurve(algo: AlgoSpec, costNames: readonly string[] = []): TrainCurve {
  const metric = algo.offline ? algo.progressMetric : undefined;
  if (metric) return { ...metric, x: "update" };
  // An env with constraint costs shows each episode's cost beside its return.
  return costNames.length > 0 ? { ...RETURN_CURVE, extra: [{ key: "episodicCost", label: "episode cost" }] } : RETURN_CURVE;
}

/**
 * Builds the {@link TrainProgress} of one train() call and hands it to the
 * display: once at the start (a notebook shows its training view before the
 * first update), at most every {@link PROGRESS_EVERY_MS} while training
 * ({@link tick}), and once at the end with the reason it stopped.
 */
export class TrainProgressReporter {
  private lastReport: number;

  constructor(
    private readonly run: ProgressSource,
    private readonly display: Display,
    /** The run's env steps and updates when the call started. */
    private readonly start: { readonly step: number; readonly updates: number },
    /** Where the call stops, when its budget says (see `StopConditions`). */
    private readonly targets: { readonly targetStep: number | undefined; readonly targetUpdates: number | undefined },
    private readonly curve: TrainCurve,
    /** `performance.now()` when the call started. */
    private readonly t0: number,
  ) {
    this.lastReport = t0;
  }

  /** Reports now; `final` (on the last report) says why training stopped. */
  report(final?: TrainProgress["stopped"]): void {
    const { run, start, curve } = this;
    const { targetStep, targetUpdates } = this.targets;
    const algo = run.algo;
    const elapsedS = (performance.now() - this.t0) / 1000;
    const callSteps = algo.envSteps - start.step;
    const sps = elapsedS > 0 ? callSteps / elapsedS : 0;
    const workers = run.workerStatus?.() ?? [];
    const p: TrainProgress = {
      runId: run.id,
      label: run.label,
      step: algo.envSteps,
      targetStep,
      ...(targetUpdates !== undefined ? { targetUpdates } : {}),
      callSteps,
      updates: algo.updates,
      elapsedS,
      sps,
      etaS: targetStep !== undefined && sps > 0 ? (targetStep - algo.envSteps) / sps : targetUpdates !== undefined && algo.updates > start.updates ? ((targetUpdates - algo.updates) * elapsedS) / (algo.updates - start.updates) : undefined,
      lastReturn: run.episodeStats.lastReturn(),
      meanReturn: run.episodeStats.meanReturn(),
      stop: () => run.stop(),
      ...(workers.length ? { workers } : {}),
      curve,
      history: () => {
        const log = run.metricsLog;
        const points = finitePoints(log.column(curve.x), log.column(curve.key), log.column("wallTime"));
        return curve.extra?.length ? { ...points, extra: curve.extra.map((e) => finitePoints(log.column(curve.x), log.column(e.key), log.column("wallTime"))) } : points;
      },
      ...(final ? { stopped: final } : {}),
    };
    this.display.progress(p);
  }

  /** Called at `now` (after the loop yielded): reports when the last periodic report is {@link PROGRESS_EVERY_MS} old. */
  tick(now: number): void {
    if (now - this.lastReport >= PROGRESS_EVERY_MS) {
      this.lastReport = now;
      this.report();
    }
  }
}
