// HGPO's advantages (arXiv 2505.14631, METHODS.md card 13 [UNVERIFIED]) as an
// engine component: the pure function is lib/credit/hybrid-thinking.ts; this
// reads each completion's mode (recorded by rl.guide.modes()) and gives its
// mode token A_intra + α A_inter and every other token A_intra.
import { num } from "../../config/fields.js";
import { hybridGroupAdvantages, type ThinkingMode } from "../../credit/hybrid-thinking.js";
import { defineComponent } from "../component.js";
import type { StepAdvantageRuntime, StepCompletion } from "./step-credit.js";

const COMPLETIONS = ["completions"] as const;

/** Per completion (in order): HGPO's answer advantage and mode-token advantage, and how many groups prefer thinking. */
export function hgpoAdvantages(completions: readonly StepCompletion[], options: { alpha: number; delta: number }): { answer: Float64Array; modeToken: Float64Array; groups: number; preferThink: number } {
  const byGroup = new Map<number, number[]>();
  completions.forEach((s, i) => {
    if (s.mode !== "think" && s.mode !== "no_think") {
      throw new RangeError(`rl.adv.hgpo(): completion ${i} (group ${s.group}) has no thinking mode; HGPO's groups are sampled half in each mode by .guidance(rl.guide.modes())`);
    }
    const members = byGroup.get(s.group);
    if (members) members.push(i);
    else byGroup.set(s.group, [i]);
  });
  const answer = new Float64Array(completions.length);
  const modeToken = new Float64Array(completions.length);
  let preferThink = 0;
  for (const [group, members] of byGroup) {
    const modes = members.map((i) => completions[i]!.mode as ThinkingMode);
    if (!modes.includes("think") || !modes.includes("no_think")) {
      throw new RangeError(`rl.adv.hgpo(): group ${group} has ${modes.filter((m) => m === "think").length} thinking and ${modes.filter((m) => m === "no_think").length} direct completions; each group needs both modes (rl.guide.modes())`);
    }
    const a = hybridGroupAdvantages(members.map((i) => completions[i]!.reward), modes, options);
    if (a.preferred === "think") preferThink++;
    members.forEach((i, k) => {
      answer[i] = a.answer[k]!;
      modeToken[i] = a.modeToken[k]!;
    });
  }
  return { answer, modeToken, groups: byGroup.size, preferThink };
}

export const hgpo = defineComponent({
  slot: "advantage",
  kind: "hgpo",
  formula: "m* = think iff mean R(think) > mean R(direct) + δ;  A_inter = z_group(1[mode = m*]),  A_intra = z_mode(1[R = max R in its mode]);  mode token: A_intra + α A_inter, other tokens: A_intra",
  doc: "HGPO (\"Think Only When You Need\", arXiv 2505.14631; formulas reconstructed, unverified): the mode token learns which mode is better on the prompt (with a margin δ for the cheaper direct mode), the rest of the completion learns to be the best answer within its mode. Needs .guidance(rl.guide.modes()).",
  fields: {
    alpha: num(1, "α: weight of the inter-mode advantage at the mode token", { min: 0 }),
    delta: num(0.2, "δ: the margin by which thinking's mean reward must beat the direct mode's to be preferred", { min: 0 }),
  },
  metrics: {
    "hgpo/prefer_think": { doc: "fraction of the step's groups whose preferred mode is thinking", over: "last" },
  },
  create: (c): StepAdvantageRuntime => {
    const options = { alpha: c.alpha, delta: c.delta };
    // the learner asks for the completions' and the tokens' advantages of one batch in turn: computed once
    let last: { of: readonly unknown[]; a: ReturnType<typeof hgpoAdvantages> } | null = null;
    const advantagesOf = (completions: Parameters<typeof hgpoAdvantages>[0]) => {
      if (last?.of !== completions) last = { of: completions, a: hgpoAdvantages(completions, options) };
      return last.a;
    };
    return {
      gamma: 1,
      normalize: false,
      collectors: COMPLETIONS,
      groups: () => {
        throw new RangeError("rl.adv.hgpo() credits a completion by its thinking mode, which rewards and groups alone do not tell: use it in a sequence run with .guidance(rl.guide.modes())");
      },
      completionAdvantages: (completions) => {
        const a = advantagesOf(completions);
        return { advantages: a.answer, metrics: { "hgpo/prefer_think": a.groups ? a.preferThink / a.groups : 0 } };
      },
      tokenAdvantages: (completions) => {
        const a = advantagesOf(completions);
        return completions.map((s, i) => {
          const out = new Float32Array(s.tokens.length).fill(a.answer[i]!);
          if (out.length > 0) out[0] = a.modeToken[i]!;
          return out;
        });
      },
      prepare() {
        throw new Error("rl.adv.hgpo() reads sampled completions: use it in a sequence run (rl.seq(...)) with rl.collect.completions() and .guidance(rl.guide.modes())");
      },
    };
  },
});
