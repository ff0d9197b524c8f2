import type { Rng } from "../random/rng.js";

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Diagonal Gaussian policy N(μ(s), diag σ²) with a state-independent
 * log-standard-deviation vector (CleanRL's `ppo_continuous_action.py`).
 * `mean` is `batch × d`, `logStd` has `d` entries. Log-probabilities and
 * entropies are summed over the d dimensions.
 */
export interface GaussianStats {
  readonly logp: Float32Array;
  readonly entropy: Float32Array;
}

export function gaussianStats(
  mean: Float32Array,
  logStd: Float32Array,
  batch: number,
  d: number,
  actions: Float32Array,
  out?: GaussianStats,
): GaussianStats {
  const logp = out?.logp ?? new Float32Array(batch);
  const entropy = out?.entropy ?? new Float32Array(batch);
  let sumLogStd = 0;
  for (let j = 0; j < d; j++) sumLogStd += logStd[j]!;
  const h = sumLogStd + d * (0.5 + HALF_LOG_2PI);
  for (let b = 0; b < batch; b++) {
    let lp = 0;
    for (let j = 0; j < d; j++) {
      const z = (actions[b * d + j]! - mean[b * d + j]!) * Math.exp(-logStd[j]!);
      lp += -0.5 * z * z;
    }
    logp[b] = lp - sumLogStd - d * HALF_LOG_2PI;
    entropy[b] = h;
  }
  return { logp, entropy };
}

/**
 * Gradients of Σ_b (dLogp[b] · log π(a_b) + dEntropy[b] · H) with respect to
 * the mean (written into `dMean`) and the log-std vector (added into `dLogStd`):
 *   ∂ log π/∂μ_j = (a_j − μ_j) / σ_j²,  ∂ log π/∂ log σ_j = ((a_j − μ_j)/σ_j)² − 1,  ∂ H/∂ log σ_j = 1.
 */
export function gaussianBackward(
  mean: Float32Array,
  logStd: Float32Array,
  batch: number,
  d: number,
  actions: Float32Array,
  dLogp: Float32Array,
  dEntropy: Float32Array | number,
  dMean: Float32Array,
  dLogStd: Float32Array,
): void {
  for (let b = 0; b < batch; b++) {
    const c = dLogp[b]!;
    const h = typeof dEntropy === "number" ? dEntropy : dEntropy[b]!;
    for (let j = 0; j < d; j++) {
      const invVar = Math.exp(-2 * logStd[j]!);
      const diff = actions[b * d + j]! - mean[b * d + j]!;
      dMean[b * d + j] = c * diff * invVar;
      dLogStd[j] = dLogStd[j]! + c * (diff * diff * invVar - 1) + h;
    }
  }
}

/** Samples a ~ N(μ, σ²) per row and its log-probability. */
export function sampleGaussian(
  mean: Float32Array,
  logStd: Float32Array,
  batch: number,
  d: number,
  rng: Rng,
  actions: Float32Array,
  logp: Float32Array,
): void {
  let sumLogStd = 0;
  for (let j = 0; j < d; j++) sumLogStd += logStd[j]!;
  for (let b = 0; b < batch; b++) {
    let lp = 0;
    for (let j = 0; j < d; j++) {
      const eps = rng.normal();
      actions[b * d + j] = mean[b * d + j]! + Math.exp(logStd[j]!) * eps;
      lp += -0.5 * eps * eps;
    }
    logp[b] = lp - sumLogStd - d * HALF_LOG_2PI;
  }
}
