import { num } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { scaledTerm, type Aggregate, type LossTerm } from "../rows.js";

/**
 * OPMD's regularized policy gradient (card 11, REP family; Kimi's ½ folded
 * into τ): per row
 *
 *   ℓ_i = −Â_i log π_i + τ (log π_i − log π_old,i)²,   ∂ℓ_i/∂log π_i = −Â_i + 2τ (log π_i − log π_old,i)
 *
 * aggregated by `aggregate`. Writes the aggregated gradient into `dLogp`;
 * returns the loss and the mean squared log-ratio.
 */
export function opmdLoss(logp: Float32Array, oldLogp: Float32Array, advantages: Float32Array, tau: number, aggregate: Aggregate, dLogp: Float32Array): { loss: number; logRatioSq: number } {
  const n = logp.length;
  let loss = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const w = aggregate.weights === null ? 1 / aggregate.divisor : aggregate.weights[i]!;
    const d = logp[i]! - oldLogp[i]!;
    loss += w * (-advantages[i]! * logp[i]! + tau * d * d);
    dLogp[i] = w * (-advantages[i]! + 2 * tau * d);
    sq += d * d;
  }
  return { loss, logRatioSq: n > 0 ? sq / n : 0 };
}

export const opmd = defineComponent({
  slot: "loss",
  kind: "opmd",
  formula: "ℓ = −Â log π + τ (log π − log π_old)²",
  doc: "Online policy mirror descent's loss (Kimi k1.5; card 11's REP): the vanilla policy gradient with a squared log-ratio penalty that keeps stale samples usable without importance weights. Pair it with mean-only group advantages.",
  fields: {
    tau: num(0.1, "τ: weight of the squared log-ratio penalty", { min: 0 }),
    coef: num(1, "weight of the term in the loss", { min: 0 }),
  },
  metrics: {
    policyLoss: { doc: "policy loss of the update's last minibatch", over: "last" },
    logRatioSq: { doc: "OPMD: mean (log π − log π_old)² of the last minibatch", over: "last" },
  },
  create: (c): LossTerm =>
    scaledTerm("logp", c.coef, (rows, aggregate, d) => {
      const r = opmdLoss(rows.logp, rows.oldLogp, rows.advantages, c.tau, aggregate, d);
      return { loss: r.loss, metrics: { policyLoss: r.loss, logRatioSq: r.logRatioSq } };
    }),
});
