// Shuffled minibatches of a dataset's rows, gathered straight from the
// column buffers (Dataset.sampler), and the state a checkpoint keeps of them.
import type { Schema, Vector } from "apache-arrow";
import type { Rng } from "../random/rng.js";
import { chunkStarts, gatherable, gatherColumn, type SampledArray } from "./gather.js";

export interface SamplerOptions {
  /** Rows per minibatch. */
  batchSize: number;
  /** Draws the shuffles (the same seed gives the same batches). */
  rng: Rng;
  /**
   * Columns to gather (default: those of `obs, action, reward, terminated,
   * truncated, next_obs` present). Numeric and bool columns, and
   * FixedSizeLists of them; dictionary and variable-width columns are refused.
   */
  columns?: readonly string[];
}

/** One minibatch: `size` rows, each column as one flat typed array (row-major for FixedSizeLists). */
export interface Minibatch {
  size: number;
  /** Row indices (into the dataset's table) of the rows gathered, in batch order. */
  rows: Int32Array;
  /** Per column: `size × width` values; bools as 0/1 bytes. */
  columns: Record<string, SampledArray>;
  /** Per column: values per row (1 for scalars). */
  widths: Record<string, number>;
  /** Only for columns with nulls: 1 where the row's value is valid, 0 where null (its values are then unspecified). */
  valid: Record<string, Uint8Array>;
}

/**
 * Draws shuffled minibatches of rows: each epoch is a uniform random
 * permutation of all rows cut into `floor(numRows / batchSize)` full batches
 * (the remainder is dropped; the next epoch reshuffles). The permutation is
 * drawn lazily, `batchSize` positions per batch, so a draw costs
 * O(batchSize × columns) after a one-time O(rows) index array.
 */
export interface Sampler {
  readonly batchSize: number;
  readonly columns: readonly string[];
  /** Full batches per epoch. */
  readonly batchesPerEpoch: number;
  /** Epochs started so far. */
  readonly epoch: number;
  next(): Minibatch;
  /** The position in the current epoch's shuffle (the rng's state is the caller's), for checkpoints. */
  saveState(): SamplerState;
  /** Continues from a {@link SamplerState} of a sampler over the same rows and batch size. */
  loadState(state: SamplerState): void;
}

/** Where a {@link Sampler} is: epochs started, batches drawn in the current one, and the row arrangement (empty before the first draw). */
export interface SamplerState {
  epoch: number;
  cursor: number;
  perm: Int32Array;
}

const DEFAULT_SAMPLE_COLUMNS = ["obs", "action", "reward", "terminated", "truncated", "next_obs"];

/**
 * A sampler over `numRows` rows with columns of `schema`; `read` gives the
 * named columns (a dataset opened from an Arrow IPC file reads just those).
 * Errors name `Dataset.sampler`, its one caller.
 */
export function createSampler(schema: Schema, numRows: number, read: (names: readonly string[]) => Vector[], options: SamplerOptions): Sampler {
  const { batchSize, rng } = options;
  const n = numRows;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`Dataset.sampler: batchSize must be an integer ≥ 1, got ${String(batchSize)}`);
  if (batchSize > n) throw new RangeError(`Dataset.sampler: batchSize ${batchSize} exceeds the dataset's ${n} rows`);
  const fields = new Map(schema.fields.map((f) => [f.name, f]));
  const names = options.columns ? [...options.columns] : DEFAULT_SAMPLE_COLUMNS.filter((c) => fields.has(c));
  for (const name of names) {
    const field = fields.get(name);
    if (!field) throw new Error(`Dataset.sampler: no column ${name}`);
    if (!gatherable(field.type)) throw new TypeError(`Dataset.sampler: column ${name} (${String(field.type)}) cannot be sampled as a typed array`);
  }
  const columns = read(names);
  const starts = chunkStarts(columns[0]?.data ?? []);
  const perEpoch = Math.floor(n / batchSize);
  // Lazy Fisher–Yates: each batch fixes the next `batchSize` positions of a
  // uniform permutation, so a draw costs O(batchSize), not O(rows). A new
  // epoch continues swapping from position 0 of the current arrangement
  // (still a uniform permutation).
  let perm: Int32Array | undefined;
  let cursor = 0;
  let epoch = 0;
  return {
    batchSize,
    columns: names,
    batchesPerEpoch: perEpoch,
    get epoch() {
      return epoch;
    },
    next(): Minibatch {
      if (!perm) {
        perm = new Int32Array(n);
        for (let i = 0; i < n; i++) perm[i] = i;
      }
      if (cursor === 0 || cursor >= perEpoch) {
        cursor = 0;
        epoch++;
      }
      const p0 = cursor * batchSize;
      for (let p = p0; p < p0 + batchSize; p++) {
        const j = p + rng.int(n - p);
        const tmp = perm[p]!;
        perm[p] = perm[j]!;
        perm[j] = tmp;
      }
      const rows = perm.slice(p0, p0 + batchSize);
      cursor++;
      const batch: Minibatch = { size: batchSize, rows, columns: {}, widths: {}, valid: {} };
      columns.forEach((col, i) => {
        const name = names[i]!;
        const g = gatherColumn(col, starts, rows);
        batch.columns[name] = g.values;
        batch.widths[name] = g.width;
        if (g.valid) batch.valid[name] = g.valid;
      });
      return batch;
    },
    saveState(): SamplerState {
      return { epoch, cursor, perm: perm ? perm.slice() : new Int32Array(0) };
    },
    loadState(state: SamplerState): void {
      if (state.perm.length !== 0 && state.perm.length !== n) throw new RangeError(`Dataset.sampler: saved state covers ${state.perm.length} rows, this dataset has ${n}`);
      perm = state.perm.length ? Int32Array.from(state.perm) : undefined;
      cursor = state.cursor;
      epoch = state.epoch;
    },
  };
}
