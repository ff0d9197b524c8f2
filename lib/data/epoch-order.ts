import type { Rng } from "../random/rng.js";

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
