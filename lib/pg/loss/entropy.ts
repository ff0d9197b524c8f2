import { num } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import type { Aggregate, LossTerm, OutputGrads, TermRows } from "../rows.js";

/**
 * The entropy bonus −coef · Σ_i w_i H_i (mean: H summed, then divided by B).
 * Returns the aggregated entropy; adds ∂L/∂H_i = −coef · w_i to `grads`.
 */
export function entropyBonus(entropy: Float32Array, coef: number, aggregate: Aggregate, grads: OutputGrads): number {
  const n = entropy.length;
  let h = 0;
  if (aggregate.weights === null) {
    for (let i = 0; i < n; i++) h += entropy[i]!;
    h /= aggregate.divisor;
    grads.addEntropyUniform(-coef / aggregate.divisor);
  } else {
    for (let i = 0; i < n; i++) {
      h += aggregate.weights[i]! * entropy[i]!;
      grads.addEntropy(i, -coef * aggregate.weights[i]!);
    }
  }
  return h;
}

export const entropy = defineComponent({
  slot: "loss",
  kind: "entropy",
  formula: "ℓ = −coef · H[π(·|s)]",
  doc: "An entropy bonus that keeps the policy exploring.",
  fields: { coef: num(0.01, "weight of the bonus (ent_coef)", { min: 0 }) },
  metrics: { entropy: { doc: "policy entropy of the update's last minibatch (nats), aggregated as the loss aggregates it (a mean by default)", over: "last" } },
  create: (c): LossTerm => ({
    reads: ["entropy"],
    compute(rows: TermRows, aggregate: Aggregate, grads: OutputGrads) {
      const h = entropyBonus(rows.entropy, c.coef, aggregate, grads);
      return { value: -c.coef * h, metrics: { entropy: h } };
    },
  }),
});
