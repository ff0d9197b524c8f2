/**
 * Records vector-env steps into Arrow record batches in the trajectory schema
 * (see `schema.ts`), straight from typed arrays: no per-row objects.
 *
 * What copies:
 * - `record(step)` copies every input array into the recorder's own growable
 *   column buffers, so the caller may reuse or overwrite the env's buffers
 *   (which `VecEnv.step` overwrites in place) right after it returns.
 * - `flush()` copies the pending rows once into exact-size arrays owned by
 *   the returned `RecordBatch`; the recorder then reuses its buffers.
 * - `toTable()` flushes any pending rows (as `flush()` does) and returns a
 *   `Table` over all batches flushed so far, sharing their memory (no copy)
 *   for the batches still in memory.
 *
 * Bounded memory (spilling): flushed batches are kept in memory up to
 * `memoryLimitRows` rows (default {@link DEFAULT_MEMORY_LIMIT_ROWS}; the limit
 * is in rows, about `8 × obsSize + 4 × actionSize + 40` bytes each). After
 * each flush (and after `restore`), while the in-memory batches hold more rows
 * than the limit, the oldest batch is appended to an Arrow IPC *stream* file
 * (`RecordBatchStreamWriter`, written synchronously and incrementally: each
 * spill appends that batch's messages, nothing is rewritten) and dropped from
 * memory. The file lives in `spillDir` (default: a fresh directory under
 * `os.tmpdir()`, created at the first spill); it is deleted (with the default
 * directory) by `dispose()` or at process exit, whichever comes first.
 * Pending (unflushed) rows are not counted: flush often enough (the
 * `RecordingVecEnv` flushes every `min(batchRows, memoryLimitRows)` rows).
 *
 * Cost of reading spilled rows: Node has no memory mapping, so `toTable()`
 * reads the whole spill file into one buffer (O(spilled bytes) of I/O and
 * memory per call, not cached) and the returned table's spilled batches are
 * zero-copy views of that buffer; the spilled rows come first, in recording
 * order, followed by the in-memory batches. Callers that only need recent rows
 * should keep the limit high enough or read `inMemoryRows`/`spilledRows`.
 */
import {
  Data,
  FixedSizeList,
  Float32,
  Int32,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  vectorFromArray,
  type DataType,
  type Vector,
} from "apache-arrow";
import { TRAJECTORY_SOURCES, trajectorySchema, type TrajectorySource } from "./schema.js";
import { SpillFile } from "./spill.js";

/** Default `memoryLimitRows`: flushed rows kept in memory before older batches spill to disk. */
export const DEFAULT_MEMORY_LIMIT_ROWS = 2_000_000;

/** One step of all `n` copies of a vector env, as the env's typed arrays. */
export interface RecordedStep {
  /** `n × obsSize` observations the actions were taken on (copy them before `env.step`, which overwrites `env.obs`). */
  obs: Float32Array;
  /** Discrete: `n` action indices; continuous: `n × actionSize` floats. */
  actions: Int32Array | Float32Array;
  /** `n` rewards. */
  rewards: Float32Array;
  /** `n` flags (nonzero: the episode ended in a terminal state). */
  terminated: Uint8Array;
  /** `n` flags (nonzero: the episode was truncated). */
  truncated: Uint8Array;
  /** `n × obsSize` observations after the step (with auto-reset, finished copies' rows hold the next episode's first observation). */
  nextObs: Float32Array;
  /** `n × obsSize`; rows of finished copies hold their episode's last observation and become their `next_obs`. Without it those rows' `next_obs` is null. */
  finalObs?: Float32Array;
  /** `n` behavior-policy log-probabilities of the actions (absent: NaN). */
  logp?: Float32Array;
  /** `n` value estimates (absent: null). */
  values?: Float32Array;
  /** `n × k` constraint costs, for a recorder made with k `costNames` (absent: null). */
  costs?: Float32Array;
  /** Version of the policy that acted. */
  policyVersion: number;
  /** Where these rows came from (default: the recorder's `source`). */
  source?: TrajectorySource;
}

