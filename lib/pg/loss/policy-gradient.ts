import { num } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { scaledTerm, type Aggregate, type LossTerm } from "../rows.js";

/**
 * The vanilla policy-gradient loss (Williams 1992) with fixed advantages Â:
 *
 *   L = −Σ_i w_i Â_i log π(a_i|s_i),   ∂L/∂log π_i = −w_i Â_i   (into `dLogp`)
 *
 * with w_i the aggregation's row weight (mean: 1/B).
 */
export function policyGradientLoss(logp: Float32Array, advantages: Float32Array, aggregate: Aggregate, dLogp: Float32Array): number {
  const n = logp.length;
  const weights = aggregate.weights;
  const inv = weights === null ? 1 / aggregate.divisor : 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const w = weights === null ? inv : weights[i]!;
    loss -= weights === null ? advantages[i]! * logp[i]! : w * advantages[i]! * logp[i]!;
    dLogp[i] = -advantages[i]! * w;
  }
  return weights === null ? loss * inv : loss;
}

export const policyGradient = defineComponent({
  slot: "loss",
  kind: "pg",
  formula: "ℓ = −Â log π(a|s)",
  doc: "The vanilla (REINFORCE) policy gradient: no ratio, no clipping; unbiased on fresh on-policy data only.",
  fields: { coef: num(1, "weight of the term in the loss", { min: 0 }) },
  metrics: { policyLoss: { doc: "policy loss of the update's last minibatch", over: "last" } },
  create: (c): LossTerm =>
    scaledTerm("logp", c.coef, (rows, aggregate, d) => {
      const loss = policyGradientLoss(rows.logp, rows.advantages, aggregate, d);
      return { loss, metrics: { policyLoss: loss } };
    }),
});
