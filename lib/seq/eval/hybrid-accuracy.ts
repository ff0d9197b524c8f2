/**
 * Evaluation of a two-mode (think / answer directly) policy, after "Think
 * Only When You Need" (arXiv 2505.14631): on each held-out problem the
 * policy's chosen mode is the first token of its greedy completion; the
 * problem's preferred mode is found by sampling `samples` completions with
 * each mode token forced, think being preferred only when its accuracy beats
 * the direct mode's by more than δ (`preferredMode`). Hybrid Accuracy is the
 * fraction of problems whose chosen mode is the preferred one.
 */
import { preferredMode, type ThinkingMode } from "../../credit/hybrid-thinking.js";
import type { Rng } from "../../random/rng.js";
import { sampleBatch } from "../policies/sample.js";
import type { TokenPolicy } from "../policies/token-policy.js";
import type { Task, TaskItem } from "../tasks/task.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";

export interface HybridEvalOptions {
  readonly items: readonly TaskItem[];
  /** The most tokens of a greedy completion (mode token and end token included). */
  readonly maxNewTokens: number;
  /** The token that starts a thinking completion. Default "t". */
  readonly think?: string;
  /** The token that starts a direct completion. Default "d". */
  readonly direct?: string;
  /** Completions sampled per problem in each forced mode to find its preferred mode. Default 8. */
  readonly samples?: number;
  /** δ: thinking is preferred only when its accuracy beats the direct mode's by more than δ. Default 0.2. */
  readonly delta?: number;
  /** Sampling temperature of the forced-mode samples. Default 1. */
  readonly temperature?: number;
  readonly rng: Rng;
  /** Sequences decoded together. Default 512. */
  readonly batch?: number;
}

/** Hybrid scores of one set of problems. */
export interface HybridScores {
  readonly problems: number;
  /** Fraction of problems whose greedy mode is the preferred one (a completion that starts with neither mode token misses). */
  readonly hybridAccuracy: number;
  /** Fraction of problems whose greedy completion thinks. */
  readonly thinkRate: number;
  /** Fraction of problems whose preferred mode is thinking. */
  readonly preferThinkRate: number;
  /** Fraction solved by the greedy completion. */
  readonly pass1: number;
  /** Mean tokens of the greedy completion (mode token and end token included). */
  readonly tokensPerAnswer: number;
}

export interface HybridEvaluation extends HybridScores {
  readonly byLevel: Readonly<Record<number, HybridScores>>;
  /** Per problem, in order: the greedy mode (null: neither token first) and the preferred one. */
  readonly chosen: readonly (ThinkingMode | null)[];
  readonly preferred: readonly ThinkingMode[];
}

function oneToken(tokenizer: Tokenizer, text: string, which: string): number {
  const ids = tokenizer.encode(text);
  if (ids.length !== 1) throw new RangeError(`evaluateHybrid: the ${which} mode ${JSON.stringify(text)} must be one token, got ${ids.length}`);
  return ids[0]!;
}

