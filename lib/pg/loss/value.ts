import { num, numOrNull } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { scaledTerm, type Aggregate, type LossTerm } from "../rows.js";

/**
 * The value loss ½ Σ_i w_i (V_i − R_i)², or clipped around the values
 * recorded when acting (CleanRL's PPO): ½ Σ_i w_i max((V_i − R_i)², (V_old,i + clip(V_i − V_old,i, −ε, ε) − R_i)²).
 * Writes ∂L/∂V_i into `dValue`; returns the loss.
 */
export function valueLoss(values: Float32Array, returns: Float32Array, oldValues: Float32Array | undefined, clip: number | undefined, dValue: Float32Array, aggregate: Aggregate = { divisor: values.length, weights: null }): number {
  const b = values.length;
  const weights = aggregate.weights;
  const inv = weights === null ? 1 / aggregate.divisor : 0;
  let loss = 0;
  for (let i = 0; i < b; i++) {
    const w = weights === null ? inv : weights[i]!;
    const v = values[i]!;
    const diff = v - returns[i]!;
    let sq: number;
    if (oldValues && clip !== undefined) {
      const old = oldValues[i]!;
      const delta = v - old;
      const inside = delta >= -clip && delta <= clip;
      const vc = old + (delta < -clip ? -clip : delta > clip ? clip : delta);
      const diffC = vc - returns[i]!;
      if (diff * diff >= diffC * diffC) {
        sq = diff * diff;
        dValue[i] = diff * w;
      } else {
        sq = diffC * diffC;
        dValue[i] = inside ? diffC * w : 0;
      }
    } else {
      sq = diff * diff;
      dValue[i] = diff * w;
    }
    loss += weights === null ? sq : w * sq;
  }
  return weights === null ? 0.5 * loss * inv : 0.5 * loss;
}

export const value = defineComponent({
  slot: "loss",
  kind: "value",
  formula: "ℓ = ½ (V(s) − R)², or ½ max((V − R)², (V_old + clip(V − V_old, −ε, ε) − R)²)",
  doc: "Regression of the critic on the advantage estimator's returns; `clip` keeps V near the values recorded when acting (CleanRL's clipped value loss).",
  fields: {
    coef: num(0.5, "weight of the term in the loss (vf_coef)", { min: 0 }),
    clip: numOrNull(null, "ε: clip V − V_old to [−ε, ε] (null: plain squared error)", { min: 0, exclusiveMin: true }),
  },
  metrics: { valueLoss: { doc: "value loss of the update's last minibatch (before the value coefficient)", over: "last" } },
  // The learner reads the coefficient: the offline critic term is scaled like the value loss.
  create: (c): LossTerm & { readonly coef: number } => ({
    coef: c.coef,
    ...scaledTerm("values", c.coef, (rows, aggregate, d) => {
      const loss = valueLoss(rows.values, rows.returns, c.clip === null ? undefined : rows.oldValues, c.clip ?? undefined, d, aggregate);
      return { loss, metrics: { valueLoss: loss } };
    }),
  }),
});
