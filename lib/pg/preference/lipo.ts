import { num } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { lambdaLoss } from "./lambda-loss.js";
import type { PreferenceTerm } from "./term.js";

/**
 * LiPO-λ's loss on a list: {@link lambdaLoss} of the implicit rewards
 * s = β (log π − log π_ref) against the scores, and its gradient with
 * respect to each completion's log π (β dℓ/ds).
 */
export function lipoListLoss(logp: ArrayLike<number>, refLogp: ArrayLike<number>, scores: readonly number[], beta: number): { loss: number; dLogp: Float64Array } {
  const s = Float64Array.from(scores, (_, k) => beta * (logp[k]! - refLogp[k]!));
  const { loss, dScores } = lambdaLoss(s, scores);
  return { loss, dLogp: dScores.map((d) => beta * d) };
}

export const lipo = defineComponent({
  slot: "preference",
  kind: "lipo",
  formula: "ℓ = Σ_{ψ_i > ψ_j} Δ_ij log(1 + e^{−(s_i − s_j)}), s = β log π/π_ref, Δ_ij = |2^ψ_i − 2^ψ_j| · |1/log₂(1+τ_i) − 1/log₂(1+τ_j)|",
  doc: "LiPO-λ (Liu et al. 2024): listwise preference optimization, a pairwise logistic loss over every correctly ordered pair of a graded list, weighted by how much swapping the two changes a DCG of the current ranking.",
  fields: {
    beta: num(0.05, "β: the implicit reward's scale", { min: 0, exclusiveMin: true }),
  },
  create: (c): PreferenceTerm => ({
    beta: c.beta,
    list: (logp, refLogp, scores) => lipoListLoss(logp, refLogp, scores, c.beta),
  }),
});
