// Summary statistics of a list of numbers (Dataset.stats: returns and lengths over episodes).

/** Mean, standard deviation (population), extremes and quantiles of a list of numbers. */
export interface Summary {
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Linear-interpolated quantiles at 5 %, 25 %, 50 %, 75 % and 95 %. */
  quantiles: { p5: number; p25: number; p50: number; p75: number; p95: number };
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Mean, population std, min, max and quantiles of `values`. */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sorted[i]! - mean) ** 2;
  return {
    mean,
    std: n ? Math.sqrt(ss / n) : NaN,
    min: n ? sorted[0]! : NaN,
    max: n ? sorted[n - 1]! : NaN,
    quantiles: { p5: quantile(sorted, 0.05), p25: quantile(sorted, 0.25), p50: quantile(sorted, 0.5), p75: quantile(sorted, 0.75), p95: quantile(sorted, 0.95) },
  };
}
