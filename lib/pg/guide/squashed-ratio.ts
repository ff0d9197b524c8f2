/**
 * Guide's importance weight for hinted rollouts (Nath et al. 2025, arXiv
 * 2506.13923; `compute_policy_loss` of the official verl fork): a completion
 * sampled with a hint in the prompt is trained on the prompt without it, so
 * its tokens' ratio r = π_θ(o_t | q, o_<t) / π_old(o_t | q, h, o_<t) compares
 * two contexts. Unclipped, r can be huge; Guide squashes it as r / (r + γ)
 * with γ the 0.9-quantile of the minibatch's off-policy ratios (detached).
 */

/**
 * The q-quantile of `values` with linear interpolation between order
 * statistics (numpy's and torch's default): position q·(n − 1) in the sorted values.
 */
export function linearQuantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) throw new RangeError("linearQuantile: no values");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`linearQuantile: q must be in [0, 1], got ${q}`);
  const sorted = Float64Array.from(values).sort();
  const at = q * (n - 1);
  const lo = Math.floor(at);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (at - lo) * (sorted[hi]! - sorted[lo]!);
}

/** How γ of r / (r + γ) is chosen: a quantile of the batch's off-policy ratios (Guide's default, q 0.9), or a constant. */
export type SquashGamma = { readonly kind: "quantile"; readonly q: number; readonly min: number } | { readonly kind: "constant"; readonly value: number };

/** γ for the ratios `ratios` of a minibatch's off-policy tokens. */
export function squashGamma(ratios: ArrayLike<number>, gamma: SquashGamma): number {
  if (gamma.kind === "constant") return gamma.value;
  return ratios.length === 0 ? gamma.min : Math.max(gamma.min, linearQuantile(ratios, gamma.q));
}

/**
 * The squashed-ratio loss of off-policy tokens, ℓ_t = −Â_t · r_t / (r_t + γ),
 * no clip; ∂ℓ_t/∂log π_θ = −Â_t · γ r_t / (r_t + γ)² (γ detached). Rows with
 * `offPolicy[i] = 0` are skipped (no loss, gradient untouched); the others
 * are weighted by `weight(i)` (the minibatch's aggregation) and their
 * gradient is written into `dLogp[i]`. Returns the weighted loss and γ.
 */
export function squashedRatioLoss(
  logp: Float32Array,
  behaviorLogp: Float32Array,
  advantages: Float32Array,
  offPolicy: Uint8Array,
  gamma: SquashGamma,
  weight: (i: number) => number,
  dLogp: Float32Array,
): { loss: number; gamma: number; meanRatio: number; rows: number } {
  const ratios: number[] = [];
  for (let i = 0; i < logp.length; i++) if (offPolicy[i]) ratios.push(Math.exp(logp[i]! - behaviorLogp[i]!));
  const g = squashGamma(ratios, gamma);
  let loss = 0;
  let k = 0;
  let sumRatio = 0;
  for (let i = 0; i < logp.length; i++) {
    if (!offPolicy[i]) continue;
    const r = ratios[k++]!;
    const a = advantages[i]!;
    const w = weight(i);
    const s = r + g;
    loss += -a * (r / s) * w;
    dLogp[i] = -a * ((g * r) / (s * s)) * w;
    sumRatio += r;
  }
  return { loss, gamma: g, meanRatio: ratios.length ? sumRatio / ratios.length : 0, rows: ratios.length };
}
