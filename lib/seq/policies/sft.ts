/**
 * Supervised fine-tuning of a token policy on (prompt, completion) pairs,
 * the loss on the completion's tokens only (and its end token): the usual way
 * to make the initial policy that RL then improves.
 *
 *   L = −(1/M) Σ_{(b,t) ∈ completion} log π(x_{b,t+1} | x_{b,≤t})
 *
 * over the M completion targets of the batch (positions of the prompt and of
 * the padding do not count).
 */
import { adamStep, makeAdamState, type AdamState } from "../../optim/adam.js";
import { clipGradNorm, sumOfSquares } from "../../optim/clip.js";
import type { Tokenizer } from "../tokenizers/index.js";
import { logSoftmax } from "./logprobs.js";
import type { TokenPolicy } from "./token-policy.js";

/** A padded batch of sequences and which next-token predictions are trained. */
export interface SftBatch {
  readonly tokens: Int32Array;
  readonly batch: number;
  readonly length: number;
  /** [batch, length]: 1 where position t's prediction of token t + 1 is a completion target. */
  readonly targets: Uint8Array;
}

/**
 * Encodes pairs as `bos? prompt completion eos`, right-padded with the pad
 * token to the longest; the targets are the completion's tokens and the eos.
 * Throws when a pair does not fit in `context` tokens (naming it).
 */
export function sftBatch(tokenizer: Tokenizer, pairs: readonly { readonly prompt: string; readonly completion: string }[], context: number, options: { bos?: boolean } = {}): SftBatch {
  if (pairs.length === 0) throw new RangeError("sftBatch: no (prompt, completion) pairs");
  const rows = pairs.map((pair, i) => {
    if (typeof pair?.prompt !== "string" || typeof pair?.completion !== "string") throw new TypeError(`sftBatch: pair ${i}: expected { prompt: string, completion: string }`);
    const prompt = tokenizer.encode(pair.prompt, { bos: options.bos ?? false });
    const completion = tokenizer.encode(pair.completion, { eos: true });
    if (prompt.length === 0) throw new RangeError(`sftBatch: pair ${i}: the prompt encodes to no tokens (a completion needs a token to follow)`);
    if (prompt.length + completion.length > context) throw new RangeError(`sftBatch: pair ${i} is ${prompt.length + completion.length} tokens, more than the context of ${context}`);
    return { prompt, completion };
  });
  const length = Math.max(...rows.map((r) => r.prompt.length + r.completion.length));
  const tokens = new Int32Array(pairs.length * length).fill(tokenizer.pad);
  const targets = new Uint8Array(pairs.length * length);
  rows.forEach((r, b) => {
    tokens.set(r.prompt, b * length);
    tokens.set(r.completion, b * length + r.prompt.length);
    // Position t predicts token t + 1: the completion's tokens are predicted from positions prompt.length − 1 …
    for (let k = 0; k < r.completion.length; k++) targets[b * length + r.prompt.length - 1 + k] = 1;
  });
  return { tokens, batch: pairs.length, length, targets };
}

/** The SFT loss of `batch` and its gradient with respect to the logits (zero off the targets). */
export function sftLoss(logits: Float32Array | Float64Array, batch: SftBatch, vocab: number): { loss: number; dLogits: Float64Array; targets: number } {
  const { tokens, length, targets } = batch;
  const dLogits = new Float64Array(logits.length);
  const lp = new Float64Array(vocab);
  let m = 0;
  for (let i = 0; i < targets.length; i++) m += targets[i]!;
  if (m === 0) throw new RangeError("sftLoss: the batch has no completion targets");
  let loss = 0;
  for (let b = 0; b < batch.batch; b++) {
    for (let t = 0; t < length - 1; t++) {
      const i = b * length + t;
      if (!targets[i]) continue;
      const o = i * vocab;
      logSoftmax(logits, o, vocab, 1, lp);
      const y = tokens[i + 1]!;
      loss -= lp[y]!;
      for (let v = 0; v < vocab; v++) dLogits[o + v] = Math.exp(lp[v]!) / m;
      dLogits[o + y] = dLogits[o + y]! - 1 / m;
    }
  }
  return { loss: loss / m, dLogits, targets: m };
}

/** Adam on a token policy's parameters by the SFT loss, with global gradient clipping. */
export class SftTrainer {
  readonly state: AdamState;
  steps = 0;

  constructor(
    readonly model: TokenPolicy,
    readonly options: { readonly lr?: number; readonly maxGradNorm?: number | null; readonly weightDecay?: number } = {},
  ) {
    this.state = makeAdamState(model.params.length);
  }

  /** One step on `batch`; returns the loss before the step and the gradient norm before clipping. */
  step(batch: SftBatch): { loss: number; gradNorm: number } {
    const m = this.model;
    m.zeroGrads();
    const logits = m.forward(batch.tokens, batch.batch, batch.length);
    const { loss, dLogits } = sftLoss(logits, batch, m.vocabSize);
    m.backward(dLogits);
    const maxNorm = this.options.maxGradNorm === undefined ? 1 : this.options.maxGradNorm;
    const gradNorm = maxNorm === null ? Math.sqrt(sumOfSquares(m.grads)) : clipGradNorm([m.grads], maxNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new Error(`SFT step ${this.steps + 1}: non-finite loss or gradient (loss ${loss}); lower the learning rate`);
    adamStep(m.params, m.grads, this.state, { lr: this.options.lr ?? 1e-3, weightDecay: this.options.weightDecay ?? 0 });
    this.steps++;
    return { loss, gradNorm };
  }
}
