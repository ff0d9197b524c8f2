import type { Tokenizer } from "./tokenizer.js";

/**
 * The ids of a text that `tokenizer.decode` wrote without `skipSpecial`:
 * the special tokens' names in it ("<bos>", "<eos>", …) become their ids,
 * the rest is encoded as text. What a reward model needs to score exactly
 * the tokens a policy sampled, special tokens included.
 */
export function encodeDecoded(tokenizer: Tokenizer, text: string): Int32Array {
  const names = new Map<string, number>();
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    if (!tokenizer.isSpecial(id)) continue;
    const name = tokenizer.idToToken(id);
    if (name) names.set(name, id);
  }
  if (names.size === 0) return tokenizer.encode(text);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`(${[...names.keys()].sort((a, b) => b.length - a.length).map(escape).join("|")})`);
  const out: number[] = [];
  for (const part of text.split(pattern)) {
    if (part === "") continue;
    const id = names.get(part);
    if (id !== undefined) out.push(id);
    else out.push(...tokenizer.encode(part));
  }
  return Int32Array.from(out);
}
