/**
 * What the sequence engine, SFT and the samplers need of a token policy (a
 * transformer, a GRU, a fast kernel build of either): next-token logits for a
 * batch of sequences with one backward, its parameters as one flat
 * Float32Array with gradients in the same layout, and an incremental decoder
 * for sampling many sequences at once.
 */
export interface TokenPolicy {
  /** "transformer", "gru", … (saved with the weights). */
  readonly kind: string;
  readonly vocabSize: number;
  /** The most positions a sequence may have (Infinity for a recurrent policy). */
  readonly context: number;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  zeroGrads(): void;
  /** A copy with copied params (grads zero), of the same kind. */
  clone(): TokenPolicy;
  /**
   * Logits `[batch, length, vocab]` for `tokens` `[batch, length]`, position
   * t seeing tokens 0..t of its row; keeps what one {@link backward} needs.
   */
  forward(tokens: Int32Array, batch: number, length: number): Float32Array | Float64Array;
  /**
   * Optional: the logits of sequences that share prefixes, each unique prefix
   * run once (see {@link PrefixedTokens}); equal to {@link forward}'s rows of
   * the same tokens up to float rounding. Keeps what one {@link backward} needs.
   */
  forwardPrefixed?(input: PrefixedTokens): Float32Array | Float64Array;
  /**
   * Accumulates into `grads` the gradient of a loss whose gradient with
   * respect to the last forward's logits (of {@link forward} or
   * {@link forwardPrefixed}, in its layout) is `dLogits`.
   */
  backward(dLogits: ArrayLike<number>): void;
  /** A decoder of `rows` sequences fed in lock step (see {@link TokenDecoder}). */
  decoder(rows: number): TokenDecoder;
}

/**
 * Sequences `prefix ++ suffix` whose prefixes are shared (the prompt of a
 * group of completions), for {@link TokenPolicy.forwardPrefixed}. Its logits
 * are `[prefixTokens.length + suffixTokens.length, vocab]`: row i < P =
 * prefixTokens.length is prefix token i (given its prefix up to it), row
 * P + j is suffix token j (given its sequence's prefix and suffix up to it).
 * A sequence's first token after the prefix is thus predicted by its
 * prefix's last row, shared by every sequence of that prefix.
 */
export interface PrefixedTokens {
  /** The unique prefixes' tokens, back to back. */
  readonly prefixTokens: Int32Array;
  /** prefixes + 1 offsets: prefix p is prefixTokens[prefixStarts[p] .. prefixStarts[p + 1]), at least one token. */
  readonly prefixStarts: Int32Array;
  /** Per sequence, the index of its prefix. */
  readonly sequencePrefix: Int32Array;
  /** The sequences' suffixes, back to back. */
  readonly suffixTokens: Int32Array;
  /** sequences + 1 offsets: sequence s's suffix is suffixTokens[suffixStarts[s] .. suffixStarts[s + 1]), possibly empty. */
  readonly suffixStarts: Int32Array;
}

/**
 * Incremental decoding of `rows` sequences that start together: each
 * {@link step} appends one token to every active row at the same position
 * (the number of steps so far) and writes the next-token logits of those rows.
 * Inference only (keeps nothing for a backward); the logits equal the
 * matching rows of a full {@link TokenPolicy.forward} up to float rounding.
 */
export interface TokenDecoder {
  readonly rows: number;
  /** Tokens fed so far to every row (the position of the next step). */
  readonly position: number;
  /**
   * Feeds `tokens[r]` to each row r with `active[r] = 1` (all rows when
   * `active` is null) and writes their next-token logits into
   * `logits[r·vocab … (r+1)·vocab)`; inactive rows' logits are left as they were.
   */
  step(tokens: Int32Array, active: Uint8Array | null, logits: Float32Array | Float64Array): void;
  /**
   * Optional: row `to` continues from row `from`'s state (the tokens it was
   * fed and what they left, e.g. its KV cache), as if it had been fed the same
   * tokens; its next logits then equal what feeding them would have given.
   * Samplers use it to run a prompt shared by a group once.
   */
  share?(from: number, to: number): void;
  /**
   * Optional: the decoder is done; what it holds (a fast decoder's wasm
   * memory) may go to the policy's next decoder. Later calls throw.
   */
  close?(): void;
}

/**
 * Throws the RangeError a {@link TokenPolicy.forward} gives for a bad call:
 * batch and length positive integers, length ≤ context, `tokens` an
 * Int32Array of batch·length ids in [0, vocab).
 */
export function checkForwardTokens(tokens: Int32Array, batch: number, length: number, context: number, vocab: number): void {
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(length) || length < 1) {
    throw new RangeError(`forward: batch and length must be positive integers, got ${batch} and ${length}`);
  }
  if (length > context) throw new RangeError(`forward: length ${length} exceeds the context of ${context} positions`);
  if (!(tokens instanceof Int32Array) || tokens.length !== batch * length) {
    throw new RangeError(`forward: expected an Int32Array of ${batch}·${length} = ${batch * length} tokens, got ${(tokens as { length?: unknown } | null)?.length}`);
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!(t >= 0 && t < vocab)) throw new RangeError(`forward: token ${t} at index ${i} is outside the vocabulary [0, ${vocab})`);
  }
}

/** Throws the RangeError a {@link TokenDecoder.share} gives for rows outside [0, rows). */
export function checkShareRows(from: number, to: number, rows: number): void {
  if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to >= 0 && from < rows && to < rows)) throw new RangeError(`decoder.share: rows must be integers in [0, ${rows}), got ${from} and ${to}`);
}
