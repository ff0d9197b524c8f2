import type { Rng } from "../random/rng.js";

/**
 * Categorical distribution over `k` actions parameterized by logits, for a
 * batch of rows (`batch × k`, row-major). Pure functions on typed arrays: the
 * statistics the losses need and their gradients with respect to the logits.
 */

/** Writes log-softmax of each row of `logits` into `logProbs`. */
export function logSoftmax(logits: Float32Array, batch: number, k: number, logProbs: Float32Array): Float32Array {
  for (let b = 0; b < batch; b++) {
    const o = b * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (logits[o + j]! > max) max = logits[o + j]!;
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[o + j]! - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < k; j++) logProbs[o + j] = logits[o + j]! - lse;
  }
  return logProbs;
}

/** Per-row log π(a|s) and entropy H = −Σ p log p of the actions taken. */
export interface CategoricalStats {
  readonly logProbs: Float32Array;
  readonly logp: Float32Array;
  readonly entropy: Float32Array;
}

export function categoricalStats(
  logits: Float32Array,
  batch: number,
  k: number,
  actions: ArrayLike<number>,
  out?: CategoricalStats,
): CategoricalStats {
  const logProbs = logSoftmax(logits, batch, k, out?.logProbs ?? new Float32Array(batch * k));
  const logp = out?.logp ?? new Float32Array(batch);
  const entropy = out?.entropy ?? new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    const o = b * k;
    let h = 0;
    for (let j = 0; j < k; j++) {
      const lp = logProbs[o + j]!;
      h -= Math.exp(lp) * lp;
    }
    entropy[b] = h;
    logp[b] = logProbs[o + actions[b]!]!;
  }
  return { logProbs, logp, entropy };
}

/**
 * Gradient with respect to the logits of Σ_b (dLogp[b] · log π(a_b) + dEntropy[b] · H_b):
 *   ∂ log π(a)/∂z_j = 1[j = a] − p_j
 *   ∂ H/∂z_j = −p_j (log p_j + H)
 * Written into `dLogits` (overwrites).
 */
export function categoricalBackward(
  stats: CategoricalStats,
  batch: number,
  k: number,
  actions: ArrayLike<number>,
  dLogp: Float32Array,
  dEntropy: Float32Array | number,
  dLogits: Float32Array,
): Float32Array {
  const { logProbs, entropy } = stats;
  for (let b = 0; b < batch; b++) {
    const o = b * k;
    const c = dLogp[b]!;
    const h = typeof dEntropy === "number" ? dEntropy : dEntropy[b]!;
    const hb = entropy[b]!;
    const a = actions[b]!;
    for (let j = 0; j < k; j++) {
      const lp = logProbs[o + j]!;
      const p = Math.exp(lp);
      dLogits[o + j] = c * ((j === a ? 1 : 0) - p) - h * p * (lp + hb);
    }
  }
  return dLogits;
}

/** Samples one action per row (inverse CDF with one uniform draw) and its log-probability. */
export function sampleCategorical(
  logits: Float32Array,
  batch: number,
  k: number,
  rng: Rng,
  actions: Int32Array,
  logp: Float32Array,
): void {
  for (let b = 0; b < batch; b++) {
    const o = b * k;
    let max = -Infinity;
    for (let j = 0; j < k; j++) if (logits[o + j]! > max) max = logits[o + j]!;
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.exp(logits[o + j]! - max);
    let r = rng.float() * sum;
    let a = k - 1;
    for (let j = 0; j < k - 1; j++) {
      r -= Math.exp(logits[o + j]! - max);
      if (r < 0) {
        a = j;
        break;
      }
    }
    actions[b] = a;
    logp[b] = logits[o + a]! - max - Math.log(sum);
  }
}

/** The most likely action of each row (greedy evaluation). */
export function argmaxRows(logits: Float32Array, batch: number, k: number, actions: Int32Array): Int32Array {
  for (let b = 0; b < batch; b++) {
    const o = b * k;
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[o + j]! > logits[o + best]!) best = j;
    actions[b] = best;
  }
  return actions;
}
