import { num } from "../../config/fields.js";
import { ahpoGate } from "../../losses/imitation.js";
import { defineComponent } from "../component.js";
import type { GuidanceRuntime } from "./guidance.js";
import { solutionCompletion } from "./solution-completion.js";

/**
 * AHPO's gated imitation (MM-HELIX, arXiv 2510.08540): a group whose share of
 * correct samples is below `threshold` gets its problem's reference solution
 * as one more completion (source "reference"), trained by likelihood with
 * `rl.loss.offPolicy({ shape: "nll" })`: ξ·L_off + L_on, ξ = 1 while the
 * policy fails the problem. Once it solves the problem often enough the
 * expert term switches off and learning is on-policy only.
 *
 * AHPO's training code is not released (METHODS.md card 4: the gate and the
 * normalization are [UNVERIFIED]). Choices made here: the gate reads the
 * group's own success rate; the expert sample is not part of the group's
 * advantage baseline (its advantage is 0, unused by the NLL); L_off is the
 * mean −log π over the step's expert tokens, added to the on-policy loss.
 */
export const expert = defineComponent({
  slot: "guidance",
  kind: "expert",
  formula: "ξ = 1[correct/G < threshold] per group; ξ = 1 → the reference solution y* joins the batch, L = ξ·mean_t −log π(y*_t) + L_on",
  doc: "AHPO's gated imitation: the reference solution of a problem the policy fails is trained by likelihood beside the on-policy samples (pair with rl.loss.offPolicy({ shape: \"nll\" })); the gate closes once the group's success rate reaches the threshold.",
  fields: {
    threshold: num(0.25, "ξ opens while a group's share of correct samples is below this (AHPO's R̂/N_on; [UNVERIFIED] in the paper)", { min: 0, exclusiveMin: true, max: 1 }),
  },
  metrics: {
    "guide/expert_groups": { doc: "groups whose gate was open (an expert solution joined the batch)", over: "last" },
  },
  create: (c): GuidanceRuntime => ({
    offPolicyTokens: true,
    guide: (groups, tools) => {
      let open = 0;
      const out = groups.map((group) => {
        const rate = group.filter((s) => s.correct).length / group.length;
        if (ahpoGate(rate, c.threshold) === 0) return group;
        const first = group[0]!;
        const solution = solutionCompletion(first, first.item.solution, "reference", tools);
        if (!solution) return group;
        open++;
        return [...group, solution];
      });
      return { groups: out, metrics: { "guide/expert_groups": open } };
    },
  }),
});
