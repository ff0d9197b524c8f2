import { num } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { scaledTerm, type Aggregate, type LossTerm } from "../rows.js";

/**
 * GSPO's sequence-level clipped surrogate (Zheng et al. 2025): for each
 * sequence (segment) y with rows t ∈ y,
 *
 *   s_y = exp((1/|y|) Σ_t (log π_t − log π_old,t))          (length-normalized ratio)
 *   ℓ_y = max(−Â_y s_y, −Â_y clip(s_y, 1 − ε_low, 1 + ε_high)),   Â_y = mean of the rows' advantages
 *
 * Each row carries its sequence's ℓ_y, so the aggregation decides how
 * sequences weigh (sequence mean: GSPO's (1/G) Σ_y ℓ_y). With W_y the sum of
 * the rows' weights, L = Σ_y W_y ℓ_y and ∂L/∂log π_t = W_y · (−Â_y s_y / |y|)
 * where the unclipped branch is active, else 0 (into `dLogp`).
 */
export function gspoLoss(logp: Float32Array, oldLogp: Float32Array, advantages: Float32Array, segments: Int32Array, clip: { low: number; high: number }, aggregate: Aggregate, dLogp: Float32Array): { loss: number; clipfrac: number } {
  const n = logp.length;
  const index = new Map<number, number>();
  const of = new Int32Array(n);
  const lr: number[] = [];
  const adv: number[] = [];
  const count: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < n; i++) {
    let k = index.get(segments[i]!);
    if (k === undefined) {
      k = lr.length;
      index.set(segments[i]!, k);
      lr.push(0);
      adv.push(0);
      count.push(0);
      weight.push(0);
    }
    of[i] = k;
    lr[k]! += logp[i]! - oldLogp[i]!;
    adv[k]! += advantages[i]!;
    count[k]!++;
    weight[k]! += aggregate.weights === null ? 1 / aggregate.divisor : aggregate.weights[i]!;
  }
  const grad = new Float64Array(lr.length);
  let loss = 0;
  let clipped = 0;
  for (let k = 0; k < lr.length; k++) {
    const s = Math.exp(lr[k]! / count[k]!);
    const a = adv[k]! / count[k]!;
    const sc = s < 1 - clip.low ? 1 - clip.low : s > 1 + clip.high ? 1 + clip.high : s;
    const unclipped = -a * s;
    const clippedTerm = -a * sc;
    if (sc !== s) clipped++;
    if (unclipped >= clippedTerm) {
      loss += weight[k]! * unclipped;
      grad[k] = (weight[k]! * -a * s) / count[k]!;
    } else {
      loss += weight[k]! * clippedTerm;
      grad[k] = 0;
    }
  }
  for (let i = 0; i < n; i++) dLogp[i] = grad[of[i]!]!;
  return { loss, clipfrac: lr.length ? clipped / lr.length : 0 };
}

export const gspo = defineComponent({
  slot: "loss",
  kind: "gspo",
  formula: "s_y = exp(mean_t log(π/π_old));  ℓ_y = max(−Â s_y, −Â clip(s_y, 1 − ε_low, 1 + ε_high)) per sequence",
  doc: "Group Sequence Policy Optimization: one length-normalized ratio per sequence (episode segment), clipped per sequence; use with rl.agg.sequenceMean() for GSPO's weighting.",
  fields: {
    clipLow: num(3e-4, "ε_low of the sequence ratio (GSPO's defaults are this small: the ratio is a per-token geometric mean)", { min: 0, exclusiveMin: true }),
    clipHigh: num(4e-4, "ε_high of the sequence ratio", { min: 0, exclusiveMin: true }),
    coef: num(1, "weight of the term in the loss", { min: 0 }),
  },
  metrics: {
    policyLoss: { doc: "policy loss of the update's last minibatch", over: "last" },
    seqClipfrac: { doc: "GSPO: fraction of sequences whose ratio was clipped, averaged over the update's minibatches", over: "mean" },
  },
  create: (c): LossTerm =>
    scaledTerm(
      "logp",
      c.coef,
      (rows, aggregate, d) => {
        if (!rows.segments) throw new Error("the gspo loss needs the rows' sequences (segments)");
        const r = gspoLoss(rows.logp, rows.oldLogp, rows.advantages, rows.segments, { low: c.clipLow, high: c.clipHigh }, aggregate, d);
        return { loss: r.loss, metrics: { policyLoss: r.loss, seqClipfrac: r.clipfrac } };
      },
      { segments: true },
    ),
});
