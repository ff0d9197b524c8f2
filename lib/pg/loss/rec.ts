import { num, oneOf } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { scaledTerm, type Aggregate, type LossTerm } from "../rows.js";

/** The REC variants of card 11: which tokens a (detached) ratio keeps, and whether the advantage is weighted by it. */
export type RecVariant = "oneSideNoIS" | "oneSideIS" | "twoSideIS" | "ringNoIS";

/** REC's trust-region bounds: ε_low/ε_high of the band, and the ring's outer ε′_low/ε′_high. */
export interface RecBounds {
  readonly low: number;
  readonly high: number;
  readonly ringLow: number;
  readonly ringHigh: number;
}

/**
 * Whether REC keeps a token with ratio r and advantage Â (card 11):
 *
 *   one side   m = [Â ≥ 0 and r ≤ 1 + ε_high] or [Â ≤ 0 and r ≥ 1 − ε_low]
 *   two side   m = [1 − ε_low ≤ r ≤ 1 + ε_high]
 *   ring       m = two side or [Â ≥ 0 and r ≤ 1 − ε′_low] or [Â ≤ 0 and r ≥ 1 + ε′_high]
 */
export function recKeeps(variant: RecVariant, ratio: number, advantage: number, b: RecBounds): boolean {
  const band = ratio >= 1 - b.low && ratio <= 1 + b.high;
  switch (variant) {
    case "oneSideNoIS":
    case "oneSideIS":
      return (advantage >= 0 && ratio <= 1 + b.high) || (advantage <= 0 && ratio >= 1 - b.low);
    case "twoSideIS":
      return band;
    case "ringNoIS":
      return band || (advantage >= 0 && ratio <= 1 - b.ringLow) || (advantage <= 0 && ratio >= 1 + b.ringHigh);
  }
}

/**
 * REC's masked policy gradient, per row with the ratio r detached:
 *
 *   NoIS   ℓ = −m Â log π,   ∂ℓ/∂log π = −m Â
 *   IS     ℓ = −m Â r,       ∂ℓ/∂log π = −m Â r
 *
 * aggregated by `aggregate`. Writes the gradient into `dLogp`; returns the
 * loss and the fraction of masked rows.
 */
export function recLoss(variant: RecVariant, logp: Float32Array, oldLogp: Float32Array, advantages: Float32Array, bounds: RecBounds, aggregate: Aggregate, dLogp: Float32Array): { loss: number; maskedFrac: number } {
  const n = logp.length;
  const weighted = variant === "oneSideIS" || variant === "twoSideIS";
  let loss = 0;
  let masked = 0;
  for (let i = 0; i < n; i++) {
    const w = aggregate.weights === null ? 1 / aggregate.divisor : aggregate.weights[i]!;
    const r = Math.exp(logp[i]! - oldLogp[i]!);
    const a = advantages[i]!;
    if (!recKeeps(variant, r, a, bounds)) {
      masked++;
      dLogp[i] = 0;
      continue;
    }
    if (weighted) {
      loss += w * -a * r;
      dLogp[i] = w * -a * r;
    } else {
      loss += w * -a * logp[i]!;
      dLogp[i] = w * -a;
    }
  }
  return { loss, maskedFrac: n > 0 ? masked / n : 0 };
}

export const rec = defineComponent({
  slot: "loss",
  kind: "rec",
  formula: "ℓ = −m(r, Â) Â log π (NoIS) or −m(r, Â) Â r (IS), r detached; m: one-side, two-side or ring trust region",
  doc: "REC (card 11): group-relative REINFORCE regularized by masking the tokens whose ratio left a trust region; clipping without importance sampling (oneSideNoIS) is the paper's recommended form.",
  fields: {
    variant: oneOf<RecVariant>("oneSideNoIS", ["oneSideNoIS", "oneSideIS", "twoSideIS", "ringNoIS"], "which mask, and whether Â is weighted by the ratio"),
    clipLow: num(0.2, "ε_low: the band's lower radius", { min: 0, max: 1 }),
    clipHigh: num(0.2, "ε_high: the band's upper radius", { min: 0, exclusiveMin: true }),
    ringLow: num(0.6, "ε′_low: the ring keeps Â ≥ 0 rows with r ≤ 1 − ε′_low", { min: 0, max: 1 }),
    ringHigh: num(2, "ε′_high: the ring keeps Â ≤ 0 rows with r ≥ 1 + ε′_high", { min: 0, exclusiveMin: true }),
    coef: num(1, "weight of the term in the loss", { min: 0 }),
  },
  metrics: {
    policyLoss: { doc: "policy loss of the update's last minibatch", over: "last" },
    recMaskedFrac: { doc: "REC: fraction of rows masked by the trust region, averaged over the update's minibatches", over: "mean" },
  },
  create: (c): LossTerm => {
    const bounds: RecBounds = { low: c.clipLow, high: c.clipHigh, ringLow: c.ringLow, ringHigh: c.ringHigh };
    return scaledTerm("logp", c.coef, (rows, aggregate, d) => {
      const r = recLoss(c.variant, rows.logp, rows.oldLogp, rows.advantages, bounds, aggregate, d);
      return { loss: r.loss, metrics: { policyLoss: r.loss, recMaskedFrac: r.maskedFrac } };
    });
  },
});
