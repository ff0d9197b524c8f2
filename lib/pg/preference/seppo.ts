import { num, oneOf } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { anchoredFlipLoss } from "./anchored-flip.js";
import { logisticLoss } from "./logistic.js";
import type { PreferenceTerm } from "./term.js";

/**
 * SePPO's loss on one pair (a real winner, a reference model's sample) of
 * token policies: with err = −log π, Δ_w = −(log π(w) − log π_ref(w)) and
 * Δ_l = −(log π(l) − log π_ref(l)), ℓ = −log σ(−β (Δ_w − s Δ_l)), where
 * s = +1 (the sample is a loser) when the policy already fits the winner
 * better than the reference (Δ_w < 0), else −1 (learned toward too) —
 * "adaptive", SePPO's anchor-based flipper; "always-loser" keeps s = +1
 * (SPIN's rule). Returns ℓ, s and the slopes with respect to log π(w) and log π(l).
 */
export function seppoPairLoss(logpWinner: number, refWinner: number, logpSample: number, refSample: number, beta: number, flip: "adaptive" | "always-loser"): { loss: number; sign: 1 | -1; dWinner: number; dSample: number } {
  const dw = -(logpWinner - refWinner);
  const dl = -(logpSample - refSample);
  if (flip === "adaptive") {
    const r = anchoredFlipLoss(dw, dl, beta);
    return { loss: r.loss, sign: r.sign, dWinner: -r.dWinner, dSample: -r.dReference };
  }
  const { loss, slope } = logisticLoss(-beta * (dw - dl));
  return { loss, sign: 1, dWinner: beta * slope, dSample: -beta * slope };
}

export const seppo = defineComponent({
  slot: "preference",
  kind: "seppo",
  formula: "ℓ = −log σ(−β (Δ_w − s Δ_l)), Δ = −log π/π_ref, s = +1 if Δ_w < 0 else −1 (adaptive), s = +1 (always-loser)",
  doc: "SePPO (Zhang et al. 2024): a real winner against a sample of a reference model drawn among earlier checkpoints, the sample's role (loser or second positive) set by how the policy fits the winner (the anchor). The direction of the sign rule is METHODS.md card 9's reading, not checked against the paper's equation.",
  fields: {
    beta: num(0.1, "β: the scale of the log-ratio margin", { min: 0, exclusiveMin: true }),
    flip: oneOf<"adaptive" | "always-loser">("adaptive", ["adaptive", "always-loser"], "the anchor-based flip, or the sample always a loser (SPIN)"),
  },
  create: (c): PreferenceTerm => ({
    beta: c.beta,
    list(logp, refLogp, scores) {
      if (scores.length !== 2) throw new RangeError(`rl.pref.seppo: a list is a winner and a reference sample (2 completions), got ${scores.length}`);
      const r = seppoPairLoss(logp[0]!, refLogp[0]!, logp[1]!, refLogp[1]!, c.beta, c.flip);
      return { loss: r.loss, dLogp: Float64Array.from([r.dWinner, r.dSample]) };
    },
  }),
});
