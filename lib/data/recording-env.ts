import type { VecEnv } from "../envs/vec-env.js";
import { VecEnvWrapper } from "../envs/vec-env-wrapper.js";
import { TrajectoryRecorder } from "./recorder.js";
import type { TrajectorySource } from "./schema.js";

/** What the acting policy knows about the actions of the step being recorded. */
export interface BehaviorInfo {
  readonly logp?: Float32Array;
  readonly values?: Float32Array;
  readonly policyVersion: number;
}

/** Rows buffered before the recorder turns them into one Arrow record batch (default). */
const BATCH_ROWS = 65_536;

/** Options of a {@link RecordingVecEnv}: batch size and the recorder's memory bound. */
export interface RecordingOptions {
  /** Rows per record batch (default 65 536); the env flushes every `min(batchRows, memoryLimitRows)` rows (at least one step). */
  batchRows?: number;
  /** Flushed rows kept in memory before the oldest batches spill to disk (see `TrajectoryRecorderOptions.memoryLimitRows`). */
  memoryLimitRows?: number;
  /** Directory of the spill file (see `TrajectoryRecorderOptions.spillDir`). */
  spillDir?: string;
  /** The rows' `source` (default "online"). */
  source?: TrajectorySource;
}

/**
 * A vector env that records every step it takes into a
 * {@link TrajectoryRecorder}, transparently to the algorithm driving it:
 * `step(actions)` copies the observations the actions were taken on, steps
 * the wrapped env and appends one row per copy (next_obs = final observation
 * for copies that finished). The acting policy's log-probabilities and values
 * come from `behavior()` when set. Every buffer is the wrapped env's own.
 */
export class RecordingVecEnv extends VecEnvWrapper {
  readonly recorder: TrajectoryRecorder;
  /** Supplies the behavior log-probs/values of the step being taken (set by the run). */
  behavior: (() => BehaviorInfo) | undefined;
  private readonly prevObs: Float32Array;
  /** Pending rows that trigger a flush. */
  private readonly flushRows: number;

  constructor(inner: VecEnv, runId: string, options: RecordingOptions = {}) {
    super(inner);
    const batchRows = options.batchRows ?? BATCH_ROWS;
    if (!Number.isInteger(batchRows) || batchRows < 1) throw new RangeError(`RecordingVecEnv: batchRows must be an integer ≥ 1, got ${String(batchRows)}`);
    this.flushRows = Math.max(1, Math.min(batchRows, options.memoryLimitRows ?? Infinity));
    this.recorder = TrajectoryRecorder.forEnv(inner, {
      runId,
      initialCapacity: Math.min(this.flushRows + inner.numEnvs, inner.numEnvs * 256),
      ...(options.memoryLimitRows !== undefined ? { memoryLimitRows: options.memoryLimitRows } : {}),
      ...(options.spillDir !== undefined ? { spillDir: options.spillDir } : {}),
      ...(options.source !== undefined ? { source: options.source } : {}),
    });
    this.prevObs = new Float32Array(inner.numEnvs * inner.obsSize);
  }

  override step(actions: Int32Array | Float32Array): void {
    const inner = this.inner;
    this.prevObs.set(inner.obs);
    inner.step(actions);
    const b = this.behavior?.();
    this.recorder.record({
      obs: this.prevObs,
      actions,
      rewards: inner.rewards,
      terminated: inner.terminated,
      truncated: inner.truncated,
      nextObs: inner.obs,
      finalObs: inner.finalObs,
      ...(b?.logp ? { logp: b.logp } : {}),
      ...(b?.values ? { values: b.values } : {}),
      ...(inner.costNames?.length ? { costs: inner.costs! } : {}),
      policyVersion: b?.policyVersion ?? 0,
    });
    if (this.recorder.pendingRows >= this.flushRows) this.recorder.flush();
  }
}
