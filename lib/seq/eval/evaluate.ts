/**
 * Evaluation of a token policy on held-out problems of a task: greedy
 * pass@1, and with `samples` n > 0 the unbiased pass@k and maj@k from n
 * sampled completions per problem, overall and per difficulty level.
 */
import type { Rng } from "../../random/rng.js";
import { sampleBatch } from "../policies/sample.js";
import type { TokenPolicy } from "../policies/token-policy.js";
import type { Task, TaskItem } from "../tasks/task.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";
import { majorityAtK, passAtK } from "./pass-at-k.js";

export interface SequenceEvalOptions {
  /** The held-out problems. */
  readonly items: readonly TaskItem[];
  /** The most tokens of a completion (its end token included). */
  readonly maxNewTokens: number;
  /** n: sampled completions per problem for pass@k and maj@k (0: greedy pass@1 only). Default 0. */
  readonly samples?: number;
  /** The k of pass@k and maj@k (each ≤ samples). Default [1, samples] when sampling. */
  readonly k?: readonly number[];
  /** Sampling temperature. Default 1. */
  readonly temperature?: number;
  /** Draws the samples (required when samples > 0). */
  readonly rng?: Rng;
  /** Sequences decoded together. Default 512. */
  readonly batch?: number;
}

/** Scores of one set of problems. */
export interface SequenceScores {
  readonly problems: number;
  /** Fraction solved by the greedy completion. */
  readonly pass1: number;
  /** k → mean unbiased pass@k over problems (sampled completions). */
  readonly passAtK: Readonly<Record<number, number>>;
  /** k → fraction of problems whose majority answer over the first k samples is correct. */
  readonly majAtK: Readonly<Record<number, number>>;
}

export interface SequenceEvaluation extends SequenceScores {
  /** The same scores per difficulty level. */
  readonly byLevel: Readonly<Record<number, SequenceScores>>;
}

/** Completion texts (no special tokens) of `items`' prompts, `copies` per prompt in a row. */
function complete(policy: TokenPolicy, tokenizer: Tokenizer, items: readonly TaskItem[], copies: number, options: SequenceEvalOptions, greedy: boolean): string[] {
  const prompts: Int32Array[] = [];
  for (const item of items) {
    const p = tokenizer.encode(item.prompt);
    for (let c = 0; c < copies; c++) prompts.push(p);
  }
  const batch = options.batch ?? 512;
  const out: string[] = [];
  for (let start = 0; start < prompts.length; start += batch) {
    const done = sampleBatch(policy, prompts.slice(start, start + batch), {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature ?? 1,
      stopToken: tokenizer.eos,
      greedy,
      ...(greedy ? {} : { rng: options.rng! }),
    });
    for (const d of done) out.push(tokenizer.decode(d.finish === "stop" ? d.tokens.subarray(0, d.tokens.length - 1) : d.tokens));
  }
  return out;
}

/** Greedy pass@1 and, with samples, pass@k / maj@k of `policy` on `options.items` (see the module doc). */
export function evaluateSequences(policy: TokenPolicy, tokenizer: Tokenizer, task: Task, options: SequenceEvalOptions): SequenceEvaluation {
  const { items } = options;
  const n = options.samples ?? 0;
  if (!Array.isArray(items) || items.length === 0) throw new RangeError("evaluateSequences: items must be a non-empty array of task items");
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`evaluateSequences: samples must be an integer ≥ 0, got ${n}`);
  const ks = options.k ?? (n > 0 ? [...new Set([1, n])] : []);
  for (const k of ks) if (!(Number.isInteger(k) && k >= 1 && k <= n)) throw new RangeError(`evaluateSequences: each k must be an integer in [1, samples = ${n}], got ${k}`);
  if (n > 0 && options.rng === undefined) throw new TypeError("evaluateSequences: sampling (samples > 0) needs an rng");
  const greedy = complete(policy, tokenizer, items, 1, options, true);
  const solved = greedy.map((text, i) => task.verify(text, items[i]!).correct);
  const sampled = n > 0 ? complete(policy, tokenizer, items, n, options, false) : [];
  const perItem = items.map((item, i) => {
    const texts = sampled.slice(i * n, (i + 1) * n);
    const correct = texts.filter((t) => task.verify(t, item).correct).length;
    const pass: Record<number, number> = {};
    const maj: Record<number, number> = {};
    for (const k of ks) {
      pass[k] = passAtK(n, correct, k);
      maj[k] = majorityAtK(texts, k, (answer) => task.verify(answer, item).correct) ? 1 : 0;
    }
    return { level: item.level, pass1: solved[i] ? 1 : 0, pass, maj };
  });
  const scores = (rows: typeof perItem): SequenceScores => {
    const mean = (f: (r: (typeof perItem)[number]) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
    return {
      problems: rows.length,
      pass1: mean((r) => r.pass1),
      passAtK: Object.fromEntries(ks.map((k) => [k, mean((r) => r.pass[k]!)])),
      majAtK: Object.fromEntries(ks.map((k) => [k, mean((r) => r.maj[k]!)])),
    };
  };
  const levels = [...new Set(perItem.map((r) => r.level))].sort((a, b) => a - b);
  return { ...scores(perItem), byLevel: Object.fromEntries(levels.map((l) => [l, scores(perItem.filter((r) => r.level === l))])) };
}
