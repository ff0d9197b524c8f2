/**
 * TensorBoard's scalar smoothing: an exponential moving average debiased for
 * its start, so the first points are not pulled toward 0:
 *
 *   last_i = w · last_{i−1} + (1 − w) · y_i,  last_0 = 0
 *   smoothed_i = last_i / (1 − w^i)         (i counts the finite points so far)
 *
 * Non-finite values are passed through and do not enter the average.
 * `weight` in [0, 1): 0 is no smoothing.
 */
export function emaSmooth(ys: ArrayLike<number>, weight: number): Float64Array {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`emaSmooth: weight must be in [0, 1), got ${weight}`);
  const out = new Float64Array(ys.length);
  let last = 0;
  let n = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]!;
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    last = last * weight + (1 - weight) * y;
    n++;
    out[i] = weight === 0 ? y : last / (1 - weight ** n);
  }
  return out;
}
