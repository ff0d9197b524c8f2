/**
 * PPO's clipped surrogate objective (Schulman et al. 2017, eq. 7), as a loss
 * to minimize over a minibatch of B samples:
 *
 *   r_i = exp(log π(a_i|s_i) − log π_old(a_i|s_i))
 *   L   = (1/B) Σ_i max(−A_i r_i, −A_i clip(r_i, 1 − ε, 1 + ε))
 *
 * Returns the loss, its gradient with respect to each new log-probability
 * (written into `dLogp`), and the diagnostics CleanRL logs: the clip fraction
 * (|r − 1| > ε) and both approximate-KL estimators, k1 = mean(−log r) and
 * k3 = mean((r − 1) − log r) (Schulman, "Approximating KL divergence").
 */
export interface ClippedSurrogateResult {
  readonly loss: number;
  readonly clipfrac: number;
  readonly approxKl: number;
  readonly oldApproxKl: number;
}

export function clippedSurrogate(
  newLogp: Float32Array,
  oldLogp: Float32Array,
  advantages: Float32Array,
  clip: number,
  dLogp: Float32Array,
): ClippedSurrogateResult {
  const b = newLogp.length;
  let loss = 0;
  let clipped = 0;
  let k1 = 0;
  let k3 = 0;
  const inv = 1 / b;
  for (let i = 0; i < b; i++) {
    const logRatio = newLogp[i]! - oldLogp[i]!;
    const ratio = Math.exp(logRatio);
    const a = advantages[i]!;
    const unclipped = -a * ratio;
    const clippedRatio = ratio < 1 - clip ? 1 - clip : ratio > 1 + clip ? 1 + clip : ratio;
    const clippedTerm = -a * clippedRatio;
    if (unclipped >= clippedTerm) {
      loss += unclipped;
      dLogp[i] = -a * ratio * inv;
    } else {
      loss += clippedTerm;
      dLogp[i] = 0;
    }
    if (Math.abs(ratio - 1) > clip) clipped++;
    k1 += -logRatio;
    k3 += ratio - 1 - logRatio;
  }
  return { loss: loss * inv, clipfrac: clipped * inv, approxKl: k3 * inv, oldApproxKl: k1 * inv };
}

/**
 * The value loss of CleanRL's PPO: 0.5 · mean((V − R)²), or with clipping
 * 0.5 · mean(max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²)).
 * Writes d loss / d V into `dValue`.
 */
export function valueLoss(
  values: Float32Array,
  returns: Float32Array,
  oldValues: Float32Array | undefined,
  clip: number | undefined,
  dValue: Float32Array,
): number {
  const b = values.length;
  const inv = 1 / b;
  let loss = 0;
  for (let i = 0; i < b; i++) {
    const v = values[i]!;
    const diff = v - returns[i]!;
    if (oldValues && clip !== undefined) {
      const old = oldValues[i]!;
      const delta = v - old;
      const inside = delta >= -clip && delta <= clip;
      const vc = old + (delta < -clip ? -clip : delta > clip ? clip : delta);
      const diffC = vc - returns[i]!;
      if (diff * diff >= diffC * diffC) {
        loss += diff * diff;
        dValue[i] = diff * inv;
      } else {
        loss += diffC * diffC;
        dValue[i] = inside ? diffC * inv : 0;
      }
    } else {
      loss += diff * diff;
      dValue[i] = diff * inv;
    }
  }
  return 0.5 * loss * inv;
}
