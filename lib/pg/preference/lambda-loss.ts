/**
 * LiPO-λ (Liu et al. 2024, "LiPO: Listwise Preference Optimization through
 * Learning-to-Rank"): a list of K completions of one prompt with graded labels
 * ψ, scored by the policy's implicit reward s_i = β (log π(y_i) − log π_ref(y_i)):
 *
 *   ℓ = Σ_{(i,j): ψ_i > ψ_j} Δ_ij log(1 + e^{−(s_i − s_j)})
 *   Δ_ij = |G_i − G_j| · |1/D(τ_i) − 1/D(τ_j)|,  G = 2^ψ − 1,  D(τ) = log₂(1 + τ)
 *
 * τ_i is item i's 1-based rank when the list is sorted by s, highest first
 * (ties: the lower index first), held constant (no gradient through it). With
 * a list of two, ℓ is DPO's loss times 1 − 1/log₂ 3.
 */
import { logisticLoss } from "./logistic.js";

export interface LambdaLossResult {
  readonly loss: number;
  /** dℓ/ds_i (multiply by β for dℓ/d log π(y_i)). */
  readonly dScores: Float64Array;
  /** The LambdaLoss weight Δ_ij of each ordered pair (i, j) with ψ_i > ψ_j, in the order visited. */
  readonly pairs: readonly { readonly i: number; readonly j: number; readonly weight: number }[];
}

export function lambdaLoss(scores: ArrayLike<number>, labels: ArrayLike<number>): LambdaLossResult {
  const k = scores.length;
  if (labels.length !== k) throw new RangeError(`lambdaLoss: ${k} scores and ${labels.length} labels`);
  if (k < 2) throw new RangeError(`lambdaLoss: a list needs at least 2 completions, got ${k}`);
  for (let i = 0; i < k; i++) {
    if (!Number.isFinite(scores[i]!)) throw new RangeError(`lambdaLoss: score ${i} is ${scores[i]}, expected a finite number`);
    if (!Number.isFinite(labels[i]!)) throw new RangeError(`lambdaLoss: label ${i} is ${labels[i]}, expected a finite number`);
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const rank = new Float64Array(k);
  order.forEach((item, r) => (rank[item] = r + 1));
  const gain = (psi: number) => 2 ** psi - 1;
  const discount = (tau: number) => 1 / Math.log2(1 + tau);
  const dScores = new Float64Array(k);
  const pairs: { i: number; j: number; weight: number }[] = [];
  let loss = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (!(labels[i]! > labels[j]!)) continue;
      const weight = Math.abs(gain(labels[i]!) - gain(labels[j]!)) * Math.abs(discount(rank[i]!) - discount(rank[j]!));
      const margin = scores[i]! - scores[j]!;
      const pair = logisticLoss(margin);
      loss += weight * pair.loss;
      dScores[i] = dScores[i]! + weight * pair.slope;
      dScores[j] = dScores[j]! - weight * pair.slope;
      pairs.push({ i, j, weight });
    }
  }
  return { loss, dScores, pairs };
}
