/**
 * V-GPS's choice among K actions sampled from a generalist policy (Nakamoto
 * et al. 2024, "Steering Your Generalists"): each candidate's Q-value from a
 * critic trained offline, and the probabilities of executing each,
 * softmax(Q / β); β ≤ 0 is the argmax (the lowest index among ties).
 */
export function valueGuidedProbabilities(q: ArrayLike<number>, beta: number): Float64Array {
  const k = q.length;
  if (k === 0) throw new RangeError("valueGuidedProbabilities: no candidates");
  for (let i = 0; i < k; i++) if (!Number.isFinite(q[i]!)) throw new RangeError(`valueGuidedProbabilities: Q of candidate ${i} is ${q[i]}, expected a finite number`);
  if (!Number.isFinite(beta)) throw new RangeError(`valueGuidedProbabilities: β must be finite, got ${beta}`);
  const p = new Float64Array(k);
  let best = 0;
  for (let i = 1; i < k; i++) if (q[i]! > q[best]!) best = i;
  if (beta <= 0) {
    p[best] = 1;
    return p;
  }
  let sum = 0;
  for (let i = 0; i < k; i++) sum += p[i] = Math.exp((q[i]! - q[best]!) / beta);
  for (let i = 0; i < k; i++) p[i] = p[i]! / sum;
  return p;
}
