import { num } from "../config/fields.js";
import { defineComponent } from "./component.js";
import type { Aggregate } from "./rows.js";

/** Turns a minibatch's rows (and the episode or sequence each belongs to) into an {@link Aggregate}. */
export type AggregationRuntime = (size: number, segments: Int32Array) => Aggregate;

/**
 * Weights of the mean over segments of their means: with S distinct
 * segments in the rows and L_s rows of segment s, w_i = 1 / (S · L_{s(i)}).
 */
export function segmentMeanWeights(segments: ArrayLike<number>, size: number, out: Float64Array = new Float64Array(size)): Float64Array {
  const counts = new Map<number, number>();
  for (let i = 0; i < size; i++) counts.set(segments[i]!, (counts.get(segments[i]!) ?? 0) + 1);
  const s = counts.size;
  for (let i = 0; i < size; i++) out[i] = 1 / (s * counts.get(segments[i]!)!);
  return out;
}

export const mean = defineComponent({
  slot: "aggregation",
  kind: "mean",
  formula: "L = (1/B) Σ_i ℓ_i over the minibatch's B rows (steps or tokens)",
  doc: "Every step (token) weighs the same: DAPO's token-mean; CleanRL's PPO.",
  fields: {},
  create: (): AggregationRuntime => (size) => ({ divisor: size, weights: null }),
});

export const sequenceMean = defineComponent({
  slot: "aggregation",
  kind: "sequenceMean",
  formula: "L = (1/S) Σ_s (1/L_s) Σ_{i∈s} ℓ_i over the S episodes (sequences) in the minibatch",
  doc: "Each episode or sequence weighs the same whatever its length (GRPO's original sample-level mean).",
  fields: {},
  create: (): AggregationRuntime => {
    let w = new Float64Array(0);
    return (size, segments) => {
      if (w.length < size) w = new Float64Array(size);
      return { divisor: null, weights: segmentMeanWeights(segments, size, w.subarray(0, size)) };
    };
  },
});

export const constant = defineComponent({
  slot: "aggregation",
  kind: "constant",
  formula: "L = (1/C) Σ_i ℓ_i for a constant C",
  doc: "A sum over rows divided by a constant (Dr. GRPO's fixed normalizer): no length bias from the batch's composition.",
  fields: { divisor: num(1024, "C: the constant the sum is divided by (e.g. the longest completion × group size)", { min: 0, exclusiveMin: true, unit: "rows" }) },
  create: (c): AggregationRuntime => () => ({ divisor: c.divisor, weights: null }),
});
