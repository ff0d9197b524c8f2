/**
 * Scales gradients so that their joint L2 norm is at most `maxNorm`, as
 * torch.nn.utils.clip_grad_norm_ does: the norm is taken over all arrays
 * together (CleanRL clips actor and critic as one), and the scale
 * `maxNorm / (norm + 1e-6)` is applied only when it is below 1.
 * Returns the norm before clipping.
 */
export function clipGradNorm(grads: Float32Array | readonly Float32Array[], maxNorm: number): number {
  const list = grads instanceof Float32Array ? [grads] : grads;
  let sumSq = 0;
  for (const g of list) sumSq += sumOfSquares(g);
  const norm = Math.sqrt(sumSq);
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) for (const g of list) for (let i = 0; i < g.length; i++) g[i] = g[i]! * scale;
  return norm;
}

/** Σ g², in four interleaved partial sums (one sum is bound by the latency of each add). */
export function sumOfSquares(g: Float32Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n4 = g.length & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const a = g[i]!, b = g[i + 1]!, c = g[i + 2]!, d = g[i + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; i < g.length; i++) s0 += g[i]! * g[i]!;
  return s0 + s1 + s2 + s3;
}
