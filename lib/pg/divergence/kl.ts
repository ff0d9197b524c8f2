import { num, oneOf } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import type { Aggregate, LossTerm, OutputGrads, TermRows } from "../rows.js";

/** Schulman's estimators of KL(π ‖ π_ref) from one action a ~ π per state. */
export type KlEstimator = "k1" | "k2" | "k3";

/**
 * One sample's estimate of KL(π ‖ π_ref) and its derivative with respect to
 * log π(a|s), with log r = log π_ref(a|s) − log π(a|s):
 *
 *   k1 = −log r                 ∂k1/∂log π = 1
 *   k2 = ½ (log r)²             ∂k2/∂log π = −log r
 *   k3 = (r − 1) − log r        ∂k3/∂log π = 1 − r
 *
 * k1 is unbiased but noisy and can be negative, k2 biased with low variance,
 * k3 unbiased and ≥ 0 (Schulman, "Approximating KL divergence", 2020).
 */
export function klEstimate(estimator: KlEstimator, logp: number, refLogp: number): { value: number; dLogp: number } {
  const logR = refLogp - logp;
  switch (estimator) {
    case "k1":
      return { value: -logR, dLogp: 1 };
    case "k2":
      return { value: 0.5 * logR * logR, dLogp: -logR };
    case "k3": {
      const r = Math.exp(logR);
      return { value: r - 1 - logR, dLogp: 1 - r };
    }
  }
}

/** Per-row estimates into `out` (the reward placement's penalty). */
export function klEstimates(estimator: KlEstimator, logp: Float32Array, refLogp: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < logp.length; i++) out[i] = klEstimate(estimator, logp[i]!, refLogp[i]!).value;
  return out;
}

/** coef · Σ_i w_i k_i over a minibatch; adds coef · w_i ∂k_i/∂log π_i into `dLogp`; returns the aggregated KL (without coef). */
export function klPenalty(estimator: KlEstimator, logp: Float32Array, refLogp: Float32Array, coef: number, aggregate: Aggregate, dLogp: Float32Array): number {
  const n = logp.length;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const w = aggregate.weights === null ? 1 / aggregate.divisor : aggregate.weights[i]!;
    const k = klEstimate(estimator, logp[i]!, refLogp[i]!);
    kl += w * k.value;
    dLogp[i] = dLogp[i]! + coef * w * k.dLogp;
  }
  return kl;
}

/** The runtime of a divergence: a loss term (placement "loss"), a reward penalty (placement "reward"), or a loss on stored samples of the reference (placement "rehearsal", see `rehearsal.ts`). */
export interface DivergenceRuntime {
  readonly placement: "loss" | "reward" | "rehearsal";
  readonly coef: number;
  /** The loss term, when placed in the loss. */
  readonly term: LossTerm | null;
  /** Per-row penalty coef · k(log π_old, log π_ref) subtracted from rewards, when placed in the reward. */
  penalty(behaviorLogp: Float32Array, refLogp: Float32Array, out: Float32Array): Float32Array;
}

export const kl = defineComponent({
  slot: "divergence",
  kind: "kl",
  formula: "KL(π ‖ π_ref) ≈ k1 = −log r, k2 = ½ (log r)², k3 = (r − 1) − log r, with r = π_ref(a|s)/π(a|s)",
  doc: "Reverse KL to the run's reference policy, estimated from the sampled actions; `in: \"loss\"` adds coef·KL to the loss (gradient through log π), `in: \"reward\"` subtracts coef·KL of the acting policy from each step's reward.",
  fields: {
    estimator: oneOf<KlEstimator>("k3", ["k1", "k2", "k3"], "which estimator of KL(π ‖ π_ref)"),
    coef: num(0.05, "β: weight of the penalty", { min: 0 }),
    in: oneOf<"loss" | "reward">("loss", ["loss", "reward"], "where the penalty goes: the loss, or each step's reward"),
  },
  metrics: {
    kl: { doc: "estimated KL(π ‖ π_ref) of the last minibatch (divergence in the loss), or of the update's rollout (in the reward)", over: "last" },
  },
  create: (c): DivergenceRuntime => ({
    placement: c.in,
    coef: c.coef,
    term:
      c.in === "loss"
        ? {
            reads: ["logp"],
            compute(rows: TermRows, aggregate: Aggregate, grads: OutputGrads) {
              if (!rows.refLogp) throw new Error("the kl divergence needs the reference policy's log-probabilities");
              const v = klPenalty(c.estimator, rows.logp, rows.refLogp, c.coef, aggregate, grads.dLogp);
              return { value: c.coef * v, metrics: { kl: v } };
            },
          }
        : null,
    penalty(behaviorLogp, refLogp, out) {
      klEstimates(c.estimator, behaviorLogp, refLogp, out);
      for (let i = 0; i < out.length; i++) out[i] = c.coef * out[i]!;
      return out;
    },
  }),
});
