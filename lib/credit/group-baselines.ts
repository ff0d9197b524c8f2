/**
 * Group baselines beyond GRPO's (see `group-relative.ts`), each from the
 * rewards of the G completions sampled for one prompt:
 *
 *   RLOO        Â_i = R_i − (1/(G−1)) Σ_{j≠i} R_j = G/(G−1) · (R_i − mean(R))      (Ahmadian et al. 2024)
 *   AsymRE      Â_i = R_i − (mean(R) − τ) = (R_i − mean(R)) + τ                      (card 11, REP)
 *   REINFORCE++ Â_i = R_i − mean(R) over the group, then normalized over the whole batch:
 *               (Â − mean_batch Â) / (std_batch Â + eps)                              (Hu 2025, "baseline" variant)
 *
 * OPMD's advantages are GRPO's mean-only ones (`groupRelativeAdvantages`
 * with `normalize: "none"`); its regularizer is the `rl.loss.opmd` term.
 * Groups whose rewards are all equal keep advantage 0 under RLOO (no
 * signal), and AsymRE's τ only (its shifted baseline is the point).
 */
import { normalizeInPlace } from "./gae.js";
import type { IdArray } from "./episodes.js";
import { groupRelativeAdvantages } from "./group-relative.js";

/** RLOO: each completion against the mean of the others of its group. */
export function rlooAdvantages(rewards: Float32Array | Float64Array, groupIds: IdArray): Float32Array {
  const g = groupRelativeAdvantages(rewards, groupIds, { normalize: "none" });
  const index = new Map(g.groups.map((id, k) => [id, k] as const));
  const out = new Float32Array(rewards.length);
  for (let i = 0; i < out.length; i++) {
    const n = g.counts[index.get(groupIds[i]!)!]!;
    out[i] = n > 1 ? (n / (n - 1)) * g.advantages[i]! : 0;
  }
  return out;
}

/** AsymRE: the group-mean baseline lowered by τ (card 11: R = [1, 0, 0, 1], τ = 0.1 → [0.6, −0.4, −0.4, 0.6]). */
export function asymreAdvantages(rewards: Float32Array | Float64Array, groupIds: IdArray, tau = 0.1): Float32Array {
  const g = groupRelativeAdvantages(rewards, groupIds, { normalize: "none" });
  const out = new Float32Array(rewards.length);
  for (let i = 0; i < out.length; i++) out[i] = g.advantages[i]! + tau;
  return out;
}

/** REINFORCE++ with a group baseline: group-mean centering, then normalization over the whole batch (sample std, + eps). */
export function reinforcePlusPlusAdvantages(rewards: Float32Array | Float64Array, groupIds: IdArray, eps = 1e-8): Float32Array {
  const centered = groupRelativeAdvantages(rewards, groupIds, { normalize: "none" }).advantages;
  return centered.length > 1 ? normalizeInPlace(centered, eps) : centered;
}
