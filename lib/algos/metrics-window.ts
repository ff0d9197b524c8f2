/**
 * Running sums of per-update metrics for methods that report a row every
 * few updates (the offline algorithms): `add` one update's values, `take`
 * the averages and start over. Part of checkpoints (`toJSON`/`load`), so a
 * resumed run reports the same rows.
 */
export class MetricsWindow {
  private count = 0;
  private sums: Record<string, number> = {};

  /** Adds one update's values. */
  add(values: Readonly<Record<string, number>>): void {
    this.count++;
    for (const [name, v] of Object.entries(values)) this.sums[name] = (this.sums[name] ?? 0) + v;
  }

  /** The mean of each metric since the last `take`, then empties the window (null when empty). */
  take(): Record<string, number> | null {
    if (this.count === 0) return null;
    const n = this.count;
    const means = Object.fromEntries(Object.entries(this.sums).map(([name, s]) => [name, s / n]));
    this.count = 0;
    this.sums = {};
    return means;
  }

  toJSON(): { count: number; sums: Record<string, number> } {
    return { count: this.count, sums: { ...this.sums } };
  }

  load(json: { count: number; sums: Record<string, number> }): void {
    this.count = json.count;
    this.sums = { ...json.sums };
  }
}
