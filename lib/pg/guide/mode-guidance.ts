import { str } from "../../config/fields.js";
import { problem } from "../../config/problem.js";
import type { ThinkingMode } from "../../credit/hybrid-thinking.js";
import { gatherLogProbs } from "../../seq/policies/logprobs.js";
import type { TaskItem } from "../../seq/tasks/task.js";
import { defineComponent } from "../component.js";
import { completionLogits } from "../seq/completion-logits.js";
import type { SampledCompletion } from "../seq/learner.js";
import type { GuidanceRuntime, GuidanceTools } from "./guidance.js";

/**
 * HGPO's sampling (arXiv 2505.14631): every group is sampled half in the
 * thinking mode and half in the direct one, by forcing the mode token after
 * the prompt; the verifier judges mode token + continuation.
 *
 * Each completion is trained on the plain prompt with its mode token as its
 * first token. The continuation was sampled in the very context it is
 * trained in (prompt + mode token), so it is on-policy. The mode token was
 * forced, not drawn; its behavior log-prob is π_old(mode | prompt) (one
 * forward of the prompts), so the clipped surrogate trains it like a sampled
 * token. Half/half forcing is not π_old's own choice, so its gradient is
 * that of a uniform mode choice reweighted by the ratio: what HGPO's
 * inter-group advantage needs (both modes compared on every prompt).
 *
 * The continuation is sampled with the collector's maxNewTokens, so a
 * completion has up to maxNewTokens + 1 tokens with its mode token.
 */
export const modes = defineComponent({
  slot: "guidance",
  kind: "modes",
  formula: "each group: G/2 ~ π(·| q + think), G/2 ~ π(·| q + direct); trained on q with the mode token first, log π_old(mode | q) its behavior log-prob",
  doc: "HGPO's hybrid groups: half of every group thinks, half answers directly (the mode token forced after the prompt); each completion records its mode for rl.adv.hgpo().",
  fields: {
    think: str("t", "the token that starts a thinking completion"),
    direct: str("d", "the token that starts a direct (no-thinking) completion"),
  },
  relations: (c, path) => [
    ...(c.think.length === 0 ? [problem(`${path}.think`, "wrong-type", "expected a non-empty mode token", { expected: "a non-empty string" })] : []),
    ...(c.direct.length === 0 ? [problem(`${path}.direct`, "wrong-type", "expected a non-empty mode token", { expected: "a non-empty string" })] : []),
    ...(c.think.length > 0 && c.think === c.direct ? [problem(`${path}.direct`, "incompatible", `the two modes need different tokens, got ${JSON.stringify(c.think)} for both`)] : []),
  ],
  metrics: {
    "guide/think_prob_mean": { doc: "mean over the step's prompts of π_old(think token | prompt) (the policy's own choice of thinking)", over: "last" },
    "guide/think_correct": { doc: "fraction of the step's thinking completions judged correct", over: "last" },
    "guide/direct_correct": { doc: "fraction of the step's direct completions judged correct", over: "last" },
  },
  create: (c): GuidanceRuntime => ({
    offPolicyTokens: false,
    guide: (groups, tools) => sampleInModes(groups.map((g) => {
      if (g.length === 0) throw new RangeError("rl.guide.modes(): a group has no completions");
      return { item: g[0]!.item, prompt: g[0]!.prompt, group: g[0]!.group };
    }), tools, c),
    sampleGroups: (problems, tools) => sampleInModes(problems, tools, c),
  }),
});

/** One token id of `text`, or a clear error. */
function modeTokenId(tools: GuidanceTools, text: string, which: string): number {
  const ids = tools.tokenizer.encode(text);
  if (ids.length !== 1) throw new RangeError(`rl.guide.modes(): the ${which} mode ${JSON.stringify(text)} must be one token of the run's tokenizer, got ${ids.length} tokens`);
  return ids[0]!;
}