export interface TrajectoryRecorderOptions {
  /** Number of env copies (rows per `record`). */
  numEnvs: number;
  obsSize: number;
  /** Floats per action row (1 for discrete). */
  actionSize: number;
  discrete: boolean;
  envId: string;
  observationSpace?: unknown;
  actionSpace?: unknown;
  /** The `run_id` of every row (default "run"). */
  runId?: string;
  /** Default `source` of the rows (default "online"). */
  source?: TrajectorySource;
  /** Episode id of copy 0's first episode; copies start at `firstEpisodeId + i` (default 0). */
  firstEpisodeId?: number;
  /** Rows of buffer allocated up front (default `numEnvs × 64`); buffers double when full. */
  initialCapacity?: number;
  /** Flushed rows kept in memory; past it the oldest batches spill to disk (default {@link DEFAULT_MEMORY_LIMIT_ROWS}; `Infinity`: never spill; 0: spill every batch). */
  memoryLimitRows?: number;
  /** Directory of the spill file (default: a fresh directory under `os.tmpdir()`, removed with the file). A given directory is kept; only the file is removed. */
  spillDir?: string;
  /** Names of the env's constraint costs: the table gets a `cost` column (see `trajectorySchema`). */
  costNames?: readonly string[];
}

/** The shape fields of a vector env, as `TrajectoryRecorder.forEnv` needs them. */
export interface RecordableEnv {
  readonly id: string;
  readonly costNames?: readonly string[];
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionSize: number;
  readonly observationSpace: unknown;
  readonly actionSpace: { readonly kind: string };
}

const TWO32 = 2 ** 32;

/** Sets bit `i` of a bitmap. */
const setBit = (bits: Uint8Array, i: number) => {
  bits[i >> 3] |= 1 << (i & 7);
};

/** Validity bitmap (1 = valid) of `rows` rows from a null bitmap (1 = null). */
function validityFromNulls(nulls: Uint8Array, rows: number): Uint8Array {
  const bytes = (rows + 7) >> 3;
  const out = new Uint8Array(bytes);
  for (let b = 0; b < bytes; b++) out[b] = ~nulls[b]! & 0xff;
  const tail = rows & 7;
  if (tail) out[bytes - 1]! &= (1 << tail) - 1;
  return out;
}

function grow<T extends Float32Array | Int32Array | Uint8Array | Int8Array>(buf: T, newLength: number): T {
  const next = new (buf.constructor as new (n: number) => T)(newLength);
  next.set(buf);
  return next;
}

/** Appends vector-env steps into Arrow record batches in the trajectory schema. */
export class TrajectoryRecorder {
  readonly schema: Schema;
  readonly numEnvs: number;
  readonly obsSize: number;
  readonly actionSize: number;
  readonly discrete: boolean;
  readonly runId: string;
  readonly source: TrajectorySource;

  /** Current episode id and step index of each copy. */
  private readonly episodeOf: Float64Array;
  private readonly tOf: Int32Array;
  private nextEpisode: number;

  private capacity: number;
  private rows = 0;
  private totalRows = 0;
  private episode: Int32Array; // int64 as little-endian (lo, hi) pairs
  private t: Int32Array;
  private obs: Float32Array;
  private actionI: Int32Array;
  private actionF: Float32Array;
  private reward: Float32Array;
  private terminated: Uint8Array; // bit-packed
  private truncated: Uint8Array; // bit-packed
  private nextObs: Float32Array;
  private nextObsNulls: Uint8Array; // bit-packed, 1 = null
  private nextObsNullCount = 0;
  private logp: Float32Array;
  private value: Float32Array;
  private valueNulls: Uint8Array; // bit-packed, 1 = null
  private valueNullCount = 0;
  private policyVersion: Int32Array;
  private sourceIdx: Int8Array;
  /** Constraint costs per row (k per row), when the recorder has cost names. */
  readonly costSize: number;
  private cost: Float32Array;
  private costNulls: Uint8Array; // bit-packed, 1 = null
  private costNullCount = 0;

