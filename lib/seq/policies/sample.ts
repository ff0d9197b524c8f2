import type { Rng } from "../../random/rng.js";
import { decodeStep, newKvCache } from "./kv-cache.js";
import { entropyOf, entropyOfProbs, logSoftmax } from "./logprobs.js";
import type { TokenPolicy } from "./token-policy.js";
import type { Transformer } from "./transformer.js";

export interface SampleOptions {
  /** The most tokens to add to each prompt. */
  maxNewTokens: number;
  /** Logits are divided by it before the softmax. Default 1. */
  temperature?: number;
  /** Keep only the k most probable tokens (0 or undefined: all). */
  topK?: number;
  /** Nucleus: keep the fewest most probable tokens whose mass reaches topP (1 or undefined: all). */
  topP?: number;
  /** Generation of a row ends after it emits this token (included in its completion). */
  stopToken?: number;
  /** Take the most probable token (lowest id on ties) instead of drawing; uses no randomness. */
  greedy?: boolean;
  /** The only source of randomness (required unless greedy). */
  rng?: Rng;
  /**
   * sampleBatch: run a prompt that several rows share (a GRPO group) once and
   * copy its state to the others, where the policy's decoder can (`share`).
   * The numbers are the same either way. Default true.
   */
  sharePrompts?: boolean;
}

export interface Completion {
  /** The new tokens (the prompt excluded). */
  tokens: Int32Array;
  /**
   * Per new token, log π_τ(token | prefix) with π_τ = softmax(logits / temperature):
   * the temperature-scaled policy, before any top-k/top-p truncation (so it
   * matches {@link tokenLogProbs} with the same temperature, what an RL ratio needs).
   */
  logprobs: Float64Array;
  /** Per new token, the entropy of π_τ(· | prefix) (same distribution as `logprobs`). */
  entropies: Float64Array;
  /** "stop": emitted stopToken; "length": maxNewTokens reached or the context is full. */
  finish: "stop" | "length";
}

/**
 * Continues each prompt with a KV cache ({@link decodeStep}): draws each new
 * token from softmax(logits/temperature) restricted to the top-k and then the
 * top-p nucleus (renormalized), or takes the argmax when greedy. Rows stop at
 * stopToken, after maxNewTokens, or when the context is full. Prompts are run
 * one after the other, so a row's draws do not depend on other rows' lengths
 * beyond the shared rng stream.
 */
export function sample(model: Transformer, prompts: readonly Int32Array[], options: SampleOptions): Completion[] {
  const { maxNewTokens, temperature = 1, topK = 0, topP = 1, stopToken, greedy = false, rng } = options;
  const V = model.config.vocabSize;
  checkSampleOptions(options, V);
  const lp = new Float64Array(V);
  const weights = new Float64Array(V);
  const order = new Int32Array(V);
  return prompts.map((prompt, row) => {
    if (prompt.length === 0) throw new RangeError(`sample: prompt ${row} is empty`);
    if (prompt.length > model.config.context) throw new RangeError(`sample: prompt ${row} has ${prompt.length} tokens, more than the context of ${model.config.context}`);
    const cache = newKvCache(model);
    let logits: Float64Array = new Float64Array(0);
    for (const tok of prompt) logits = decodeStep(model, cache, tok);
    const tokens: number[] = [];
    const logprobs: number[] = [];
    const entropies: number[] = [];
    let finish: Completion["finish"] = "length";
    for (let step = 0; step < maxNewTokens && prompt.length < model.config.context; step++) {
      logSoftmax(logits, 0, V, temperature, lp);
      let next: number;
      if (greedy) {
        next = 0;
        for (let v = 1; v < V; v++) if (logits[v]! > logits[next]!) next = v;
      } else {
        truncatedWeights(lp, V, topK, topP, weights, order);
        next = rng!.categorical(weights);
      }
      tokens.push(next);
      logprobs.push(lp[next]!);
      entropies.push(entropyOf(lp, V));
      if (next === stopToken) {
        finish = "stop";
        break;
      }
      // a sequence never outgrows the context, so a completion can be trained in one forward of prompt + completion
      if (step === maxNewTokens - 1 || prompt.length + tokens.length >= model.config.context) break;
      logits = decodeStep(model, cache, next);
    }
    return { tokens: Int32Array.from(tokens), logprobs: Float64Array.from(logprobs), entropies: Float64Array.from(entropies), finish };
  });
}

/** Throws a RangeError/TypeError naming the option when `options` is not valid for a vocabulary of V tokens. */
export function checkSampleOptions(options: SampleOptions, V: number): void {
  const { maxNewTokens, temperature = 1, topK = 0, topP = 1, stopToken, greedy = false, rng } = options;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new RangeError(`sample: maxNewTokens must be an integer ≥ 0, got ${maxNewTokens}`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`sample: temperature must be a positive finite number, got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`sample: topK must be an integer ≥ 0 (0: off), got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`sample: topP must be in (0, 1], got ${topP}`);
  if (stopToken !== undefined && !(Number.isInteger(stopToken) && stopToken >= 0 && stopToken < V)) throw new RangeError(`sample: stopToken ${stopToken} is outside the vocabulary [0, ${V})`);
  if (!greedy && rng === undefined) throw new TypeError("sample: pass an rng (or greedy: true)");
}

/**
 * Samples all prompts together through one {@link TokenDecoder}: at step s
 * every unfinished row is fed its prompt's token s, or once its prompt is in,
 * the token it drew last; rows then draw in row order from one rng stream.
 * Same distributions, options and outputs as {@link sample}, with one batched
 * decoder step per position instead of one per row (so the draws, though
 * equally distributed, are not those of `sample`).
 */
