/**
 * Per-token log-probabilities and entropies of a policy's next-token
 * distributions, for RL losses. Position t of a row predicts token t + 1, so
 * a `[batch, length]` token batch gives `[batch, length − 1]` values; with a
 * temperature τ the distribution is softmax(logits / τ), the one
 * {@link sample} draws from and reports.
 */
export interface TokenLogProbs {
  /** [batch, length − 1]: log π(tokens[b, t + 1] | tokens[b, ≤ t]). */
  logp: Float64Array;
  /** [batch, length − 1]: entropy of π(· | tokens[b, ≤ t]) in nats. */
  entropy: Float64Array;
}

function check(logits: ArrayLike<number>, tokens: Int32Array, batch: number, length: number, vocab: number, temperature: number): void {
  if (!(Number.isInteger(batch) && batch >= 1 && Number.isInteger(length) && length >= 2 && Number.isInteger(vocab) && vocab >= 1)) {
    throw new RangeError(`tokenLogProbs: need integers batch ≥ 1, length ≥ 2, vocab ≥ 1, got ${batch}, ${length}, ${vocab}`);
  }
  if (logits.length !== batch * length * vocab) throw new RangeError(`tokenLogProbs: expected ${batch * length * vocab} logits, got ${logits.length}`);
  if (tokens.length !== batch * length) throw new RangeError(`tokenLogProbs: expected ${batch * length} tokens, got ${tokens.length}`);
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`tokenLogProbs: temperature must be a positive finite number, got ${temperature}`);
}

/** log-softmax of logits[o .. o + V) / τ into `out` (length V); returns nothing. */
export function logSoftmax(logits: ArrayLike<number>, o: number, V: number, temperature: number, out: Float64Array): void {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[o + v]! / temperature);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[o + v]! / temperature - max);
  const lse = max + Math.log(sum);
  for (let v = 0; v < V; v++) out[v] = logits[o + v]! / temperature - lse;
}

/** Entropy −Σ p log p of a distribution given by its log-probabilities. */
export function entropyOf(logp: Float64Array, V: number): number {
  let h = 0;
  for (let v = 0; v < V; v++) {
    const lp = logp[v]!;
    if (lp > -Infinity) h -= Math.exp(lp) * lp;
  }
  return h;
}

/** {@link entropyOf} given also p = exp(logp) (the same bits, without the exps). */
export function entropyOfProbs(p: Float64Array, logp: Float64Array, V: number): number {
  let h = 0;
  for (let v = 0; v < V; v++) {
    const lp = logp[v]!;
    if (lp > -Infinity) h -= p[v]! * lp;
  }
  return h;
}

/** {@link TokenLogProbs} of `tokens` under `logits` `[batch, length, vocab]` (e.g. {@link Transformer.forward}'s). */
export function tokenLogProbs(logits: ArrayLike<number>, tokens: Int32Array, batch: number, length: number, vocab: number, temperature = 1): TokenLogProbs {
  check(logits, tokens, batch, length, vocab, temperature);
  const T = length - 1;
  const logp = new Float64Array(batch * T);
  const entropy = new Float64Array(batch * T);
  const lp = new Float64Array(vocab);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T; t++) {
      logSoftmax(logits, (b * length + t) * vocab, vocab, temperature, lp);
      const next = tokens[b * length + t + 1]!;
      if (!(next >= 0 && next < vocab)) throw new RangeError(`tokenLogProbs: token ${next} is outside the vocabulary [0, ${vocab})`);
      logp[b * T + t] = lp[next]!;
      entropy[b * T + t] = entropyOf(lp, vocab);
    }
  }
  return { logp, entropy };
}

/**
 * The gradient with respect to the logits `[batch, length, vocab]` of
 * Σ dLogp·logp + Σ dEntropy·entropy (either may be null), for
 * {@link Transformer.backward}. With z = logits/τ and p = softmax(z):
 * ∂logp_y/∂z_j = 1[j = y] − p_j, ∂H/∂z_j = −p_j (log p_j + H), then ÷ τ.
 * The last position of each row gets 0.
 */
