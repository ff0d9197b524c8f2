import { num, numOrNull, oneOf } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { squashedRatioLoss, type SquashGamma } from "../guide/squashed-ratio.js";
import { shapedLikelihood } from "../guide/teachers.js";
import { rowWeight, type Aggregate, type LossTerm, type OutputGrads, type TermRows } from "../rows.js";

/**
 * AMPO's loss on off-policy (teacher) tokens: ℓ_t = −Â_t · p_t / (p_t + c),
 * p_t = π_θ(token), no ratio; weighted by the aggregation. Writes
 * ∂ℓ/∂log π into `dLogp` at the off-policy rows only.
 */
export function shapedLikelihoodLoss(logp: Float32Array, advantages: Float32Array, offPolicy: Uint8Array, c: number, weight: (i: number) => number, dLogp: Float32Array): { loss: number; rows: number } {
  let loss = 0;
  let rows = 0;
  for (let i = 0; i < logp.length; i++) {
    if (!offPolicy[i]) continue;
    const s = shapedLikelihood(logp[i]!, c);
    const w = weight(i);
    loss += -advantages[i]! * s.value * w;
    dLogp[i] = -advantages[i]! * s.dLogp * w;
    rows++;
  }
  return { loss, rows };
}

/**
 * The loss of the tokens a policy did not sample in the context it is trained
 * in (`offPolicy` rows: hinted tokens trained without the hint, teacher
 * solutions); the on-policy rows are left to the other terms (the clipped
 * surrogate skips off-policy rows).
 */
export const offPolicy = defineComponent({
  slot: "loss",
  kind: "offPolicy",
  formula: "off-policy tokens: ℓ = −Â r/(r + γ), γ = q-quantile of the batch's r (Guide); ℓ = −Â p/(p + c) (AMPO); or mean −log π (AHPO)",
  doc: "Trains the off-policy tokens that guidance adds: Guide's squashed importance ratio (shape \"squash\", no clip) or AMPO's shaped likelihood of teacher tokens (shape \"likelihood\"). Rows sampled on-policy are left to the clipped surrogate.",
  fields: {
    shape: oneOf<"squash" | "likelihood" | "nll">("squash", ["squash", "likelihood", "nll"], "\"squash\": −Â r/(r + γ) with r = π_θ/π_behavior (Guide); \"likelihood\": −Â p/(p + c) with p = π_θ (AMPO); \"nll\": the mean −log π over the off-policy tokens, no advantage (AHPO's imitation of reference solutions)"),
    quantile: num(0.9, "with shape \"squash\" and gamma null: γ is this quantile (linear interpolation) of the minibatch's off-policy ratios, detached", { min: 0, max: 1 }),
    gamma: numOrNull(null, "with shape \"squash\": a constant γ instead of the quantile", { min: 0, exclusiveMin: true }),
    c: num(0.1, "with shape \"likelihood\": c of p/(p + c)", { min: 0, exclusiveMin: true }),
    coef: num(1, "weight of the term in the loss", { min: 0 }),
  },
  metrics: {
    offPolicyLoss: { doc: "loss of the off-policy tokens in the last minibatch (without coef)", over: "last" },
    offPolicyTokens: { doc: "off-policy tokens in the update's minibatches (mean)", over: "mean" },
    offPolicyGamma: { doc: "γ of the squashed ratio in the last minibatch", over: "last" },
    offPolicyRatio: { doc: "mean ratio π_θ/π_behavior of the off-policy tokens in the last minibatch", over: "last" },
  },
  create: (c): LossTerm => {
    const gamma: SquashGamma = c.gamma !== null ? { kind: "constant", value: c.gamma } : { kind: "quantile", q: c.quantile, min: 1e-4 };
    let scratch = new Float32Array(0);
    return {
      reads: ["logp"],
      compute(rows: TermRows, aggregate: Aggregate, grads: OutputGrads): { value: number; metrics: Record<string, number> } {
        const mask = rows.offPolicy;
        if (!mask) return { value: 0, metrics: { offPolicyTokens: 0 } };
        if (scratch.length < rows.size) scratch = new Float32Array(rows.size);
        const d = scratch.subarray(0, rows.size).fill(0);
        const weight = (i: number) => rowWeight(aggregate, i);
        let loss: number;
        const metrics: Record<string, number> = {};
        if (c.shape === "squash") {
          const r = squashedRatioLoss(rows.logp, rows.oldLogp, rows.advantages, mask, gamma, weight, d);
          loss = r.loss;
          Object.assign(metrics, { offPolicyTokens: r.rows, offPolicyGamma: r.gamma, offPolicyRatio: r.meanRatio });
        } else if (c.shape === "nll") {
          // AHPO: ξ·L_off with L_off the mean over the expert tokens, beside the on-policy loss (not weighted by its aggregation)
          let n = 0;
          for (let i = 0; i < rows.size; i++) n += mask[i]!;
          loss = 0;
          for (let i = 0; i < rows.size; i++) {
            if (!mask[i]) continue;
            loss -= rows.logp[i]! / n;
            d[i] = -1 / n;
          }
          metrics.offPolicyTokens = n;
        } else {
          const r = shapedLikelihoodLoss(rows.logp, rows.advantages, mask, c.c, weight, d);
          loss = r.loss;
          metrics.offPolicyTokens = r.rows;
        }
        for (let i = 0; i < rows.size; i++) grads.dLogp[i] = grads.dLogp[i]! + c.coef * d[i]!;
        return { value: c.coef * loss, metrics: { ...metrics, offPolicyLoss: loss } };
      },
    };
  },
});
