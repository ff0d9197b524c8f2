/**
 * The offline half of a hybrid critic (HNPG-style, Zhou et al. 2023): the
 * state-value critic of a policy-gradient method is also fitted by TD(0) on
 * offline transitions, so states the policy has not visited yet get values
 * from the data. Offline actions come from a behavior policy μ, so each row is
 * importance-weighted toward the current policy π, with the weight clipped.
 */

export interface ImportanceWeightsResult {
  /** Mean of the clipped weights. */
  readonly meanWeight: number;
  /** Fraction of rows whose ratio exceeded the clip. */
  readonly clippedFraction: number;
}

/**
 * w_b = min(ρ̄, π(a_b|s_b) / μ(a_b|s_b)) = min(ρ̄, exp(log π − log μ)).
 * Rows whose behavior log-probability is unknown (null: `behaviorValid[b] = 0`;
 * NaN, as recorded for actions of no known policy; or no `logpBehavior` at
 * all) get w_b = 1. Writes into `out`.
 */
export function clippedImportanceWeights(
  logpTarget: Float32Array,
  logpBehavior: Float32Array | undefined,
  behaviorValid: Uint8Array | undefined,
  rhoMax: number,
  out: Float32Array,
): ImportanceWeightsResult {
  const batch = out.length;
  let sum = 0;
  let clipped = 0;
  for (let b = 0; b < batch; b++) {
    let w = 1;
    if (logpBehavior && (!behaviorValid || behaviorValid[b]) && Number.isFinite(logpBehavior[b]!)) {
      const rho = Math.exp(logpTarget[b]! - logpBehavior[b]!);
      if (rho > rhoMax) clipped++;
      w = Math.min(rhoMax, rho);
    }
    out[b] = w;
    sum += w;
  }
  return { meanWeight: batch ? sum / batch : 0, clippedFraction: batch ? clipped / batch : 0 };
}

export interface OfflineValueBatch {
  /** V(s_b), the critic's outputs being trained. */
  readonly values: Float32Array;
  /** V(s'_b), held constant (semi-gradient TD). */
  readonly nextValues: Float32Array;
  readonly rewards: Float32Array;
  /** 1 where s'_b is terminal (no bootstrap). */
  readonly terminated: Uint8Array;
  /** 1 where the row has a next observation; rows with 0 are left out (zero gradient). */
  readonly usable: Uint8Array;
  /** Per-row weights (e.g. {@link clippedImportanceWeights}). */
  readonly weights: Float32Array;
  readonly gamma: number;
}

export interface OfflineValueResult {
  /** 0.5 · (1/B) Σ_b usable_b w_b (V(s_b) − y_b)² */
  readonly loss: number;
  /** Mean TD target y_b over usable rows. */
  readonly meanTarget: number;
  /** Rows that contributed. */
  readonly usableRows: number;
}

/**
 * Importance-weighted TD(0) regression of a state-value critic on offline rows:
 *
 *   y_b = r_b + γ (1 − d_b) V(s'_b)
 *   L = (1 / 2B) Σ_b u_b w_b (V(s_b) − y_b)²,   ∂L/∂V(s_b) = u_b w_b (V(s_b) − y_b) / B
 *
 * B is the batch size (PPO's value loss uses the same 0.5 · mean convention).
 * The gradient is written into `dValue` (overwritten).
 */
export function offlineValueTdLoss(batch: OfflineValueBatch, dValue: Float32Array): OfflineValueResult {
  const { values, nextValues, rewards, terminated, usable, weights, gamma } = batch;
  const n = values.length;
  if (dValue.length < n || nextValues.length < n || rewards.length < n || terminated.length < n || usable.length < n || weights.length < n) {
    throw new RangeError(`offlineValueTdLoss: every array needs ${n} rows`);
  }
  const inv = n ? 1 / n : 0;
  let loss = 0;
  let targets = 0;
  let rows = 0;
  for (let b = 0; b < n; b++) {
    if (!usable[b]) {
      dValue[b] = 0;
      continue;
    }
    const y = rewards[b]! + (terminated[b] ? 0 : gamma * nextValues[b]!);
    const diff = values[b]! - y;
    loss += weights[b]! * diff * diff;
    dValue[b] = weights[b]! * diff * inv;
    targets += y;
    rows++;
  }
  return { loss: 0.5 * loss * inv, meanTarget: rows ? targets / rows : 0, usableRows: rows };
}
