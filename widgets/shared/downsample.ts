/**
 * Largest-Triangle-Three-Buckets (Steinarsson 2013): picks `threshold`
 * points of a line (x ascending) that keep its visual shape — the first and
 * last points, and from each bucket the point forming the largest triangle
 * with the point kept before and the average of the next bucket. Returns the
 * indices kept (all of them when there are no more than `threshold`).
 * Non-finite y values are skipped.
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, threshold: number): Int32Array {
  const finite: number[] = [];
  for (let i = 0; i < ys.length; i++) if (Number.isFinite(ys[i]!) && Number.isFinite(xs[i]!)) finite.push(i);
  const n = finite.length;
  if (threshold >= n || threshold < 3) return Int32Array.from(threshold >= n ? finite : finite.slice(0, Math.max(0, threshold)));
  const out = new Int32Array(threshold);
  const every = (n - 2) / (threshold - 2);
  let a = 0;
  out[0] = finite[0]!;
  for (let i = 0; i < threshold - 2; i++) {
    // Average of the next bucket.
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += xs[finite[j]!]!;
      avgY += ys[finite[j]!]!;
    }
    const len = Math.max(1, nextEnd - nextStart);
    avgX /= len;
    avgY /= len;
    const start = Math.floor(i * every) + 1;
    const end = Math.floor((i + 1) * every) + 1;
    const ax = xs[finite[a]!]!;
    const ay = ys[finite[a]!]!;
    let best = start;
    let bestArea = -1;
    for (let j = start; j < end; j++) {
      const area = Math.abs((ax - avgX) * (ys[finite[j]!]! - ay) - (ax - xs[finite[j]!]!) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out[i + 1] = finite[best]!;
    a = best;
  }
  out[threshold - 1] = finite[n - 1]!;
  return out;
}
