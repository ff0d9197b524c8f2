import type { SampledCompletion } from "../seq/learner.js";
import type { GuidanceTools } from "./guidance.js";

/**
 * A reference solution written as a completion of the prompt of `like` (a
 * sample of the same group): its text's tokens and the end token, judged by
 * the run's reward, every token off-policy (not sampled: behavior log-prob 0,
 * entropy 0). Null when prompt + solution + end token do not fit the
 * context (it could not be trained in one forward).
 */
export function solutionCompletion(like: SampledCompletion, text: string, source: "teacher" | "reference", tools: GuidanceTools): SampledCompletion | null {
  const body = tools.tokenizer.encode(text);
  if (like.prompt.length + body.length + 1 > tools.policy.context) return null;
  const tokens = new Int32Array(body.length + 1);
  tokens.set(body);
  tokens[body.length] = tools.tokenizer.eos;
  const verdict = tools.judge(text, like.item);
  return {
    ...like,
    tokens,
    logp: new Float32Array(tokens.length),
    entropy: new Float32Array(tokens.length),
    text,
    reward: verdict.reward,
    correct: verdict.correct,
    stepVerdicts: verdict.steps,
    truncated: false,
    source,
    offPolicy: new Uint8Array(tokens.length).fill(1),
    status: "trained",
  };
}
