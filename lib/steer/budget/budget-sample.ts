/**
 * Sampling under a thinking budget of B tokens (the thinking segment, its
 * end token included — see {@link BudgetPredictor}):
 *
 * - "guidance" (budget guidance): while thinking, each next token is drawn
 *   from p′(v) ∝ p(v) · Pr(L_v ≤ B_rem), with B_rem = max(B − thinking
 *   tokens so far, 1) and (α_v, λ_v) from the predictor, which decodes in
 *   lock step with the policy ({@link budgetGuidedProbabilities});
 * - "truncation" (budget forcing): plain sampling, but when B − 1 thinking
 *   tokens are written and thinking has not ended, the next token is forced
 *   to `forceToken` (e.g. ";", so the policy answers now);
 * - "none": plain sampling.
 *
 * After thinking ends, every mode samples the policy as is. Each completion
 * reports its thinking length (−1 when thinking never ended).
 */
import type { Rng } from "../../random/rng.js";
import { steeredDecode } from "../../seq/policies/steered-decode.js";
import type { TokenPolicy } from "../../seq/policies/token-policy.js";
import type { Tokenizer } from "../../seq/tokenizers/tokenizer.js";
import { budgetGuidedProbabilities } from "./gamma-length.js";
import type { BudgetPredictor } from "./budget-predictor.js";

export interface BudgetSampleOptions {
  readonly mode: "guidance" | "truncation" | "none";
  /** The thinking budget B (tokens, the end token included). */
  readonly budget: number;
  readonly maxNewTokens: number;
  readonly rng: Rng;
  /** The length predictor (guidance) — its end tokens say where thinking ends in every mode. */
  readonly predictor: BudgetPredictor;
  /** The token truncation forces when the budget runs out (default the predictor's first end token). */
  readonly forceToken?: string;
}

export interface BudgetCompletion {
  readonly tokens: Int32Array;
  /** The completion's text without special tokens. */
  readonly text: string;
  /** Tokens of its thinking segment (end token included), −1 when thinking never ended. */
  readonly thinking: number;
  readonly finish: "stop" | "length";
}

export function sampleWithBudget(policy: TokenPolicy, tokenizer: Tokenizer, prompts: readonly string[], options: BudgetSampleOptions): BudgetCompletion[] {
  const { mode, budget, maxNewTokens, rng, predictor } = options;
  if (mode !== "guidance" && mode !== "truncation" && mode !== "none") throw new RangeError(`sampleWithBudget: mode must be "guidance", "truncation" or "none", got ${JSON.stringify(mode)}`);
  if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`sampleWithBudget: budget must be a positive integer, got ${String(budget)}`);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new RangeError(`sampleWithBudget: maxNewTokens must be a positive integer, got ${String(maxNewTokens)}`);
  if (!predictor || typeof predictor.gammaParams !== "function") throw new TypeError("sampleWithBudget: predictor must be a BudgetPredictor (rl.steer.budgetPredictor(...))");
  if (predictor.vocabSize !== policy.vocabSize) throw new RangeError(`sampleWithBudget: the predictor knows ${predictor.vocabSize} tokens, the policy ${policy.vocabSize}`);
  const force = options.forceToken === undefined ? [...predictor.ends][0]! : tokenizer.tokenToId(options.forceToken);
  if (force === undefined) throw new RangeError(`sampleWithBudget: forceToken ${JSON.stringify(options.forceToken)} is not in the vocabulary`);
  if (prompts.length === 0) return [];
  const encoded = prompts.map((p, i) => {
    const ids = tokenizer.encode(p);
    if (ids.length === 0) throw new RangeError(`sampleWithBudget: prompt ${i} encodes to no tokens`);
    return ids;
  });
  const V = policy.vocabSize;
  const p = new Float64Array(V);
  const alpha = new Float64Array(V);
  const lambda = new Float64Array(V);
  const guided = new Float64Array(V);
  const thinking = new Int32Array(prompts.length).fill(-1);
  const done = steeredDecode(policy, mode === "guidance" ? [predictor.backbone] : [], encoded, { maxNewTokens, stopToken: tokenizer.eos }, (step) => {
    const written = step.written.length;
    const stillThinking = thinking[step.row] === -1;
    for (let v = 0; v < V; v++) p[v] = Math.exp(step.logp[v]!);
    let next: number;
    if (stillThinking && mode === "truncation" && written >= budget - 1) next = force;
    else if (stillThinking && mode === "guidance") {
      const z = step.companions[0]!;
      predictor.gammaParams(z.out, z.offset, alpha, lambda);
      budgetGuidedProbabilities(p, alpha, lambda, Math.max(budget - written, 1), guided);
      next = rng.categorical(guided);
    } else next = rng.categorical(p);
    if (stillThinking && predictor.ends.has(next)) thinking[step.row] = written + 1;
    return next;
  });
  return done.map((d, r) => ({ tokens: d.tokens, text: tokenizer.decode(d.finish === "stop" ? d.tokens.subarray(0, d.tokens.length - 1) : d.tokens, { skipSpecial: true }), thinking: thinking[r]!, finish: d.finish }));
}
