import type { PrefixedTokens } from "../../seq/policies/token-policy.js";

/** Sequences (prompt + completion) laid out for {@link TokenPolicy.forwardPrefixed}, and where their completion tokens are scored. */
export interface PrefixPackedSequences {
  readonly input: PrefixedTokens;
  /**
   * Per completion token, in sequence order then token order: the row of
   * the logits that predicts it (a completion's first token: its prompt's
   * last row, shared by the prompt's group).
   */
  readonly rows: Int32Array;
}

/**
 * Packs `prompt ++ completion` sequences with each distinct prompt once (a
 * GRPO group's completions share theirs). A completion's last token is left
 * out of its suffix: only the completions' tokens are scored, and no scored
 * token is predicted from the last one.
 */
export function packPrefixed(sequences: readonly { readonly prompt: Int32Array; readonly tokens: Int32Array }[]): PrefixPackedSequences {
  const prefixOf = new Map<string, number>();
  const prompts: Int32Array[] = [];
  const sequencePrefix = new Int32Array(sequences.length);
  const suffixStarts = new Int32Array(sequences.length + 1);
  let scored = 0;
  sequences.forEach((s, i) => {
    if (s.prompt.length === 0) throw new RangeError(`packPrefixed: sequence ${i} has an empty prompt (its first completion token would have no position to be predicted from)`);
    const key = s.prompt.join(",");
    let p = prefixOf.get(key);
    if (p === undefined) {
      p = prompts.length;
      prefixOf.set(key, p);
      prompts.push(s.prompt);
    }
    sequencePrefix[i] = p;
    suffixStarts[i + 1] = suffixStarts[i]! + Math.max(0, s.tokens.length - 1);
    scored += s.tokens.length;
  });
  const prefixStarts = new Int32Array(prompts.length + 1);
  prompts.forEach((p, i) => (prefixStarts[i + 1] = prefixStarts[i]! + p.length));
  const prefixTokens = new Int32Array(prefixStarts[prompts.length]!);
  prompts.forEach((p, i) => prefixTokens.set(p, prefixStarts[i]!));
  const suffixTokens = new Int32Array(suffixStarts[sequences.length]!);
  const rows = new Int32Array(scored);
  const prefixRows = prefixTokens.length;
  let k = 0;
  sequences.forEach((s, i) => {
    const n = s.tokens.length;
    if (n === 0) return;
    suffixTokens.set(s.tokens.subarray(0, n - 1), suffixStarts[i]!);
    rows[k++] = prefixStarts[sequencePrefix[i]! + 1]! - 1;
    for (let j = 1; j < n; j++) rows[k++] = prefixRows + suffixStarts[i]! + j - 1;
  });
  return { input: { prefixTokens, prefixStarts, sequencePrefix, suffixTokens, suffixStarts }, rows };
}
