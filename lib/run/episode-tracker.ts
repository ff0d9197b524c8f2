import type { VecEnv } from "../envs/vec-env.js";

/** Finished episodes kept for `meanReturn` (and checkpoints). */
export const WINDOW = 100;

/** One finished training episode. */
export interface FinishedEpisode {
  readonly return: number;
  readonly length: number;
  /** The run's env-step counter when it ended. */
  readonly step: number;
  /** Its summed constraint costs (all of the env's costs together), when the env emits costs. */
  readonly cost?: number;
}

/**
 * Undiscounted return, length and (for envs with constraint costs) summed
 * cost of the episodes a vector env runs through (Gymnasium's
 * RecordEpisodeStatistics).
 */
export class EpisodeTracker {
  readonly returns: Float64Array;
  readonly lengths: Int32Array;
  /** Summed costs of each copy's current episode. */
  readonly costSums: Float64Array;
  /** The last {@link WINDOW} finished episodes, oldest first. */
  readonly finished: FinishedEpisode[] = [];
  /** Episodes finished so far. */
  count = 0;
  private sinceRowReturn = 0;
  private sinceRowLength = 0;
  private sinceRowCount = 0;
  private sinceRowCost = 0;

  constructor(numEnvs: number) {
    this.returns = new Float64Array(numEnvs);
    this.lengths = new Int32Array(numEnvs);
    this.costSums = new Float64Array(numEnvs);
  }

  /** Reads the env's last step; `step` is the run's env-step counter after it. */
  record(env: VecEnv, step: number): void {
    const n = env.numEnvs;
    const k = env.costNames?.length ?? 0;
    const costs = env.costs;
    for (let e = 0; e < n; e++) {
      this.returns[e] = this.returns[e]! + env.rewards[e]!;
      this.lengths[e] = this.lengths[e]! + 1;
      if (k > 0) for (let j = 0; j < k; j++) this.costSums[e] = this.costSums[e]! + costs![e * k + j]!;
      if (env.terminated[e] || env.truncated[e]) {
        const ret = this.returns[e]!;
        const len = this.lengths[e]!;
        const cost = this.costSums[e]!;
        this.finished.push(k > 0 ? { return: ret, length: len, step, cost } : { return: ret, length: len, step });
        if (this.finished.length > WINDOW) this.finished.shift();
        this.count++;
        this.sinceRowReturn += ret;
        this.sinceRowLength += len;
        this.sinceRowCost += cost;
        this.sinceRowCount++;
        this.returns[e] = 0;
        this.lengths[e] = 0;
        this.costSums[e] = 0;
      }
    }
  }

  /** Mean return, length and (with costs) summed cost of episodes finished since the last call (undefined when none). */
  takeSinceLastRow(): { episodicReturn?: number; episodicLength?: number; episodicCost?: number } {
    if (this.sinceRowCount === 0) return {};
    const c = this.sinceRowCount;
    const withCost = this.finished.at(-1)?.cost !== undefined;
    const out = { episodicReturn: this.sinceRowReturn / c, episodicLength: this.sinceRowLength / c, ...(withCost ? { episodicCost: this.sinceRowCost / c } : {}) };
    this.sinceRowReturn = this.sinceRowLength = this.sinceRowCount = this.sinceRowCost = 0;
    return out;
  }

  /** Mean summed cost of the last `k` ≤ {@link WINDOW} finished episodes (undefined when none, or the env emits no costs). */
  meanCost(k = WINDOW): number | undefined {
    const f = this.finished;
    if (f.length === 0 || f.at(-1)!.cost === undefined) return undefined;
    const from = Math.max(0, f.length - k);
    let s = 0;
    for (let i = from; i < f.length; i++) s += f[i]!.cost ?? 0;
    return s / (f.length - from);
  }

  /** Mean return of the last `k` ≤ {@link WINDOW} finished episodes (undefined when none). */
  meanReturn(k = WINDOW): number | undefined {
    const f = this.finished;
    if (f.length === 0) return undefined;
    const from = Math.max(0, f.length - k);
    let s = 0;
    for (let i = from; i < f.length; i++) s += f[i]!.return;
    return s / (f.length - from);
  }

  lastReturn(): number | undefined {
    return this.finished.at(-1)?.return;
  }

  toJSON(): unknown {
    return {
      returns: [...this.returns],
      lengths: [...this.lengths],
      finished: this.finished.map((f) => (f.cost === undefined ? [f.return, f.length, f.step] : [f.return, f.length, f.step, f.cost])),
      since: [this.sinceRowReturn, this.sinceRowLength, this.sinceRowCount, this.sinceRowCost],
      costSums: [...this.costSums],
      count: this.count,
    };
  }

  load(json: unknown): void {
    const j = json as { returns: number[]; lengths: number[]; finished: number[][]; since: number[]; count: number; costSums?: number[] };
    this.count = j.count;
    this.returns.set(j.returns);
    this.lengths.set(j.lengths);
    this.costSums.fill(0);
    if (j.costSums) this.costSums.set(j.costSums);
    this.finished.length = 0;
    for (const [r, l, s, c] of j.finished) this.finished.push(c === undefined ? { return: r!, length: l!, step: s! } : { return: r!, length: l!, step: s!, cost: c });
    [this.sinceRowReturn, this.sinceRowLength, this.sinceRowCount] = j.since as [number, number, number];
    this.sinceRowCost = j.since[3] ?? 0;
  }
}
