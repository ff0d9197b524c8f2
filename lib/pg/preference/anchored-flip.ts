/**
 * SePPO's loss with the anchor-based adaptive flipper (Zhang et al. 2024,
 * arXiv 2410.05255, as METHODS.md card 9 reads it): the winner is a real
 * sample (the anchor), the other a reference model's sample. With
 * Δ_w = err_θ(w) − err_ref(w) and Δ_l = err_θ(l) − err_ref(l) (a lower error
 * is a better fit; for token policies, err = −log π),
 *
 *   s = +1 when Δ_w < 0 (the policy already fits the anchor better than the
 *          reference: the reference's sample is a loser), else −1 (it is
 *          learned toward too)
 *   ℓ = −log σ(−c (Δ_w − s Δ_l))
 *
 * with c the folded scale (β T ω(λ_t) for diffusion). The direction of the
 * sign rule is the card's inference, not checked against the paper's eq. 8.
 * Returns ℓ, s, and dℓ/dΔ_w, dℓ/dΔ_l (s held constant).
 */
import { logisticLoss } from "./logistic.js";

export function anchoredFlipLoss(deltaWinner: number, deltaReference: number, scale: number): { loss: number; sign: 1 | -1; dWinner: number; dReference: number } {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`anchoredFlipLoss: the scale must be a finite number > 0, got ${scale}`);
  if (!Number.isFinite(deltaWinner) || !Number.isFinite(deltaReference)) throw new RangeError(`anchoredFlipLoss: Δ_w and Δ_l must be finite, got ${deltaWinner}, ${deltaReference}`);
  const sign: 1 | -1 = deltaWinner < 0 ? 1 : -1;
  const z = -scale * (deltaWinner - sign * deltaReference);
  const { loss, slope } = logisticLoss(z);
  // dz/dΔ_w = −c, dz/dΔ_l = c s
  return { loss, sign, dWinner: -scale * slope, dReference: scale * sign * slope };
}