/** Hybrid Accuracy, think rate, pass@1 and tokens per answer of `policy` on `options.items` (see the module doc). */
export function evaluateHybrid(policy: TokenPolicy, tokenizer: Tokenizer, task: Task, options: HybridEvalOptions): HybridEvaluation {
  const { items, maxNewTokens, rng } = options;
  const n = options.samples ?? 8;
  const delta = options.delta ?? 0.2;
  const batch = options.batch ?? 512;
  const text: Record<ThinkingMode, string> = { think: options.think ?? "t", no_think: options.direct ?? "d" };
  if (!Array.isArray(items) || items.length === 0) throw new RangeError("evaluateHybrid: items must be a non-empty array of task items");
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 2) throw new RangeError(`evaluateHybrid: maxNewTokens must be an integer ≥ 2 (a mode token and more), got ${maxNewTokens}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`evaluateHybrid: samples must be an integer ≥ 1, got ${n}`);
  if (!(delta >= 0) || !Number.isFinite(delta)) throw new RangeError(`evaluateHybrid: delta must be a finite number ≥ 0, got ${delta}`);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`evaluateHybrid: batch must be an integer ≥ 1, got ${batch}`);
  if (rng === undefined) throw new TypeError("evaluateHybrid: pass an rng (the forced-mode samples are drawn)");
  const ids: Record<ThinkingMode, number> = { think: oneToken(tokenizer, text.think, "think"), no_think: oneToken(tokenizer, text.no_think, "direct") };
  if (ids.think === ids.no_think) throw new RangeError(`evaluateHybrid: the two modes need different tokens, got ${JSON.stringify(text.think)} for both`);

  const decode = (prompts: Int32Array[], sampling: { greedy: true } | { greedy: false; maxNewTokens: number }) => {
    const out: { tokens: Int32Array; text: string }[] = [];
    for (let start = 0; start < prompts.length; start += batch) {
      const done = sampleBatch(policy, prompts.slice(start, start + batch), {
        maxNewTokens: sampling.greedy ? maxNewTokens : sampling.maxNewTokens,
        temperature: options.temperature ?? 1,
        stopToken: tokenizer.eos,
        greedy: sampling.greedy,
        ...(sampling.greedy ? {} : { rng }),
      });
      for (const d of done) out.push({ tokens: d.tokens, text: tokenizer.decode(d.finish === "stop" ? d.tokens.subarray(0, d.tokens.length - 1) : d.tokens) });
    }
    return out;
  };

  const prompts = items.map((item) => tokenizer.encode(item.prompt));
  const greedy = decode(prompts, { greedy: true });
  const chosen = greedy.map((g): ThinkingMode | null => (g.tokens[0] === ids.think ? "think" : g.tokens[0] === ids.no_think ? "no_think" : null));
  const solved = greedy.map((g, i) => task.verify(g.text, items[i]!).correct);

  const forced: Int32Array[] = [];
  const forcedModes: ThinkingMode[] = [];
  for (const p of prompts) {
    for (const mode of ["think", "no_think"] as const) {
      const context = new Int32Array(p.length + 1);
      context.set(p);
      context[p.length] = ids[mode];
      for (let k = 0; k < n; k++) {
        forced.push(context);
        forcedModes.push(mode);
      }
    }
  }
  // the mode token counts against maxNewTokens, as in the greedy completion
  const sampled = decode(forced, { greedy: false, maxNewTokens: maxNewTokens - 1 });
  const preferred = items.map((item, i) => {
    const rows = Array.from({ length: 2 * n }, (_, k) => i * 2 * n + k);
    const rewards = rows.map((r) => (task.verify(text[forcedModes[r]!] + sampled[r]!.text, item).correct ? 1 : 0));
    return preferredMode(rewards, rows.map((r) => forcedModes[r]!), delta);
  });

  const scores = (at: readonly number[]): HybridScores => {
    const mean = (f: (i: number) => number) => at.reduce((s, i) => s + f(i), 0) / at.length;
    return {
      problems: at.length,
      hybridAccuracy: mean((i) => (chosen[i] === preferred[i] ? 1 : 0)),
      thinkRate: mean((i) => (chosen[i] === "think" ? 1 : 0)),
      preferThinkRate: mean((i) => (preferred[i] === "think" ? 1 : 0)),
      pass1: mean((i) => (solved[i] ? 1 : 0)),
      tokensPerAnswer: mean((i) => greedy[i]!.tokens.length),
    };
  };
  const all = items.map((_, i) => i);
  const levels = [...new Set(items.map((it) => it.level))].sort((a, b) => a - b);
  return {
    ...scores(all),
    byLevel: Object.fromEntries(levels.map((l) => [l, scores(all.filter((i) => items[i]!.level === l))])),
    chosen,
    preferred,
  };
}
