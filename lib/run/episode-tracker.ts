import type { VecEnv } from "../envs/vec-env.js";

/** Finished episodes kept for `meanReturn` (and checkpoints). */
export const WINDOW = 100;

/** Undiscounted return and length of the episodes a vector env runs through (Gymnasium's RecordEpisodeStatistics). */
export class EpisodeTracker {
  readonly returns: Float64Array;
  readonly lengths: Int32Array;
  /** The last {@link WINDOW} finished episodes, oldest first. */
  readonly finished: { return: number; length: number; step: number }[] = [];
  /** Episodes finished so far. */
  count = 0;
  private sinceRowReturn = 0;
  private sinceRowLength = 0;
  private sinceRowCount = 0;

  constructor(numEnvs: number) {
    this.returns = new Float64Array(numEnvs);
    this.lengths = new Int32Array(numEnvs);
  }

  /** Reads the env's last step; `step` is the run's env-step counter after it. */
  record(env: VecEnv, step: number): void {
    const n = env.numEnvs;
    for (let e = 0; e < n; e++) {
      this.returns[e] = this.returns[e]! + env.rewards[e]!;
      this.lengths[e] = this.lengths[e]! + 1;
      if (env.terminated[e] || env.truncated[e]) {
        const ret = this.returns[e]!;
        const len = this.lengths[e]!;
        this.finished.push({ return: ret, length: len, step });
        if (this.finished.length > WINDOW) this.finished.shift();
        this.count++;
        this.sinceRowReturn += ret;
        this.sinceRowLength += len;
        this.sinceRowCount++;
        this.returns[e] = 0;
        this.lengths[e] = 0;
      }
    }
  }

  /** Mean return and length of episodes finished since the last call (undefined when none). */
  takeSinceLastRow(): { episodicReturn?: number; episodicLength?: number } {
    if (this.sinceRowCount === 0) return {};
    const out = { episodicReturn: this.sinceRowReturn / this.sinceRowCount, episodicLength: this.sinceRowLength / this.sinceRowCount };
    this.sinceRowReturn = this.sinceRowLength = this.sinceRowCount = 0;
    return out;
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
      finished: this.finished.map((f) => [f.return, f.length, f.step]),
      since: [this.sinceRowReturn, this.sinceRowLength, this.sinceRowCount],
      count: this.count,
    };
  }

  load(json: unknown): void {
    const j = json as { returns: number[]; lengths: number[]; finished: [number, number, number][]; since: [number, number, number]; count: number };
    this.count = j.count;
    this.returns.set(j.returns);
    this.lengths.set(j.lengths);
    this.finished.length = 0;
    for (const [r, l, s] of j.finished) this.finished.push({ return: r, length: l, step: s });
    [this.sinceRowReturn, this.sinceRowLength, this.sinceRowCount] = j.since;
  }
}
