import { num, numOrNull } from "../../config/fields.js";
import { problem } from "../../config/problem.js";
import { defineComponent } from "../component.js";
import { scaledTerm, type Aggregate, type LossTerm } from "../rows.js";

/** Clip settings of the surrogate: ε below and above 1, and the dual-clip bound c (null: none). */
export interface SurrogateClip {
  readonly low: number;
  readonly high: number;
  readonly dual: number | null;
}

export interface ClippedSurrogateResult {
  /** The aggregated surrogate loss. */
  readonly loss: number;
  /** Fraction of rows whose ratio lies outside [1 − ε_low, 1 + ε_high]. */
  readonly clipfrac: number;
  /** KL(π_old ‖ π) by k3 = mean((r − 1) − log r). */
  readonly approxKl: number;
  /** KL(π_old ‖ π) by k1 = mean(−log r). */
  readonly oldApproxKl: number;
}

/**
 * PPO's clipped surrogate (Schulman et al. 2017, eq. 7) with asymmetric
 * bounds ("clip-higher", DAPO: ε_high > ε_low) and dual clipping (Ye et al.
 * 2020: for Â < 0 the loss is capped at −c·Â), per row i with r_i = exp(log π − log π_old):
 *
 *   ℓ_i = max(−Â_i r_i, −Â_i clip(r_i, 1 − ε_low, 1 + ε_high)),  and if Â_i < 0: ℓ_i = min(ℓ_i, −c Â_i)
 *
 * aggregated by `aggregate` (mean: (1/B) Σ ℓ_i). Writes ∂L/∂log π_i (= −Â_i r_i
 * times the row's weight where the unclipped branch is active, else 0) into `dLogp`.
 */
export function clippedSurrogate(newLogp: Float32Array, oldLogp: Float32Array, advantages: Float32Array, clip: SurrogateClip, aggregate: Aggregate, dLogp: Float32Array): ClippedSurrogateResult {
  const b = newLogp.length;
  const { low, high, dual } = clip;
  const symmetric = low === high;
  const weights = aggregate.weights;
  const inv = weights === null ? 1 / aggregate.divisor : 0;
  let loss = 0;
  let clipped = 0;
  let k1 = 0;
  let k3 = 0;
  for (let i = 0; i < b; i++) {
    const logRatio = newLogp[i]! - oldLogp[i]!;
    const ratio = Math.exp(logRatio);
    const a = advantages[i]!;
    const w = weights === null ? inv : weights[i]!;
    const unclipped = -a * ratio;
    const clippedRatio = ratio < 1 - low ? 1 - low : ratio > 1 + high ? 1 + high : ratio;
    const clippedTerm = -a * clippedRatio;
    let term: number;
    if (unclipped >= clippedTerm) {
      term = unclipped;
      dLogp[i] = -a * ratio * w;
    } else {
      term = clippedTerm;
      dLogp[i] = 0;
    }
    if (dual !== null && a < 0 && term > -dual * a) {
      term = -dual * a;
      dLogp[i] = 0;
    }
    loss += weights === null ? term : term * w;
    if (symmetric ? Math.abs(ratio - 1) > low : ratio < 1 - low || ratio > 1 + high) clipped++;
    k1 += -logRatio;
    k3 += ratio - 1 - logRatio;
  }
  const rows = 1 / b;
  return { loss: weights === null ? loss * inv : loss, clipfrac: clipped * rows, approxKl: k3 * rows, oldApproxKl: k1 * rows };
}

export const clipped = defineComponent({
  slot: "loss",
  kind: "clipped",
  formula: "ℓ = max(−Â r, −Â clip(r, 1 − ε_low, 1 + ε_high)), capped at −c Â when Â < 0 (dual clip); r = π/π_old",
  doc: "PPO's clipped surrogate; `clipHigh` above `clip` is DAPO's clip-higher, `dualClip` Ye et al.'s bound on negative advantages.",
  fields: {
    clip: num(0.2, "ε: the ratio's clip radius (below and above 1 unless clipLow/clipHigh say otherwise)", { min: 0, exclusiveMin: true }),
    clipLow: numOrNull(null, "ε_low: clip radius below 1 (null: `clip`)", { min: 0, exclusiveMin: true }),
    clipHigh: numOrNull(null, "ε_high: clip radius above 1 (null: `clip`)", { min: 0, exclusiveMin: true }),
    dualClip: numOrNull(null, "c: caps the loss of negative-advantage rows at −c·Â (null: no dual clip)", { min: 1, exclusiveMin: true }),
    coef: num(1, "weight of the term in the loss", { min: 0 }),
  },
  metrics: {
    policyLoss: { doc: "policy loss of the update's last minibatch", over: "last" },
    approxKl: { doc: "KL(π_old‖π) estimated with k3 = mean((r − 1) − log r) on the last minibatch", over: "last" },
    oldApproxKl: { doc: "KL(π_old‖π) estimated with k1 = mean(−log r) on the last minibatch", over: "last" },
    clipfrac: { doc: "fraction of samples with r outside [1 − ε_low, 1 + ε_high], averaged over the update's minibatches", over: "mean" },
  },
  relations: (c, path) => (c.clipLow !== null && c.clipLow >= 1 ? [problem(`${path}.clipLow`, "out-of-range", `expected ε_low < 1 (the lower bound 1 − ε_low must stay positive), got ${c.clipLow}`, { expected: "< 1", got: c.clipLow })] : []),
  create: (c): LossTerm => {
    const clip: SurrogateClip = { low: c.clipLow ?? c.clip, high: c.clipHigh ?? c.clip, dual: c.dualClip };
    let onPolicy: { logp: Float32Array; advantages: Float32Array } | null = null;
    return scaledTerm("logp", c.coef, (rows, aggregate, d) => {
      let { logp, advantages } = rows;
      if (rows.offPolicy) {
        // off-policy rows (guidance) are another term's: ratio 1 and Â 0 give them no loss, gradient, clip or KL here
        if (!onPolicy || onPolicy.logp.length < rows.size) onPolicy = { logp: new Float32Array(rows.size), advantages: new Float32Array(rows.size) };
        logp = onPolicy.logp.subarray(0, rows.size);
        advantages = onPolicy.advantages.subarray(0, rows.size);
        for (let i = 0; i < rows.size; i++) {
          const off = rows.offPolicy[i] === 1;
          logp[i] = off ? rows.oldLogp[i]! : rows.logp[i]!;
          advantages[i] = off ? 0 : rows.advantages[i]!;
        }
      }
      const s = clippedSurrogate(logp, rows.oldLogp, advantages, clip, aggregate, d);
      return { loss: s.loss, metrics: { policyLoss: s.loss, approxKl: s.approxKl, oldApproxKl: s.oldApproxKl, clipfrac: s.clipfrac } };
    });
  },
});