export function tokenLogProbsBackward(
  logits: ArrayLike<number>, tokens: Int32Array, batch: number, length: number, vocab: number,
  dLogp: ArrayLike<number> | null, dEntropy: ArrayLike<number> | null, temperature = 1,
): Float64Array {
  check(logits, tokens, batch, length, vocab, temperature);
  const T = length - 1;
  for (const [name, d] of [["dLogp", dLogp], ["dEntropy", dEntropy]] as const) {
    if (d !== null && d.length !== batch * T) throw new RangeError(`tokenLogProbsBackward: ${name} must have batch·(length − 1) = ${batch * T} values, got ${d.length}`);
  }
  const dLogits = new Float64Array(batch * length * vocab);
  const lp = new Float64Array(vocab);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * length + t) * vocab;
      const gl = dLogp === null ? 0 : dLogp[b * T + t]!;
      const ge = dEntropy === null ? 0 : dEntropy[b * T + t]!;
      if (gl === 0 && ge === 0) continue;
      logSoftmax(logits, o, vocab, temperature, lp);
      const H = ge === 0 ? 0 : entropyOf(lp, vocab);
      const next = tokens[b * length + t + 1]!;
      for (let v = 0; v < vocab; v++) {
        const pv = Math.exp(lp[v]!);
        let d = -gl * pv;
        if (ge !== 0 && pv > 0) d -= ge * pv * (lp[v]! + H);
        dLogits[o + v] = d / temperature;
      }
      dLogits[o + next] += gl / temperature;
    }
  }
  return dLogits;
}

/**
 * {@link tokenLogProbs} at chosen positions only: `positions[i]` is a flat
 * index b·length + t into the `[batch, length]` token grid, whose next token
 * `tokens[positions[i] + 1]` is scored. Writes log π_τ and the entropy of row
 * i into `logp[i]` and `entropy[i]`.
 */
export function gatherTokenLogProbs(
  logits: ArrayLike<number>, tokens: Int32Array, positions: Int32Array, vocab: number, temperature: number,
  logp: Float32Array, entropy: Float32Array,
): void {
  gatherLogProbs(logits, positions, nextTokens(tokens, positions), vocab, temperature, logp, entropy);
}

/** The backward of {@link gatherTokenLogProbs}; see {@link gatherLogProbsBackward}. */
export function gatherTokenLogProbsBackward(
  logits: ArrayLike<number>, tokens: Int32Array, positions: Int32Array, vocab: number, temperature: number,
  dLogp: Float32Array, dEntropy: number | Float32Array, dLogits: Float32Array | Float64Array,
): void {
  gatherLogProbsBackward(logits, positions, nextTokens(tokens, positions), vocab, temperature, dLogp, dEntropy, dLogits);
}

function nextTokens(tokens: Int32Array, positions: Int32Array): Int32Array {
  return Int32Array.from(positions, (at) => tokens[at + 1]!);
}

/**
 * Log-probabilities of chosen tokens under chosen logit rows: writes log π_τ
 * of `targets[i]` under row `rows[i]` of `logits` `[rows, vocab]`, and that
 * row's entropy, into `logp[i]` and `entropy[i]`. Rows may repeat (a shared
 * prefix's last row predicts every sequence's first token).
 */
export function gatherLogProbs(
  logits: ArrayLike<number>, rows: Int32Array, targets: Int32Array, vocab: number, temperature: number,
  logp: Float32Array, entropy: Float32Array,
): void {
  const lp = new Float64Array(vocab);
  for (let i = 0; i < rows.length; i++) {
    logSoftmax(logits, rows[i]! * vocab, vocab, temperature, lp);
    logp[i] = lp[targets[i]!]!;
    entropy[i] = entropyOf(lp, vocab);
  }
}

/**
 * The backward of {@link gatherLogProbs}: adds into `dLogits` (the logits'
 * layout) the gradient of Σ_i dLogp[i]·logp[i] + dEntropy_i·entropy[i],
 * where dEntropy is one number for every row or one per row (a repeated row
 * gets the sum of its entries' gradients).
 */
export function gatherLogProbsBackward(
  logits: ArrayLike<number>, rows: Int32Array, targets: Int32Array, vocab: number, temperature: number,
  dLogp: Float32Array, dEntropy: number | Float32Array, dLogits: Float32Array | Float64Array,
): void {
  const lp = new Float64Array(vocab);
  for (let i = 0; i < rows.length; i++) {
    const gl = dLogp[i]!;
    const ge = typeof dEntropy === "number" ? dEntropy : dEntropy[i]!;
    if (gl === 0 && ge === 0) continue;
    const o = rows[i]! * vocab;
    logSoftmax(logits, o, vocab, temperature, lp);
    const H = ge === 0 ? 0 : entropyOf(lp, vocab);
    for (let v = 0; v < vocab; v++) {
      const pv = Math.exp(lp[v]!);
      let d = -gl * pv;
      if (ge !== 0 && pv > 0) d -= ge * pv * (lp[v]! + H);
      dLogits[o + v] += d / temperature;
    }
    dLogits[o + targets[i]!] += gl / temperature;
  }
}
