/** Sequences (prompt + completion) laid out for one forward pass, and where their completion tokens are scored. */
export interface PackedSequences {
  /** `[batch, length]` token ids, right-padded. */
  readonly tokens: Int32Array;
  readonly batch: number;
  readonly length: number;
  /**
   * Per completion token, in sequence order then token order: the flat index
   * b·length + t of the position that predicts it (t = prompt length − 1 + k
   * for the k-th completion token).
   */
  readonly positions: Int32Array;
}

/** Packs `prompt ++ completion` rows, padding with `pad`; only the completions' tokens are scored. */
export function packSequences(rows: readonly { readonly prompt: Int32Array; readonly tokens: Int32Array }[], pad: number): PackedSequences {
  let length = 1;
  let scored = 0;
  for (const r of rows) {
    length = Math.max(length, r.prompt.length + r.tokens.length);
    scored += r.tokens.length;
  }
  const tokens = new Int32Array(rows.length * length).fill(pad);
  const positions = new Int32Array(scored);
  let k = 0;
  rows.forEach((r, b) => {
    tokens.set(r.prompt, b * length);
    tokens.set(r.tokens, b * length + r.prompt.length);
    for (let j = 0; j < r.tokens.length; j++) positions[k++] = b * length + r.prompt.length - 1 + j;
  });
  return { tokens, batch: rows.length, length, positions };
}
