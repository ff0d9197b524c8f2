/**
 * Where a sampler sits on the reward–KL plane: the mean score of its sampled
 * completions and the Monte Carlo estimate of the sequence KL to a reference
 * policy, KL(π ‖ π_ref) ≈ mean over samples of Σ_t log π(y_t) − log π_ref(y_t)
 * (both at temperature 1). For comparing RLG's guidance scales with policies
 * retrained at several KL coefficients, or any two samplers.
 */
import { completionLogits } from "../pg/seq/completion-logits.js";
import { Rng } from "../random/rng.js";
import { sequenceLogProbs } from "../seq/preference-run.js";
import { sampleBatch } from "../seq/policies/sample.js";
import type { TokenPolicy } from "../seq/policies/token-policy.js";
import type { TaskItem } from "../seq/tasks/task.js";
import type { Tokenizer } from "../seq/tokenizers/tokenizer.js";

export interface RewardKlOptions {
  /** Completions per item. Default 2. */
  readonly samples?: number;
  /** The most tokens of a completion (its end token included). */
  readonly maxNewTokens: number;
  /** A completion's score (its decoded text, without special tokens). */
  readonly score: (completion: string, item: TaskItem) => number;
  /** Seeds the samples. Default 0. */
  readonly seed?: number;
}

export function rewardAndKl(policy: TokenPolicy, reference: TokenPolicy, tokenizer: Tokenizer, items: readonly TaskItem[], options: RewardKlOptions): { reward: number; kl: number; completions: number } {
  const { samples = 2, maxNewTokens, score, seed = 0 } = options;
  if (!Array.isArray(items) || items.length === 0) throw new RangeError("rewardAndKl: items must be a non-empty array of task items");
  if (!Number.isInteger(samples) || samples < 1) throw new RangeError(`rewardAndKl: samples must be a positive integer, got ${String(samples)}`);
  if (typeof score !== "function") throw new TypeError("rewardAndKl: score must be a function (completion, item) => number");
  if (reference.vocabSize !== policy.vocabSize) throw new RangeError(`rewardAndKl: the policy has ${policy.vocabSize} tokens, the reference ${reference.vocabSize}`);
  const prompts = items.flatMap((it) => Array.from({ length: samples }, () => tokenizer.encode(it.prompt)));
  const done = sampleBatch(policy, prompts, { maxNewTokens, stopToken: tokenizer.eos, rng: Rng.fromSeed(seed) });
  const sequences = done.map((d, i) => ({ prompt: prompts[i]!, tokens: d.tokens }));
  const f = completionLogits(reference, sequences, tokenizer.pad);
  const ref = sequenceLogProbs(f.logits, f.rows, f.targets, sequences, reference.vocabSize);
  let kl = 0;
  let reward = 0;
  done.forEach((d, i) => {
    for (const lp of d.logprobs) kl += lp;
    kl -= ref[i]!;
    const text = tokenizer.decode(d.finish === "stop" ? d.tokens.subarray(0, d.tokens.length - 1) : d.tokens, { skipSpecial: true });
    const s = score(text, items[Math.floor(i / samples)]!);
    if (typeof s !== "number" || !Number.isFinite(s)) throw new RangeError(`rewardAndKl: score(${JSON.stringify(text)}) returned ${String(s)}, expected a finite number`);
    reward += s;
  });
  return { reward: reward / done.length, kl: kl / done.length, completions: done.length };
}
