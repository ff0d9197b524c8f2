const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

export interface BoxedGaussianAwrResult {
  /** −(1/B) Σ_b w_b log π(a_b|s_b), log π in the env's action units. */
  readonly loss: number;
  /** Mean log π(a_b|s_b) of the dataset actions (unweighted). */
  readonly meanLogp: number;
  /** Mean squared distance of the policy mean to the dataset actions, in the env's units. */
  readonly actionMse: number;
}

/**
 * Advantage-weighted regression of IQL's policy extraction for an action box
 * (Kostrikov et al. 2021, eq. 7, with the Gaussian of their reference code):
 *
 *   μ_bj = bias_j + scale_j · tanh(raw_bj),   σ_j = scale_j · exp(clip(ℓ_j, ℓmin, ℓmax))
 *   log π(a|s) = Σ_j [−½ ((a_j − μ_j)/σ_j)² − log σ_j − ½ log 2π]
 *   L = −(1/B) Σ_b w_b log π(a_b|s_b)
 *
 * so the mean stays inside the box (the greedy action is μ) and log σ is a
 * state-independent vector ℓ in units of the box's half-width. Gradients:
 *
 *   ∂L/∂raw_bj = −(w_b/B) · (a_bj − μ_bj)/σ_j² · scale_j (1 − tanh²(raw_bj))
 *   ∂L/∂ℓ_j    = −(1/B) Σ_b w_b (((a_bj − μ_bj)/σ_j)² − 1)   (0 where ℓ_j is clipped)
 *
 * `raw` and `actions` are `batch × d`; `dRaw` is written, `dLogStd` added to.
 * The weights `w` are constants (no gradient to the critics).
 */
export function boxedGaussianAwr(
  raw: Float32Array,
  logStd: Float32Array,
  actions: Float32Array,
  weights: Float32Array,
  batch: number,
  scale: Float32Array,
  bias: Float32Array,
  logStdRange: { readonly min: number; readonly max: number },
  dRaw: Float32Array,
  dLogStd: Float32Array,
): BoxedGaussianAwrResult {
  const d = scale.length;
  if (raw.length < batch * d || actions.length < batch * d || weights.length < batch || dRaw.length < batch * d || logStd.length !== d || dLogStd.length !== d) {
    throw new RangeError(`boxedGaussianAwr: ${batch} rows of ${d} actions need ${batch * d} outputs, actions and gradients, ${batch} weights and ${d} log σ`);
  }
  const inv = 1 / batch;
  let loss = 0;
  let sumLogp = 0;
  let sq = 0;
  for (let j = 0; j < d; j++) {
    const l = logStd[j]!;
    const clipped = l < logStdRange.min || l > logStdRange.max;
    const logSigma = Math.log(scale[j]!) + Math.min(Math.max(l, logStdRange.min), logStdRange.max);
    const invVar = Math.exp(-2 * logSigma);
    let gradL = 0;
    for (let b = 0; b < batch; b++) {
      const i = b * d + j;
      const t = Math.tanh(raw[i]!);
      const diff = actions[i]! - (bias[j]! + scale[j]! * t);
      const z2 = diff * diff * invVar;
      const logp = -0.5 * z2 - logSigma - HALF_LOG_2PI;
      const w = weights[b]!;
      loss -= w * logp;
      sumLogp += logp;
      sq += diff * diff;
      dRaw[i] = -w * inv * diff * invVar * scale[j]! * (1 - t * t);
      gradL -= w * (z2 - 1);
    }
    if (!clipped) dLogStd[j] = dLogStd[j]! + gradL * inv;
  }
  return { loss: loss * inv, meanLogp: sumLogp * inv, actionMse: sq * inv / d };
}
