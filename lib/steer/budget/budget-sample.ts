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
import { logSoftmax } from "../../seq/policies/logprobs.js";
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
  const n = prompts.length;
  if (n === 0) return [];
  const encoded = prompts.map((p, i) => {
    const ids = tokenizer.encode(p);
    if (ids.length === 0) throw new RangeError(`sampleWithBudget: prompt ${i} encodes to no tokens`);
    if (ids.length >= Math.min(policy.context, predictor.backbone.context)) throw new RangeError(`sampleWithBudget: prompt ${i} has ${ids.length} tokens, no room left in the context`);
    return ids;
  });
  const V = policy.vocabSize;
  const decoder = policy.decoder(n);
  const guide = mode === "guidance" ? predictor.backbone.decoder(n) : null;
  try {
    const logits = new Float64Array(n * V);
    const z = guide ? new Float64Array(n * 2 * V) : null;
    const input = new Int32Array(n);
    const active = new Uint8Array(n).fill(1);
    const tokens: number[][] = prompts.map(() => []);
    const thinking = new Int32Array(n).fill(-1);
    const finish: ("stop" | "length")[] = prompts.map(() => "length");
    const lp = new Float64Array(V);
    const p = new Float64Array(V);
    const alpha = new Float64Array(V);
    const lambda = new Float64Array(V);
    const guided = new Float64Array(V);
    const context = Math.min(policy.context, guide ? predictor.backbone.context : Infinity);
    let left = n;
    for (let s = 0; left > 0; s++) {
      for (let r = 0; r < n; r++) if (active[r]) input[r] = s < encoded[r]!.length ? encoded[r]![s]! : tokens[r]![tokens[r]!.length - 1]!;
      decoder.step(input, active, logits);
      guide?.step(input, active, z!);
      for (let r = 0; r < n; r++) {
        if (!active[r] || s < encoded[r]!.length - 1) continue;
        logSoftmax(logits, r * V, V, 1, lp);
        for (let v = 0; v < V; v++) p[v] = Math.exp(lp[v]!);
        const written = tokens[r]!.length;
        const stillThinking = thinking[r] === -1;
        let next: number;
        if (stillThinking && mode === "truncation" && written >= budget - 1) next = force;
        else if (stillThinking && guide) {
          predictor.gammaParams(z!, r * 2 * V, alpha, lambda);
          budgetGuidedProbabilities(p, alpha, lambda, Math.max(budget - written, 1), guided);
          next = rng.categorical(guided);
        } else next = rng.categorical(p);
        tokens[r]!.push(next);
        if (stillThinking && predictor.ends.has(next)) thinking[r] = written + 1;
        const stopped = next === tokenizer.eos;
        if (stopped || tokens[r]!.length === maxNewTokens || encoded[r]!.length + tokens[r]!.length >= context) {
          if (stopped) finish[r] = "stop";
          active[r] = 0;
          left--;
        }
      }
    }
    return tokens.map((t, r) => {
      const ids = Int32Array.from(t);
      return { tokens: ids, text: tokenizer.decode(finish[r] === "stop" ? ids.subarray(0, ids.length - 1) : ids, { skipSpecial: true }), thinking: thinking[r]!, finish: finish[r]! };
    });
  } finally {
    decoder.close?.();
    guide?.close?.();
  }
}
