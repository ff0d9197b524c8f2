import { int, num } from "../../config/fields.js";
import { gatherLogProbs } from "../../seq/policies/logprobs.js";
import type { TaskItem } from "../../seq/tasks/task.js";
import { defineComponent } from "../component.js";
import { completionLogits } from "../seq/completion-logits.js";
import type { SampledCompletion } from "../seq/learner.js";
import type { GuidanceRuntime, GuidanceTools } from "./guidance.js";
import { solutionCompletion } from "./solution-completion.js";
import { comprehensionScore, needsTeachers, topK } from "./teachers.js";

/**
 * AMPO's teachers (arXiv 2510.02227): when none of a group's samples is
 * correct, up to `k` of them are replaced by teacher solutions: the
 * problem's reference solutions in their several styles (`solution` and
 * `solutions` of the task item), those the verifier accepts, ranked by the
 * student's comprehension (the mean probability it gives the answer's tokens
 * after the teacher's reasoning, plus formatCoef · format). Teacher tokens
 * are off-policy: train them with `rl.loss.offPolicy({ shape: "likelihood" })`.
 *
 * The reasoning is the solution without its final answer (a trailing copy of
 * the item's answer); a solution that is only its answer (addition) has
 * empty reasoning, and the score is the student's probability of the answer.
 */
export const teachers = defineComponent({
  slot: "guidance",
  kind: "teachers",
  formula: "no correct sample → replace min(k, G) random samples by the top-k teacher solutions by (1 − c_f)·mean π(answer | q, reasoning_j) + c_f·format_j",
  doc: "AMPO's comprehension-ranked multi-teacher injection for groups with no correct sample; the teachers are the task's reference solutions in their styles. Pair with rl.loss.offPolicy({ shape: \"likelihood\" }) and mean-only advantages.",
  fields: {
    k: int(2, "teacher solutions injected into a group with no correct sample (AMPO's num_off_policy_targets)", { min: 1 }),
    formatCoef: num(0.1, "c_f: weight of the format term in the comprehension score", { min: 0, max: 1 }),
  },
  metrics: {
    "guide/failed_groups": { doc: "groups of the step whose every sample failed (before guidance)", over: "last" },
    "guide/teacher_samples": { doc: "teacher solutions injected in the step", over: "last" },
    "guide/comprehension_mean": { doc: "mean comprehension score of the injected teacher solutions", over: "last" },
  },
  create: (c): GuidanceRuntime => ({
    offPolicyTokens: true,
    guide: (groups, tools) => injectTeachers(groups, tools, c.k, c.formatCoef),
  }),
});

/** The reasoning of a teacher's solution: the text before its final answer (a trailing copy of the item's answer), else all of it. */
export function teacherReasoning(solution: string, item: TaskItem): string {
  return solution.endsWith(item.answer) ? solution.slice(0, solution.length - item.answer.length) : solution;
}

function injectTeachers(groups: readonly SampledCompletion[][], tools: GuidanceTools, k: number, formatCoef: number) {
  const out = groups.map((g) => g);
  const failed = groups.flatMap((g, i) => (needsTeachers(g.map((s) => s.correct)) ? [i] : []));
  const candidates = failed.map((gi) => {
    const first = groups[gi]![0]!;
    // a teacher is trained as a completion of the prompt (its end token included): one that does not fit the context, or is wrong, is no candidate
    return [...new Set([first.item.solution, ...(first.item.solutions ?? [])])]
      .map((text) => ({ text, completion: solutionCompletion(first, text, "teacher", tools) }))
      .filter((t): t is { text: string; completion: SampledCompletion } => t.completion?.correct === true);
  });
  const scores = comprehensionScores(failed.map((gi, j) => ({ prompt: groups[gi]![0]!.prompt, item: groups[gi]![0]!.item, texts: candidates[j]!.map((t) => t.text) })), tools);
  let injected = 0, scoreSum = 0;
  failed.forEach((gi, j) => {
    const group = groups[gi]!;
    const cands = candidates[j]!;
    if (cands.length === 0) return;
    // a correct completion is well formatted (the verdict's contract), so every candidate earns the format term
    const s = cands.map((_t, i) => comprehensionScore([scores[j]![i]!], true, { formatCoef }));
    const chosen = topK(s, Math.min(k, group.length));
    const slots = tools.rng.permutation(group.length).slice(0, chosen.length);
    const next = group.slice();
    chosen.forEach((ci, n) => {
      next[slots[n]!] = cands[ci]!.completion;
      scoreSum += s[ci]!;
      injected++;
    });
    out[gi] = next;
  });
  return { groups: out, metrics: { "guide/failed_groups": failed.length, "guide/teacher_samples": injected, "guide/comprehension_mean": injected ? scoreSum / injected : 0 } };
}

/**
 * Per problem and teacher text: the mean probability the student gives the
 * answer's tokens after prompt + reasoning (one forward per 64 sequences).
 */
function comprehensionScores(problems: readonly { prompt: Int32Array; item: TaskItem; texts: readonly string[] }[], tools: GuidanceTools): number[][] {
  const rows: { prompt: Int32Array; tokens: Int32Array }[] = [];
  for (const p of problems) {
    for (const text of p.texts) {
      const reasoning = tools.tokenizer.encode(teacherReasoning(text, p.item));
      const context = new Int32Array(p.prompt.length + reasoning.length);
      context.set(p.prompt);
      context.set(reasoning, p.prompt.length);
      rows.push({ prompt: context, tokens: tools.tokenizer.encode(p.item.answer) });
    }
  }
  const means: number[] = [];
  const V = tools.policy.vocabSize;
  for (let start = 0; start < rows.length; start += 64) {
    const chunk = rows.slice(start, start + 64);
    const fits = chunk.map((r) => r.prompt.length + r.tokens.length <= tools.policy.context && r.tokens.length > 0);
    const scored = chunk.filter((_, i) => fits[i]);
    const probs = new Float32Array(scored.reduce((n, r) => n + r.tokens.length, 0));
    if (scored.length) {
      const { logits, rows: at, targets } = completionLogits(tools.policy, scored, tools.tokenizer.pad);
      gatherLogProbs(logits, at, targets, V, tools.temperature, probs, new Float32Array(probs.length));
    }
    let at = 0;
    chunk.forEach((r, i) => {
      if (!fits[i]) return void means.push(0); // a solution too long for the context: the student cannot read it
      let sum = 0;
      for (let t = 0; t < r.tokens.length; t++) sum += Math.exp(probs[at++]!);
      means.push(sum / r.tokens.length);
    });
  }
  let i = 0;
  return problems.map((p) => p.texts.map(() => means[i++]!));
}
