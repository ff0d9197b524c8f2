import { num, oneOf } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import { pairPreferenceLoss, type PairLossKind } from "./pair-loss.js";
import type { PreferenceTerm } from "./term.js";
import { listPairs } from "../../data/list-pairs.js";

export { listPairs };

/**
 * DPO's loss on a list: the mean over its pairs (see {@link listPairs}) of
 * the pair loss of `kind` ({@link pairPreferenceLoss}), and its gradient with
 * respect to each completion's log π. A list without pairs gives 0.
 */
export function dpoListLoss(logp: ArrayLike<number>, refLogp: ArrayLike<number>, scores: readonly number[], beta: number, kind: PairLossKind, from: "all" | "best-worst"): { loss: number; dLogp: Float64Array } {
  const pairs = listPairs(scores, from);
  const dLogp = new Float64Array(scores.length);
  let loss = 0;
  for (const [w, l] of pairs) {
    const p = pairPreferenceLoss({ chosen: logp[w]!, rejected: logp[l]!, refChosen: refLogp[w]!, refRejected: refLogp[l]! }, beta, kind);
    loss += p.loss / pairs.length;
    dLogp[w] = dLogp[w]! + p.dH / pairs.length;
    dLogp[l] = dLogp[l]! - p.dH / pairs.length;
  }
  return { loss, dLogp };
}

export const dpo = defineComponent({
  slot: "preference",
  kind: "dpo",
  formula: "ℓ = mean over pairs (w ≻ l) of −log σ(β h) (IPO: (h − 1/2β)²; hinge: max(0, 1 − β h)), h = log π(y_w)/π_ref(y_w) − log π(y_l)/π_ref(y_l)",
  doc: "Direct preference optimization (Rafailov et al. 2023) on pairs, or on the pairs of graded lists; IPO (Azar et al. 2023) and SLiC's hinge (Zhao et al. 2023) as options.",
  fields: {
    beta: num(0.1, "β: the implicit reward's scale (the inverse of the KL penalty's strength)", { min: 0, exclusiveMin: true }),
    type: oneOf<PairLossKind>("sigmoid", ["sigmoid", "ipo", "hinge"], "the pair loss: DPO's sigmoid, IPO's square, SLiC's hinge"),
    pairs: oneOf<"best-worst" | "all">("best-worst", ["best-worst", "all"], "the pairs a graded list gives: its best and worst completion, or every pair of different scores (a pair dataset has one either way)"),
  },
  create: (c): PreferenceTerm => ({
    beta: c.beta,
    list: (logp, refLogp, scores) => dpoListLoss(logp, refLogp, scores, c.beta, c.type, c.pairs),
  }),
});
