/** A series of points (x ascending). */
export interface Series {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
}

export interface Band {
  readonly x: Float64Array;
  readonly mean: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Series with a value at each x (the band is drawn where at least one has). */
  readonly count: Int32Array;
}

/**
 * Mean ± one standard deviation across runs (seeds) on a common grid of
 * `points` x values from the smallest to the largest x of any run: each run
 * is linearly interpolated inside its own x range and counts only there. The
 * standard deviation is the population one (0 for a single run).
 */
export function meanBand(series: readonly Series[], points = 200): Band {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    if (s.x.length === 0) continue;
    lo = Math.min(lo, s.x[0]!);
    hi = Math.max(hi, s.x[s.x.length - 1]!);
  }
  const m = Number.isFinite(lo) ? Math.max(2, points) : 0;
  const x = new Float64Array(m);
  const mean = new Float64Array(m);
  const lower = new Float64Array(m);
  const upper = new Float64Array(m);
  const count = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const xk = m === 1 ? lo : lo + ((hi - lo) * k) / (m - 1);
    x[k] = xk;
    let sum = 0;
    let sq = 0;
    let c = 0;
    for (const s of series) {
      const v = interpolate(s, xk);
      if (v === undefined) continue;
      sum += v;
      sq += v * v;
      c++;
    }
    count[k] = c;
    const mu = c ? sum / c : NaN;
    const sd = c ? Math.sqrt(Math.max(0, sq / c - mu * mu)) : NaN;
    mean[k] = mu;
    lower[k] = mu - sd;
    upper[k] = mu + sd;
  }
  return { x, mean, lower, upper, count };
}

/** y of `s` at `x` by linear interpolation, undefined outside its range. */
export function interpolate(s: Series, x: number): number | undefined {
  const n = s.x.length;
  if (n === 0 || x < s.x[0]! || x > s.x[n - 1]!) return undefined;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s.x[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const x0 = s.x[lo]!;
  const x1 = s.x[hi]!;
  if (x1 === x0) return s.y[lo]!;
  const t = (x - x0) / (x1 - x0);
  return s.y[lo]! + t * (s.y[hi]! - s.y[lo]!);
}
