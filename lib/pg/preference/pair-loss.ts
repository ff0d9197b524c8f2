/**
 * Pairwise preference losses on a chosen (w) and a rejected (l) completion,
 * from the policy's and the reference's sequence log-probabilities, with
 * h = (log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l)):
 *
 * - "sigmoid" (DPO, Rafailov et al. 2023): ℓ = −log σ(β h)
 * - "ipo" (Azar et al. 2023):              ℓ = (h − 1/(2β))²
 * - "hinge" (SLiC, Zhao et al. 2023):      ℓ = max(0, 1 − β h)
 *
 * Returns ℓ and dℓ/dh (so dℓ/d log π(y_w) = dℓ/dh and dℓ/d log π(y_l) = −dℓ/dh).
 */
import { logisticLoss } from "./logistic.js";

export type PairLossKind = "sigmoid" | "ipo" | "hinge";

export interface PairLogps {
  /** log π(y_w | x) of the policy being trained (summed over the completion's tokens). */
  readonly chosen: number;
  readonly rejected: number;
  /** log π_ref(y_w | x) of the frozen reference. */
  readonly refChosen: number;
  readonly refRejected: number;
}

export function pairPreferenceLoss(p: PairLogps, beta: number, kind: PairLossKind = "sigmoid"): { loss: number; dH: number; h: number } {
  if (!(beta > 0) || !Number.isFinite(beta)) throw new RangeError(`pairPreferenceLoss: β must be a finite number > 0, got ${beta}`);
  const h = p.chosen - p.refChosen - (p.rejected - p.refRejected);
  if (Number.isNaN(h)) throw new RangeError(`pairPreferenceLoss: a log-probability is NaN (${JSON.stringify(p)})`);
  if (kind === "sigmoid") {
    const { loss, slope } = logisticLoss(beta * h);
    return { loss, dH: beta * slope, h };
  }
  if (kind === "ipo") {
    const d = h - 1 / (2 * beta);
    return { loss: d * d, dH: 2 * d, h };
  }
  if (kind === "hinge") {
    const m = 1 - beta * h;
    return m > 0 ? { loss: m, dH: -beta, h } : { loss: 0, dH: 0, h };
  }
  throw new RangeError(`pairPreferenceLoss: kind must be "sigmoid", "ipo" or "hinge", got ${JSON.stringify(kind)}`);
}