export function sampleBatch(policy: TokenPolicy, prompts: readonly Int32Array[], options: SampleOptions): Completion[] {
  const { maxNewTokens, temperature = 1, topK = 0, topP = 1, stopToken, greedy = false, rng } = options;
  const V = policy.vocabSize;
  checkSampleOptions(options, V);
  const n = prompts.length;
  if (n === 0) return [];
  prompts.forEach((prompt, row) => {
    if (!(prompt instanceof Int32Array)) throw new TypeError(`sampleBatch: prompt ${row} must be an Int32Array of token ids`);
    if (prompt.length === 0) throw new RangeError(`sampleBatch: prompt ${row} is empty`);
    if (prompt.length > policy.context) throw new RangeError(`sampleBatch: prompt ${row} has ${prompt.length} tokens, more than the context of ${policy.context}`);
    for (let i = 0; i < prompt.length; i++) {
      if (!(prompt[i]! >= 0 && prompt[i]! < V)) throw new RangeError(`sampleBatch: prompt ${row} token ${i} (${prompt[i]}) is outside the vocabulary [0, ${V})`);
    }
  });
  const decoder = policy.decoder(n);
  try {
    const logits = new Float64Array(n * V);
    const input = new Int32Array(n);
    const active = new Uint8Array(n).fill(1);
    // A row whose prompt an earlier row has sits out that prompt's first tokens and takes over the earlier row's state before its last one.
    const source = new Int32Array(n).fill(-1);
    if (decoder.share && options.sharePrompts !== false) {
      const first = new Map<string, number>();
      prompts.forEach((p, r) => {
        if (p.length < 2) return;
        const key = p.join(",");
        const at = first.get(key);
        if (at === undefined) first.set(key, r);
        else source[r] = at;
      });
    }
    const fed = new Uint8Array(n);
    const tokens: number[][] = prompts.map(() => []);
    const logprobs: number[][] = prompts.map(() => []);
    const entropies: number[][] = prompts.map(() => []);
    const finish: Completion["finish"][] = prompts.map(() => "length");
    const lp = new Float64Array(V);
    const probs = new Float64Array(V);
    const weights = new Float64Array(V);
    const order = new Int32Array(V);
    let left = maxNewTokens === 0 ? 0 : n;
    prompts.forEach((p, r) => {
      if (p.length >= policy.context && left > 0) {
        active[r] = 0; // a full context leaves no room for a completion
        left--;
      }
    });
    for (let s = 0; left > 0; s++) {
      for (let r = 0; r < n; r++) {
        fed[r] = active[r]!;
        if (!active[r]) continue;
        const last = prompts[r]!.length - 1;
        if (source[r]! >= 0 && s < last) fed[r] = 0;
        else if (source[r]! >= 0 && s === last) decoder.share!(source[r]!, r);
        input[r] = s < prompts[r]!.length ? prompts[r]![s]! : tokens[r]![tokens[r]!.length - 1]!;
      }
      decoder.step(input, fed, logits);
      for (let r = 0; r < n; r++) {
        if (!active[r] || s < prompts[r]!.length - 1) continue;
        const o = r * V;
        logSoftmax(logits, o, V, temperature, lp);
        // exp(lp) once for the weights and the entropy (the same values truncatedWeights and entropyOf compute)
        for (let v = 0; v < V; v++) probs[v] = Math.exp(lp[v]!);
        let next: number;
        if (greedy) {
          next = 0;
          for (let v = 1; v < V; v++) if (logits[o + v]! > logits[o + next]!) next = v;
        } else {
          weights.set(probs);
          truncate(lp, V, topK, topP, weights, order);
          next = rng!.categorical(weights);
        }
        tokens[r]!.push(next);
        logprobs[r]!.push(lp[next]!);
        entropies[r]!.push(entropyOfProbs(probs, lp, V));
        const stopped = next === stopToken;
        // a sequence never outgrows the context, so a completion can be trained in one forward of prompt + completion
        if (stopped || tokens[r]!.length === maxNewTokens || prompts[r]!.length + tokens[r]!.length >= policy.context) {
          if (stopped) finish[r] = "stop";
          active[r] = 0;
          left--;
        }
      }
    }
    return prompts.map((_, r) => ({ tokens: Int32Array.from(tokens[r]!), logprobs: Float64Array.from(logprobs[r]!), entropies: Float64Array.from(entropies[r]!), finish: finish[r]! }));
  } finally {
    decoder.close?.();
  }
}

/**
 * Unnormalized sampling weights: exp(lp) on the top-k tokens (by probability,
 * lowest id first on ties), then on the smallest prefix of those whose mass
 * reaches topP of the whole distribution; 0 elsewhere. Always keeps ≥ 1 token.
 */
export function truncatedWeights(lp: Float64Array, V: number, topK: number, topP: number, out: Float64Array, order: Int32Array): void {
  for (let v = 0; v < V; v++) out[v] = Math.exp(lp[v]!);
  truncate(lp, V, topK, topP, out, order);
}

/** {@link truncatedWeights} on `out` holding exp(lp) already: zeroes the tokens outside the top-k and the nucleus. */
function truncate(lp: Float64Array, V: number, topK: number, topP: number, out: Float64Array, order: Int32Array): void {
  if ((topK === 0 || topK >= V) && topP >= 1) return;
  for (let v = 0; v < V; v++) order[v] = v;
  order.sort((a, b) => lp[b]! - lp[a]! || a - b);
  const k = topK === 0 ? V : Math.min(topK, V);
  let keep = k;
  if (topP < 1) {
    let mass = 0;
    for (let i = 0; i < k; i++) {
      mass += out[order[i]!]!;
      if (mass >= topP) {
        keep = i + 1;
        break;
      }
    }
  }
  for (let i = keep; i < V; i++) out[order[i]!] = 0;
}
