/**
 * V-GPS for token policies: a token-level Q-function trained offline on
 * logged completions, and decoding that re-ranks sampled candidate tokens by
 * it ("Steering Your Generalists", arXiv 2410.13816, on sequences).
 *
 * The Q-function is a token model whose next-token outputs are the values:
 * Q(s, v) = z_v(s) for the prefix s. It regresses, at every token a
 * completion took, Q(s_t, a_t) on the completion's reward (Monte Carlo, no
 * discount: the reward comes at the end), ½ (Q − R)² averaged over tokens.
 * Decoding (`sampleValueGuided`) draws K candidates from the policy at each
 * step and keeps one drawn from softmax(Q / β) over them (β ≤ 0: the best);
 * K = 1 is plain sampling.
 */
import { adamStep, makeAdamState, type AdamState } from "../optim/adam.js";
import { clipGradNorm, sumOfSquares } from "../optim/clip.js";
import { EpochOrder } from "../data/epoch-order.js";
import { completionLogits } from "../pg/seq/completion-logits.js";
import { Rng } from "../random/rng.js";
import { MetricsLog } from "../run/metrics-log.js";
import { steeredDecode } from "../seq/policies/steered-decode.js";
import type { TokenPolicy } from "../seq/policies/token-policy.js";
import type { Tokenizer } from "../seq/tokenizers/tokenizer.js";
import { valueGuidedProbabilities } from "./value-guided-selection.js";

export interface LoggedCompletion {
  readonly prompt: Int32Array;
  readonly tokens: Int32Array;
  readonly reward: number;
}

export class TokenQ {
  /** One row per training step: loss (½ mean squared error), gradNorm. */
  readonly metricsLog = new MetricsLog();
  private readonly adam: AdamState;
  private steps = 0;

  /** `model`: a token model (a fresh one, or a copy of the policy) whose outputs become the Q-values; trained in place. */
  constructor(
    readonly model: TokenPolicy,
    readonly tokenizer: Tokenizer,
  ) {
    if (!model || typeof model.forward !== "function" || !(model.params instanceof Float32Array)) throw new TypeError("rl.steer.tokenQ: expected a token model");
    if (model.vocabSize !== tokenizer.vocabSize) throw new RangeError(`rl.steer.tokenQ: the model has ${model.vocabSize} outputs, the tokenizer ${tokenizer.vocabSize} tokens`);
    this.adam = makeAdamState(model.params.length);
  }

  /** ½ mean (Q(s_t, a_t) − R)² over every logged token, and (when asked) its gradient in the model's logits layout. */
  private objective(samples: readonly LoggedCompletion[], withGrad: boolean): { loss: number; dLogits: Float32Array | null; logits: Float32Array | Float64Array } {
    const f = completionLogits(this.model, samples, this.tokenizer.pad);
    const V = this.model.vocabSize;
    const dLogits = withGrad ? new Float32Array(f.logits.length) : null;
    let loss = 0;
    const n = f.rows.length;
    let k = 0;
    for (const s of samples) {
      for (let t = 0; t < s.tokens.length; t++, k++) {
        const at = f.rows[k]! * V + f.targets[k]!;
        const d = f.logits[at]! - s.reward;
        loss += (0.5 * d * d) / n;
        if (dLogits) dLogits[at] = dLogits[at]! + d / n;
      }
    }
    return { loss, dLogits, logits: f.logits };
  }

  /** The loss on `samples` without training. */
  loss(samples: readonly LoggedCompletion[]): number {
    return this.objective(samples, false).loss;
  }

  /** Trains by Monte Carlo regression on logged completions; returns the last step's loss. */
  train(samples: readonly LoggedCompletion[], options: { steps: number; batch?: number; lr?: number; seed?: number; maxGradNorm?: number | null }): number {
    const { steps, batch = 64, lr = 1e-3, seed = 0 } = options;
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`tokenQ.train: steps must be a positive integer, got ${String(steps)}`);
    if (!Array.isArray(samples) || samples.length === 0) throw new RangeError("tokenQ.train: no logged completions");
    samples.forEach((s, i) => {
      if (!Number.isFinite(s?.reward)) throw new RangeError(`tokenQ.train: completion ${i} has reward ${String(s?.reward)}, expected a finite number`);
    });
    const order = new EpochOrder(samples.length, Rng.fromSeed(seed));
    const maxNorm = options.maxGradNorm === undefined ? 1 : options.maxGradNorm;
    let loss = NaN;
    for (let s = 0; s < steps; s++) {
      const picked = Array.from(order.next(Math.min(batch, samples.length)), (i) => samples[i]!);
      const m = this.model;
      m.zeroGrads();
      const o = this.objective(picked, true);
      m.backward(o.dLogits!);
      const gradNorm = maxNorm === null ? Math.sqrt(sumOfSquares(m.grads)) : clipGradNorm([m.grads], maxNorm);
      if (!Number.isFinite(o.loss) || !Number.isFinite(gradNorm)) throw new Error(`token Q step ${this.steps + 1}: non-finite loss or gradient (loss ${o.loss}); lower the learning rate`);
      adamStep(m.params, m.grads, this.adam, { lr, weightDecay: 0 });
      this.steps++;
      loss = o.loss;
      this.metricsLog.append({ step: this.steps, loss, gradNorm });
    }
    return loss;
  }
}

/** Decodes `prompts` with V-GPS on tokens (see the module doc); returns each completion's tokens and text. */
export function sampleValueGuided(policy: TokenPolicy, q: TokenQ, tokenizer: Tokenizer, prompts: readonly string[], options: { k: number; beta?: number; maxNewTokens: number; rng: Rng }): { tokens: Int32Array; text: string; finish: "stop" | "length" }[] {
  const { k, beta = 1, maxNewTokens, rng } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`sampleValueGuided: k must be a positive integer, got ${String(k)}`);
  if (!Number.isFinite(beta)) throw new RangeError(`sampleValueGuided: beta must be a finite number, got ${String(beta)}`);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new RangeError(`sampleValueGuided: maxNewTokens must be a positive integer, got ${String(maxNewTokens)}`);
  if (!(q instanceof TokenQ)) throw new TypeError("sampleValueGuided: q must be a TokenQ (rl.steer.tokenQ(...))");
  if (q.model.vocabSize !== policy.vocabSize) throw new RangeError(`sampleValueGuided: the Q-function scores ${q.model.vocabSize} tokens, the policy has ${policy.vocabSize}`);
  const V = policy.vocabSize;
  const p = new Float64Array(V);
  const cand = new Int32Array(k);
  const values = new Float64Array(k);
  const encoded = prompts.map((x) => tokenizer.encode(x));
  const done = steeredDecode(policy, [q.model], encoded, { maxNewTokens, stopToken: tokenizer.eos }, (step) => {
    for (let v = 0; v < V; v++) p[v] = Math.exp(step.logp[v]!);
    for (let c = 0; c < k; c++) cand[c] = rng.categorical(p);
    if (k === 1) return cand[0]!;
    const z = step.companions[0]!;
    for (let c = 0; c < k; c++) values[c] = z.out[z.offset + cand[c]!]!;
    const w = valueGuidedProbabilities(values, beta);
    return cand[beta > 0 ? rng.categorical(w) : w.indexOf(1)]!;
  });
  return done.map((d) => ({ tokens: d.tokens, text: tokenizer.decode(d.finish === "stop" ? d.tokens.subarray(0, d.tokens.length - 1) : d.tokens, { skipSpecial: true }), finish: d.finish }));
}
