import type { WorkerStatus } from "../workers/pool.js";
import { progressLine } from "../../widgets/shared/progress-line.js";
import { RETURN_CURVE, type TrainCurve } from "../../widgets/shared/train-curve.js";

/** What a training loop reports about itself, a few times a second and once at the end. */
export interface TrainProgress {
  readonly runId: string;
  readonly label: string;
  /** Env steps taken so far (whole run). */
  readonly step: number;
  /** Env steps at which this train() call will stop (when known). */
  readonly targetStep: number | undefined;
  /** Env steps taken in this train() call. */
  readonly callSteps: number;
  readonly updates: number;
  /** Updates at which this train() call will stop (`train({ updates })`). */
  readonly targetUpdates?: number;
  readonly elapsedS: number;
  readonly sps: number;
  readonly etaS: number | undefined;
  readonly lastReturn: number | undefined;
  readonly meanReturn: number | undefined;
  /** The run's actors (`.workers(...)`): batches and acting throughput of each. */
  readonly workers?: readonly WorkerStatus[];
  /** Set on the final report: why training stopped. */
  readonly stopped?: "steps" | "updates" | "until" | "aborted" | "error";
  /** Stops this train() call at its next env step (a progress view's Stop button). */
  readonly stop?: () => boolean;
  /** What a training view plots: episode return against env steps, or for an offline run a loss against updates. */
  readonly curve?: TrainCurve;
  /** The run's curve so far (`curve`'s metric per metrics row), so a view made for a later train() call continues it; `extra`: the points of each of `curve.extra`, in order (only when it has some). */
  readonly history?: () => { step: number[]; y: number[]; wallTime: number[]; extra?: { step: number[]; y: number[]; wallTime: number[] }[] };
}

// TrainCurve and RETURN_CURVE live in widgets/shared (the training view needs the value too); re-exported here, where the library's display types are.
export { RETURN_CURVE, type TrainCurve };

/**
 * Where progress goes. The kernel installs a rich implementation (widgets);
 * a plain script gets {@link ConsoleDisplay}. Installed through a global
 * symbol so the library never imports the kernel.
 */
export interface Display {
  progress(p: TrainProgress): void;
  /** Each metrics row as the run logs it (live curves). */
  metricsRow?(runId: string, row: Readonly<Record<string, number>>): void;
}

const DISPLAY_KEY = Symbol.for("trellis.display");

/** Installs the display used by `train()` (returns the previous one). */
export function setDisplay(display: Display | undefined): Display | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const prev = g[DISPLAY_KEY] as Display | undefined;
  g[DISPLAY_KEY] = display;
  return prev;
}

/** The installed display, or a console printer (silent when TRELLIS_QUIET=1). */
export function currentDisplay(): Display {
  const installed = (globalThis as Record<symbol, unknown>)[DISPLAY_KEY] as Display | undefined;
  if (installed) return installed;
  return process.env.TRELLIS_QUIET === "1" ? SILENT : CONSOLE;
}


/** One progress line: steps, updates, SPS, ETA, last and mean return (the line every view shows). */
export const formatProgress = (p: TrainProgress): string => progressLine(p);

/** Prints progress to stderr: rewrites one line on a terminal, a line per second otherwise. */
export class ConsoleDisplay implements Display {
  private lastPrint = 0;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  progress(p: TrainProgress): void {
    const now = performance.now();
    const tty = this.stream.isTTY === true;
    if (!p.stopped && now - this.lastPrint < (tty ? 250 : 1000)) return;
    this.lastPrint = now;
    const line = formatProgress(p);
    if (tty) this.stream.write(`\r\x1b[K${line}${p.stopped ? "\n" : ""}`);
    else this.stream.write(`${line}\n`);
  }
}

const CONSOLE = new ConsoleDisplay();
const SILENT: Display = { progress() {} };