  private readonly batches: RecordBatch[] = [];
  private inMemory = 0;
  /** Flushed rows kept in memory before the oldest batches spill (see the module doc). */
  readonly memoryLimitRows: number;
  private readonly spillDir: string | undefined;
  private spill: SpillFile | undefined;
  private spilled = 0;
  private disposed = false;
  private readonly runIdDictionary: Vector<Utf8>;
  private readonly sourceDictionary: Vector<Utf8>;

  constructor(options: TrajectoryRecorderOptions) {
    const { numEnvs, obsSize, discrete } = options;
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new RangeError(`TrajectoryRecorder: numEnvs must be an integer ≥ 1, got ${String(numEnvs)}`);
    const actionSize = discrete ? 1 : options.actionSize;
    this.schema = trajectorySchema({ ...options, actionSize });
    this.numEnvs = numEnvs;
    this.obsSize = obsSize;
    this.actionSize = actionSize;
    this.discrete = discrete;
    this.runId = options.runId ?? "run";
    this.source = options.source ?? "online";
    if (!TRAJECTORY_SOURCES.includes(this.source)) throw new RangeError(`TrajectoryRecorder: source must be one of ${TRAJECTORY_SOURCES.join(", ")}, got ${String(this.source)}`);
    const first = options.firstEpisodeId ?? 0;
    if (!Number.isSafeInteger(first) || first < 0) throw new RangeError(`TrajectoryRecorder: firstEpisodeId must be a safe integer ≥ 0, got ${String(first)}`);
    this.episodeOf = new Float64Array(numEnvs);
    for (let i = 0; i < numEnvs; i++) this.episodeOf[i] = first + i;
    this.tOf = new Int32Array(numEnvs);
    this.nextEpisode = first + numEnvs;
    const limit = options.memoryLimitRows ?? DEFAULT_MEMORY_LIMIT_ROWS;
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 0))) throw new RangeError(`TrajectoryRecorder: memoryLimitRows must be an integer ≥ 0 or Infinity, got ${String(limit)}`);
    this.memoryLimitRows = limit;
    this.spillDir = options.spillDir;

    this.capacity = Math.max(8, Math.ceil(options.initialCapacity ?? numEnvs * 64));
    const c = this.capacity;
    this.episode = new Int32Array(2 * c);
    this.t = new Int32Array(c);
    this.obs = new Float32Array(c * obsSize);
    this.actionI = new Int32Array(discrete ? c : 0);
    this.actionF = new Float32Array(discrete ? 0 : c * actionSize);
    this.reward = new Float32Array(c);
    this.terminated = new Uint8Array((c + 7) >> 3);
    this.truncated = new Uint8Array((c + 7) >> 3);
    this.nextObs = new Float32Array(c * obsSize);
    this.nextObsNulls = new Uint8Array((c + 7) >> 3);
    this.logp = new Float32Array(c);
    this.value = new Float32Array(c);
    this.valueNulls = new Uint8Array((c + 7) >> 3);
    this.policyVersion = new Int32Array(c);
    this.sourceIdx = new Int8Array(c);
    this.costSize = options.costNames?.length ?? 0;
    this.cost = new Float32Array(c * this.costSize);
    this.costNulls = new Uint8Array(this.costSize > 0 ? (c + 7) >> 3 : 0);

    this.runIdDictionary = vectorFromArray([this.runId], new Utf8());
    this.sourceDictionary = vectorFromArray([...TRAJECTORY_SOURCES], new Utf8());
  }

  /** A recorder shaped for `env` (its id, copies, sizes and spaces). */
  static forEnv(env: RecordableEnv, options: Partial<Omit<TrajectoryRecorderOptions, "numEnvs" | "obsSize" | "actionSize" | "discrete">> = {}): TrajectoryRecorder {
    return new TrajectoryRecorder({
      envId: env.id,
      observationSpace: env.observationSpace,
      actionSpace: env.actionSpace,
      ...(env.costNames?.length ? { costNames: env.costNames } : {}),
      ...options,
      numEnvs: env.numEnvs,
      obsSize: env.obsSize,
      actionSize: env.actionSize,
      discrete: env.actionSpace.kind === "discrete",
    });
  }

  /** Rows recorded since the last flush. */
  get pendingRows(): number {
    return this.rows;
  }

  /** Rows recorded in all. */
  get recordedRows(): number {
    return this.totalRows;
  }

  /** Flushed rows held in memory (≤ `memoryLimitRows` after every flush). */
  get inMemoryRows(): number {
    return this.inMemory;
  }

  /** Flushed rows spilled to the stream file. */
  get spilledRows(): number {
    return this.spilled;
  }

  /** Path of the spill file (undefined until the first spill). */
  get spillPath(): string | undefined {
    return this.spill?.path;
  }

  /** Bytes written to the spill file so far. */
  get spilledBytes(): number {
    return this.spill?.bytes ?? 0;
  }

  /** Current episode id of copy `i`. */
  episodeId(i: number): number {
    return this.episodeOf[i]!;
  }

  /** Steps taken so far in copy `i`'s current episode (the `t` of its next row). */
  stepIndex(i: number): number {
    return this.tOf[i]!;
  }

  private ensure(rows: number): void {
    if (rows <= this.capacity) return;
    let c = this.capacity;
    while (c < rows) c *= 2;
    const bytes = (c + 7) >> 3;
    this.episode = grow(this.episode, 2 * c);
    this.t = grow(this.t, c);
    this.obs = grow(this.obs, c * this.obsSize);
    if (this.discrete) this.actionI = grow(this.actionI, c);
    else this.actionF = grow(this.actionF, c * this.actionSize);
    this.reward = grow(this.reward, c);
    this.terminated = grow(this.terminated, bytes);
    this.truncated = grow(this.truncated, bytes);
    this.nextObs = grow(this.nextObs, c * this.obsSize);
    this.nextObsNulls = grow(this.nextObsNulls, bytes);
    this.logp = grow(this.logp, c);
    this.value = grow(this.value, c);
    this.valueNulls = grow(this.valueNulls, bytes);
    this.policyVersion = grow(this.policyVersion, c);
    this.sourceIdx = grow(this.sourceIdx, c);
    if (this.costSize > 0) {
      this.cost = grow(this.cost, c * this.costSize);
      this.costNulls = grow(this.costNulls, bytes);
    }
    this.capacity = c;
  }

  private check(name: string, arr: ArrayLike<number> | undefined, length: number, ctor: Function): void {
    if (!(arr instanceof ctor)) throw new TypeError(`TrajectoryRecorder.record: ${name} must be a ${ctor.name}`);
    if (arr.length !== length) throw new RangeError(`TrajectoryRecorder.record: ${name} has length ${arr.length}, expected ${length}`);
  }

  /** Appends one step of all `numEnvs` copies (copies the inputs; see the module doc). */
  record(step: RecordedStep): void {
    const n = this.numEnvs;
    const d = this.obsSize;
    const a = this.actionSize;
    this.check("obs", step.obs, n * d, Float32Array);
    this.check("nextObs", step.nextObs, n * d, Float32Array);
    if (step.finalObs !== undefined) this.check("finalObs", step.finalObs, n * d, Float32Array);
    if (this.discrete) this.check("actions", step.actions, n, Int32Array);
    else this.check("actions", step.actions, n * a, Float32Array);
    this.check("rewards", step.rewards, n, Float32Array);
    this.check("terminated", step.terminated, n, Uint8Array);
    this.check("truncated", step.truncated, n, Uint8Array);
    if (step.logp !== undefined) this.check("logp", step.logp, n, Float32Array);
    if (step.values !== undefined) this.check("values", step.values, n, Float32Array);
    if (step.costs !== undefined) {
      if (this.costSize === 0) throw new TypeError("TrajectoryRecorder.record: costs given, but the recorder has no costNames (make it with TrajectoryRecorder.forEnv(env) of an env with costs)");
      this.check("costs", step.costs, n * this.costSize, Float32Array);
    }
    const pv = step.policyVersion;
    if (!Number.isInteger(pv) || pv < -(2 ** 31) || pv >= 2 ** 31) throw new RangeError(`TrajectoryRecorder.record: policyVersion must be an int32, got ${String(pv)}`);
    const source = step.source ?? this.source;
    const sourceIndex = TRAJECTORY_SOURCES.indexOf(source);
    if (sourceIndex < 0) throw new RangeError(`TrajectoryRecorder.record: source must be one of ${TRAJECTORY_SOURCES.join(", ")}, got ${String(source)}`);

    const r0 = this.rows;
    this.ensure(r0 + n);
    this.obs.set(step.obs, r0 * d);
    this.nextObs.set(step.nextObs, r0 * d);
    if (this.discrete) this.actionI.set(step.actions, r0);
    else this.actionF.set(step.actions, r0 * a);
    this.reward.set(step.rewards, r0);
    if (step.logp !== undefined) this.logp.set(step.logp, r0);
    else this.logp.fill(NaN, r0, r0 + n);
    if (step.values !== undefined) this.value.set(step.values, r0);
    else {
      for (let i = 0; i < n; i++) setBit(this.valueNulls, r0 + i);
      this.valueNullCount += n;
    }
    this.policyVersion.fill(pv, r0, r0 + n);
    this.sourceIdx.fill(sourceIndex, r0, r0 + n);
    if (this.costSize > 0) {
      if (step.costs !== undefined) this.cost.set(step.costs, r0 * this.costSize);
      else {
        for (let i = 0; i < n; i++) setBit(this.costNulls, r0 + i);
        this.costNullCount += n;
      }
    }

    const episodeOf = this.episodeOf;
    const tOf = this.tOf;
    const episode = this.episode;
    const t = this.t;
    const terminated = this.terminated;
    const truncated = this.truncated;
    const finalObs = step.finalObs;
    const term = step.terminated;
    const trunc = step.truncated;
    for (let i = 0; i < n; i++) {
      const r = r0 + i;
      const ep = episodeOf[i]!;
      episode[2 * r] = ep % TWO32 | 0;
      episode[2 * r + 1] = Math.floor(ep / TWO32) | 0;
      t[r] = tOf[i]!;
      const te = term[i] !== 0;
      const tr = trunc[i] !== 0;
      if (te || tr) {
        if (te) setBit(terminated, r);
        if (tr) setBit(truncated, r);
        if (finalObs !== undefined) this.nextObs.set(finalObs.subarray(i * d, (i + 1) * d), r * d);
        else {
          setBit(this.nextObsNulls, r);
          this.nextObsNullCount++;
        }
        episodeOf[i] = this.nextEpisode++;
        tOf[i] = 0;
      } else {
        tOf[i] = tOf[i]! + 1;
      }
    }
    this.rows = r0 + n;
    this.totalRows += n;
  }

  /** The rows since the last flush as one record batch (copies them once; see the module doc). Empty when nothing is pending. */
  flush(): RecordBatch {
    const rows = this.rows;
    const d = this.obsSize;
    const bytes = (rows + 7) >> 3;
    const fields = this.schema.fields;
    const type = (i: number) => fields[i]!.type as DataType;
    const f32 = (buf: Float32Array, i: number, nullBitmap?: Uint8Array, nullCount = 0) =>
      makeData({ type: type(i) as Float32, length: rows, data: buf.slice(0, rows), nullCount, ...(nullBitmap ? { nullBitmap } : {}) });
    const f32List = (buf: Float32Array, size: number, i: number, nullBitmap?: Uint8Array, nullCount = 0) => {
      const listType = type(i) as FixedSizeList<Float32>;
      const child = makeData({ type: listType.children[0]!.type, length: rows * size, data: buf.slice(0, rows * size) });
      return makeData({ type: listType, length: rows, child, nullCount, ...(nullBitmap ? { nullBitmap } : {}) });
    };
    const allNull = (i: number, data: ArrayBufferView) => makeData({ type: type(i) as any, length: rows, data: data as any, nullCount: rows, nullBitmap: new Uint8Array(bytes) });

    const children: Data[] = [
      makeData({ type: type(0) as any, length: rows, data: new Int32Array(rows), dictionary: this.runIdDictionary }),
      makeData({ type: type(1) as any, length: rows, data: new BigInt64Array(this.episode.buffer.slice(0, rows * 8)) }),
      makeData({ type: type(2) as Int32, length: rows, data: this.t.slice(0, rows) }),
      f32List(this.obs, d, 3),
      this.discrete ? makeData({ type: type(4) as Int32, length: rows, data: this.actionI.slice(0, rows) }) : f32List(this.actionF, this.actionSize, 4),
      f32(this.reward, 5),
      makeData({ type: type(6) as any, length: rows, data: this.terminated.slice(0, bytes) }),
      makeData({ type: type(7) as any, length: rows, data: this.truncated.slice(0, bytes) }),
      this.nextObsNullCount > 0
        ? f32List(this.nextObs, d, 8, validityFromNulls(this.nextObsNulls, rows), this.nextObsNullCount)
        : f32List(this.nextObs, d, 8),
      f32(this.logp, 9),
      this.valueNullCount > 0 ? f32(this.value, 10, validityFromNulls(this.valueNulls, rows), this.valueNullCount) : f32(this.value, 10),
      allNull(11, new Float32Array(rows)),
      allNull(12, new Float32Array(rows)),
      makeData({ type: type(13) as Int32, length: rows, data: this.policyVersion.slice(0, rows) }),
      makeData({ type: type(14) as any, length: rows, data: this.sourceIdx.slice(0, rows), dictionary: this.sourceDictionary }),
      allNull(15, new BigInt64Array(rows)),
    ];
    if (this.costSize > 0) {
      const nulls = this.costNullCount > 0 ? validityFromNulls(this.costNulls, rows) : undefined;
      children.push(this.costSize === 1 ? f32(this.cost, 16, nulls, this.costNullCount) : f32List(this.cost, this.costSize, 16, nulls, this.costNullCount));
      this.costNulls.fill(0, 0, bytes);
      this.costNullCount = 0;
    }
    const struct = makeData({ type: new Struct(fields), length: rows, children, nullCount: 0 });
    const batch = new RecordBatch(this.schema, struct);

    // Reset the bit-packed buffers that were used; the others are overwritten.
    this.terminated.fill(0, 0, bytes);
    this.truncated.fill(0, 0, bytes);
    this.nextObsNulls.fill(0, 0, bytes);
    this.valueNulls.fill(0, 0, bytes);
    this.nextObsNullCount = 0;
    this.valueNullCount = 0;
    this.rows = 0;
    if (rows > 0) {
      this.batches.push(batch);
      this.inMemory += rows;
      this.enforceLimit();
    }
    return batch;
  }

  /**
   * The rows since the last flush as one record batch, handed over and not
   * kept (a producer that streams its batches away: an actor). Empty when
   * nothing is pending.
   */
  takeBatch(): RecordBatch {
    const kept = this.batches.length;
    const batch = this.flush();
    if (this.batches.length > kept && this.batches.at(-1) === batch) {
      this.batches.pop();
      this.inMemory -= batch.numRows;
    }
    return batch;
  }

  /**
   * A batch read back from IPC, rebound to this recorder's schema and, where
   * their values match, to its own dictionary vectors: IPC file writers
   * reject a second, separately built dictionary (a "replacement"), so every
   * batch of `toTable()` must share one dictionary per column.
   */
  private adopt(batch: RecordBatch): RecordBatch {
    const fields = this.schema.fields;
    const children = batch.data.children.map((child, i) => {
      const ours = fields[i]!.name === "run_id" ? this.runIdDictionary : fields[i]!.name === "source" ? this.sourceDictionary : undefined;
      const theirs = child.dictionary;
      if (!ours || !theirs || theirs === ours || theirs.length !== ours.length) return child;
      for (let k = 0; k < ours.length; k++) if (theirs.get(k) !== ours.get(k)) return child;
      return new Data(fields[i]!.type, child.offset, child.length, child.nullCount, child, child.children, ours);
    });
    return new RecordBatch(this.schema, makeData({ type: new Struct(fields), length: batch.numRows, children, nullCount: 0 }));
  }

  /** Spills the oldest in-memory batches while they hold more than `memoryLimitRows` rows. */
  private enforceLimit(): void {
    if (this.inMemory <= this.memoryLimitRows) return;
    if (this.disposed) throw new Error("TrajectoryRecorder: disposed; cannot spill more rows");
    this.spill ??= new SpillFile(this.spillDir);
    let drop = 0;
    while (this.inMemory > this.memoryLimitRows && drop < this.batches.length) {
      const b = this.batches[drop++]!;
      this.spill.write(b);
      this.inMemory -= b.numRows;
      this.spilled += b.numRows;
    }
    this.batches.splice(0, drop);
  }

  /**
   * Deletes the spill file (and the default spill directory). Rows already
   * spilled are gone: `toTable()` throws afterwards if there were any, and so
   * does a flush that would need to spill. Idempotent; a recorder that never
   * spilled keeps working.
   */
  dispose(): void {
    this.disposed = true;
    this.spill?.dispose();
  }

  /** Per-copy episode ids and step indices, for checkpoints (a copy). */
  saveCounters(): { episodeOf: number[]; tOf: number[]; nextEpisode: number; totalRows: number } {
    return { episodeOf: [...this.episodeOf], tOf: [...this.tOf], nextEpisode: this.nextEpisode, totalRows: this.totalRows };
  }

  /**
   * Continues a recording saved with {@link saveCounters} and `toTable()`:
   * the table's batches become this recorder's (shared, not copied) and new
   * rows carry on the episode ids and step indices. Pending rows are dropped.
   */
  restore(counters: { episodeOf: number[]; tOf: number[]; nextEpisode: number; totalRows: number }, table: Table): void {
    if (counters.episodeOf.length !== this.numEnvs || counters.tOf.length !== this.numEnvs) {
      throw new RangeError(`TrajectoryRecorder.restore: counters are for ${counters.episodeOf.length} copies, this recorder has ${this.numEnvs}`);
    }
    this.episodeOf.set(counters.episodeOf);
    this.tOf.set(counters.tOf);
    this.nextEpisode = counters.nextEpisode;
    this.totalRows = counters.totalRows;
    this.rows = 0;
    this.nextObsNullCount = 0;
    this.valueNullCount = 0;
    for (const bits of [this.terminated, this.truncated, this.nextObsNulls, this.valueNulls]) bits.fill(0);
    this.batches.length = 0;
    this.inMemory = 0;
    // Start a fresh spill file: the table (which may come from this recorder's toTable()) holds its own copy of spilled rows.
    this.spill?.dispose();
    this.spill = undefined;
    this.spilled = 0;
    // Batches read back from IPC carry an equal but separately built schema: rebind them to ours.
    for (const b of table.batches) {
      if (b.numRows === 0) continue;
      this.batches.push(this.adopt(b));
      this.inMemory += b.numRows;
    }
    this.enforceLimit();
  }

  /**
   * Everything recorded, as a table over the flushed batches (flushes pending
   * rows first; shares memory with the in-memory batches). Spilled rows are
   * read back from the spill file first (see the module doc for the cost).
   */
  toTable(): Table {
    if (this.rows > 0) this.flush();
    if (this.spilled === 0) return new Table(this.schema, this.batches);
    if (this.disposed || !this.spill) throw new Error("TrajectoryRecorder: disposed; its spilled rows were deleted");
    const spilled = this.spill.readBatches().map((b) => this.adopt(b));
    return new Table(this.schema, [...spilled, ...this.batches]);
  }
}
