/**
 * The REINFORCE policy-gradient loss (Williams 1992) over a batch of B
 * samples with (fixed) advantages Â, e.g. G_t − V(s_t):
 *
 *   L = −(1/B) Σ_i Â_i log π(a_i|s_i),   ∂L/∂log π(a_i|s_i) = −Â_i / B  (into `dLogp`)
 */
export function reinforceLoss(logp: Float32Array, advantages: Float32Array, dLogp: Float32Array): number {
  const n = logp.length;
  const inv = 1 / n;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    loss -= advantages[i]! * logp[i]!;
    dLogp[i] = -advantages[i]! * inv;
  }
  return loss * inv;
}