/** The groups of `problems`, each sampled half with the think token forced and half with the direct one. */
function sampleInModes(problems: readonly { item: TaskItem; prompt: Int32Array; group: number }[], tools: GuidanceTools, c: { think: string; direct: string }) {
  const G = tools.groupSize;
  if (G < 2 || G % 2 !== 0) throw new RangeError(`rl.guide.modes(): a group is sampled half in each mode, so groupSize must be even and ≥ 2, got ${G}`);
  const ids: Record<ThinkingMode, number> = { think: modeTokenId(tools, c.think, "think"), no_think: modeTokenId(tools, c.direct, "direct") };
  const text: Record<ThinkingMode, string> = { think: c.think, no_think: c.direct };
  const modeOf = (k: number): ThinkingMode => (k < G / 2 ? "think" : "no_think");
  const behavior = modeLogProbs(problems.map((p) => p.prompt), ids, tools);
  const requests = problems.flatMap((p) =>
    Array.from({ length: G }, (_, k) => {
      const mode = modeOf(k);
      const context = new Int32Array(p.prompt.length + 1);
      context.set(p.prompt);
      context[p.prompt.length] = ids[mode];
      return { context, item: p.item, group: p.group, answerPrefix: text[mode] };
    }),
  );
  const sampled = tools.sample(requests);
  let thinkProb = 0;
  const correct: Record<ThinkingMode, number> = { think: 0, no_think: 0 };
  const groups = problems.map((p, j) => {
    thinkProb += Math.exp(behavior[j]!.think.logp);
    return sampled.slice(j * G, (j + 1) * G).map((s, k): SampledCompletion => {
      const mode = modeOf(k);
      if (s.correct) correct[mode]++;
      const n = s.tokens.length + 1;
      const tokens = new Int32Array(n);
      tokens[0] = ids[mode];
      tokens.set(s.tokens, 1);
      const logp = new Float32Array(n);
      logp[0] = behavior[j]![mode].logp;
      logp.set(s.logp, 1);
      const entropy = new Float32Array(n);
      entropy[0] = behavior[j]![mode].entropy;
      entropy.set(s.entropy, 1);
      return { ...s, prompt: p.prompt, tokens, logp, entropy, mode };
    });
  });
  const perMode = (problems.length * G) / 2;
  return {
    groups,
    metrics: {
      "guide/think_prob_mean": problems.length ? thinkProb / problems.length : 0,
      "guide/think_correct": perMode ? correct.think / perMode : 0,
      "guide/direct_correct": perMode ? correct.no_think / perMode : 0,
    },
  };
}

/** Per prompt, log π_old and the entropy of π_old(· | prompt) at each mode token (one forward per 64 prompts, at the sampling temperature). */
function modeLogProbs(prompts: readonly Int32Array[], ids: Record<ThinkingMode, number>, tools: GuidanceTools): Record<ThinkingMode, { logp: number; entropy: number }>[] {
  const out: Record<ThinkingMode, { logp: number; entropy: number }>[] = [];
  const V = tools.policy.vocabSize;
  for (const [i, p] of prompts.entries()) {
    if (p.length + 1 > tools.policy.context) throw new RangeError(`rl.guide.modes(): prompt ${i} has ${p.length} tokens, leaving no room for the mode token in the context of ${tools.policy.context}`);
  }
  for (let start = 0; start < prompts.length; start += 64) {
    const chunk = prompts.slice(start, start + 64);
    const rows = chunk.flatMap((prompt) => [{ prompt, tokens: Int32Array.of(ids.think) }, { prompt, tokens: Int32Array.of(ids.no_think) }]);
    const { logits, rows: at, targets } = completionLogits(tools.policy, rows, tools.tokenizer.pad);
    const logp = new Float32Array(rows.length);
    const entropy = new Float32Array(rows.length);
    gatherLogProbs(logits, at, targets, V, tools.temperature, logp, entropy);
    chunk.forEach((_, j) => out.push({ think: { logp: logp[2 * j]!, entropy: entropy[2 * j]! }, no_think: { logp: logp[2 * j + 1]!, entropy: entropy[2 * j + 1]! } }));
  }
  return out;
}
