import { bool, nums, oneOf } from "../../config/fields.js";
import { defineComponent } from "../component.js";
import type { SampledCompletion } from "../seq/learner.js";
import type { GuidanceRuntime, GuidanceTools } from "./guidance.js";
import { allFailed, GHPO_STAGES, solutionHint } from "./hint-prefix.js";

/**
 * Hints for groups whose every sample failed: the group is sampled again
 * with the first ω of its problem's reference solution written after the
 * prompt as the beginning of the answer, for each ω of `levels` in turn, until
 * one of its samples is correct. The verifier judges hint + continuation.
 *
 * - `context: "hinted"` (GHPO, arXiv 2507.10628): the hint stays in the
 *   context; only the policy's own continuation is trained, on-policy.
 * - `context: "plain"` (Guide, arXiv 2506.13923): the completion is trained
 *   on the prompt without the hint, so the policy learns to write the hinted
 *   beginning itself. The hint's tokens were not sampled (behavior
 *   probability 1): they are off-policy and need `rl.loss.offPolicy()`
 *   (r / (r + γ)). In a character task the continuation was sampled in the
 *   very context it is trained in (prompt + hint), so it stays on-policy;
 *   with a natural-language hint (the paper's) every token would be off-policy.
 *
 * `filter` (Guide): a re-posed group whose samples are still all wrong or all
 * right is dropped. Without it (GHPO), a group that fails at every stage is
 * kept as first sampled (its advantages are 0).
 */
export const hints = defineComponent({
  slot: "guidance",
  kind: "hints",
  formula: "all-fail group q → resample G ~ π(·| q + h[:round(ω_k·|h|)]) for ω_k in levels until a success; train in the hinted context (GHPO) or the plain one (Guide)",
  doc: "Difficulty-gated hints from the reference solution: GHPO's staged prefixes (context \"hinted\") or Guide's hint-then-train-without-it (context \"plain\", with rl.loss.offPolicy()).",
  fields: {
    levels: nums(GHPO_STAGES, "fractions ω of the reference solution shown as the hint, one stage each, tried in order until a group has a success (GHPO: 0.25, 0.5, 0.75)", { min: 0, exclusiveMin: true, max: 1, ascending: true }),
    context: oneOf<"hinted" | "plain">("hinted", ["hinted", "plain"], "where the hinted samples are trained: with the hint in the context (GHPO) or on the plain prompt, the hint's tokens off-policy (Guide)"),
    filter: bool(false, "drop a re-posed group whose samples are still all wrong or all right (Guide); otherwise a group that fails at every stage keeps its first samples"),
  },
  metrics: {
    "guide/failed_groups": { doc: "groups of the step whose every sample failed (before guidance)", over: "last" },
    "guide/rescued_groups": { doc: "failed groups that a hint gave at least one correct sample", over: "last" },
    "guide/hint_level_mean": { doc: "mean hint fraction ω of the rescued groups", over: "last" },
    "guide/hinted_samples": { doc: "completions sampled with a hint in the step", over: "last" },
  },
  create: (c): GuidanceRuntime => ({
    offPolicyTokens: c.context === "plain",
    guide: (groups, tools) => guideWithHints(groups, tools, c.levels, c.context, c.filter),
  }),
});

function guideWithHints(groups: readonly SampledCompletion[][], tools: GuidanceTools, levels: readonly number[], context: "hinted" | "plain", filter: boolean) {
  const out = groups.map((g) => g);
  let pending = groups.flatMap((g, i) => (allFailed(g.map((s) => s.correct)) ? [i] : []));
  const failed = pending.length;
  let rescued = 0, levelSum = 0, hintedSamples = 0;
  const lastTry = new Map<number, SampledCompletion[]>();
  for (const level of levels) {
    if (pending.length === 0) break;
    const requests = pending.flatMap((gi) => {
      const first = groups[gi]![0]!;
      const hint = solutionHint(first.item.solution, level);
      const context = concat(first.prompt, tools.tokenizer.encode(hint));
      return Array.from({ length: tools.groupSize }, () => ({ context, item: first.item, group: first.group, answerPrefix: hint }));
    });
    const sampled = tools.sample(requests);
    hintedSamples += sampled.length;
    const still: number[] = [];
    pending.forEach((gi, j) => {
      const plain = groups[gi]![0]!.prompt;
      const hint = solutionHint(groups[gi]![0]!.item.solution, level);
      const group = sampled.slice(j * tools.groupSize, (j + 1) * tools.groupSize).map((s) => asHinted(s, plain, hint, context));
      if (group.some((s) => s.correct)) {
        out[gi] = filter && group.every((s) => s.correct) ? dropped(group) : group;
        rescued++;
        levelSum += level;
      } else {
        lastTry.set(gi, group);
        still.push(gi);
      }
    });
    pending = still;
  }
  if (filter) for (const gi of pending) out[gi] = dropped(lastTry.get(gi) ?? groups[gi]!);
  return {
    groups: out,
    metrics: { "guide/failed_groups": failed, "guide/rescued_groups": rescued, "guide/hint_level_mean": rescued ? levelSum / rescued : 0, "guide/hinted_samples": hintedSamples },
  };
}

/** A completion sampled after prompt + hint, as trained: in that context, or on the plain prompt with the hint's tokens forced (behavior log-prob 0, off-policy). */
function asHinted(s: SampledCompletion, plain: Int32Array, hintText: string, context: "hinted" | "plain"): SampledCompletion {
  // in the hinted context the trained tokens are the continuation: the judgments of steps the hint completed are not theirs
  if (context === "hinted") return { ...s, source: "hint", ...(s.stepVerdicts ? { stepVerdicts: s.stepVerdicts.slice(completedSteps(hintText)) } : {}) };
  const hint = s.prompt.subarray(plain.length);
  const n = hint.length + s.tokens.length;
  const offPolicy = new Uint8Array(n);
  offPolicy.fill(1, 0, hint.length);
  const logp = new Float32Array(n);
  logp.set(s.logp, hint.length);
  const entropy = new Float32Array(n);
  entropy.set(s.entropy, hint.length);
  return { ...s, source: "hint", prompt: plain, tokens: concat(hint, s.tokens), logp, entropy, offPolicy };
}

/** Steps a hint completes (separators in it), for ","-separated steps. */
function completedSteps(hint: string): number {
  return hint.split(",").length - 1;
}

function dropped(group: SampledCompletion[]): SampledCompletion[] {
  for (const s of group) s.status = "dropped";
  return group;
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
