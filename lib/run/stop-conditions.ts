import type { MetricsRow } from "./metrics-log.js";
import type { CheckedTrainOptions } from "./train-options.js";

/**
 * Why a train() call ended: its budget ran out (`steps`, `updates`), its
 * `until` held, or it was told to stop, by its signal or `run.stop()`
 * (`aborted`) or by the notebook kernel's interrupt of the cell
 * (`interrupted`: train() reports it as "aborted", then throws an
 * `InterruptedError`).
 */
export type StopReason = "steps" | "updates" | "until" | "aborted" | "interrupted";

/**
 * What stops a train() call from outside, at its next env step: the call's
 * `signal`, `run.stop()` (read through `stopRequested`) and the kernel's
 * interrupt of the cell that called it.
 */
export class AbortSources {
  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly interrupt: AbortSignal | undefined,
    private readonly stopRequested: () => boolean,
  ) {}

  /** Whether any of them asked the call to stop (a later train() call then waits for this one to wind down). */
  requested(): boolean {
    return this.signal?.aborted === true || this.interrupt?.aborted === true || this.stopRequested();
  }

  /** Which one did: the signal or stop() ("aborted") before the kernel's interrupt ("interrupted"); undefined when none. */
  reason(): "aborted" | "interrupted" | undefined {
    if (this.signal?.aborted || this.stopRequested()) return "aborted";
    if (this.interrupt?.aborted) return "interrupted";
    return undefined;
  }
}

/** The row `until` sees when train() does not evaluate: reading `evalReturn` then explains how to get it instead of never stopping. */
export function guardEvalReturn(row: MetricsRow): MetricsRow {
  if (row.evalReturn !== undefined) return row;
  return new Proxy(row, {
    get(target, key, receiver) {
      if (key === "evalReturn") {
        throw new Error("train({ until }) reads m.evalReturn, which is only set when train() evaluates: pass { evalEvery: 10_000 } (env steps between greedy evaluations), or use m.meanReturn (last 100 training episodes)");
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/**
 * The five ways one train() call ends, each checked where the training loop
 * asks: {@link beforeStep} (aborted, interrupted) before every env step,
 * {@link updatesReached} after it, {@link untilHolds} on each metrics row,
 * {@link stepsReached} at the end of the iteration. The budgets count from
 * where the call started (`start`).
 */
export class StopConditions {
  /** Env steps (whole run) at which the call stops, with `steps`. */
  readonly targetStep: number | undefined;
  /** Updates (whole run) at which the call stops, with `updates`. */
  readonly targetUpdates: number | undefined;
  private readonly until: ((row: MetricsRow) => boolean) | undefined;
  /** Whether the call evaluates (`evalEvery`): without, `until` reading `evalReturn` throws an explanation. */
  private readonly evaluates: boolean;

  constructor(
    options: Pick<CheckedTrainOptions, "steps" | "updates" | "until" | "evalEvery">,
    start: { readonly step: number; readonly updates: number },
    private readonly aborts: AbortSources,
  ) {
    this.targetStep = options.steps !== undefined ? start.step + options.steps : undefined;
    this.targetUpdates = options.updates !== undefined ? start.updates + options.updates : undefined;
    this.until = options.until;
    this.evaluates = options.evalEvery !== undefined;
  }

  /** Checked before each env step: whether the call was told to stop, and by what. */
  beforeStep(): "aborted" | "interrupted" | undefined {
    return this.aborts.reason();
  }

  /** Whether `updates` (the run's count) reaches the `updates` budget. */
  updatesReached(updates: number): boolean {
    return this.targetUpdates !== undefined && updates >= this.targetUpdates;
  }

  /** Whether `until` holds for a metrics row just logged (false without `until`). */
  untilHolds(row: MetricsRow): boolean {
    // Truthy, not only `true`: what a plain-JavaScript `until` returns counts as it does in an `if`.
    return Boolean(this.until?.(this.evaluates ? row : guardEvalReturn(row)));
  }

  /** Whether `envSteps` (the run's count) reaches the `steps` budget. */
  stepsReached(envSteps: number): boolean {
    return this.targetStep !== undefined && envSteps >= this.targetStep;
  }
}
