import type { Rng, RngState } from "../random/rng.js";

/** What a checkpoint keeps of an {@link EpochOrder}. */
export interface EpochOrderState {
  readonly rng: RngState;
  readonly order: number[];
  readonly cursor: number;
  readonly visited: number;
}

/**
 * Visits the rows 0..n−1 in epochs, each a fresh seeded shuffle: `next(k)`
 * gives the next k indices (crossing into the next epoch when one ends), so
 * every row is seen once per epoch and the order depends only on the rng.
 */
export class EpochOrder {
  private order: Int32Array;
  private cursor = 0;
  /** Rows handed out so far (over all epochs). */
  visited = 0;

  constructor(
    readonly rows: number,
    private readonly rng: Rng,
  ) {
    if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`EpochOrder: rows must be a positive integer, got ${rows}`);
    this.order = this.shuffle();
  }

  /** Epochs so far, fractional. */
  get epoch(): number {
    return this.visited / this.rows;
  }

  state(): EpochOrderState {
    return { rng: this.rng.state(), order: Array.from(this.order), cursor: this.cursor, visited: this.visited };
  }

  /** Continues from `state` (checked: a permutation of the same rows, a cursor within it). */
  restore(state: EpochOrderState): void {
    const order = state?.order;
    const ok = Array.isArray(order) && order.length === this.rows && new Set(order).size === this.rows && order.every((i) => Number.isInteger(i) && i >= 0 && i < this.rows);
    if (!ok) throw new RangeError(`EpochOrder: the saved order is not a permutation of ${this.rows} rows`);
    if (!Number.isInteger(state.cursor) || state.cursor < 0 || state.cursor > this.rows) throw new RangeError(`EpochOrder: the saved cursor ${String(state.cursor)} is outside [0, ${this.rows}]`);
    if (!Number.isInteger(state.visited) || state.visited < 0) throw new RangeError(`EpochOrder: the saved count ${String(state.visited)} is not an integer ≥ 0`);
    this.rng.restore(state.rng);
    this.order = Int32Array.from(order);
    this.cursor = state.cursor;
    this.visited = state.visited;
  }

  next(k: number): Int32Array {
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      if (this.cursor === this.rows) {
        this.order = this.shuffle();
        this.cursor = 0;
      }
      out[i] = this.order[this.cursor++]!;
    }
    this.visited += k;
    return out;
  }

  private shuffle(): Int32Array {
    const order = Int32Array.from({ length: this.rows }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }
}
