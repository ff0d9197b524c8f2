/**
 * Budget guidance's length predictor for token policies: a small
 * transformer that reads the prompt and the completion so far and gives, for
 * every candidate next token v, the Gamma(α_v, λ_v) distribution of the
 * thinking length that would remain if v were chosen (on y = log(L + 1)).
 * Its output layer has 2V rows: α_v = softplus(z_v), λ_v = softplus(z_{V+v})
 * (plus a floor). The paper's predictor reads the LLM's hidden states; this
 * one reads the tokens, so it works beside any token policy.
 *
 * Thinking is the completion's first segment: it ends with the first token
 * of `endTokens` (included; e.g. ";" after a scratchpad, or a mark that
 * starts a direct answer). L counts the tokens from the chosen one to that
 * end, both included (so L ≥ 1).
 */
import { adamStep, makeAdamState, type AdamState } from "../../optim/adam.js";
import { clipGradNorm, sumOfSquares } from "../../optim/clip.js";
import { packSequences } from "../../pg/seq/pack.js";
import { EpochOrder } from "../../data/epoch-order.js";
import { Rng } from "../../random/rng.js";
import { MetricsLog } from "../../run/metrics-log.js";
import { tokenPolicy } from "../../seq/policies/make.js";
import type { TokenPolicy } from "../../seq/policies/token-policy.js";
import type { Tokenizer } from "../../seq/tokenizers/tokenizer.js";
import { gammaLengthNll } from "./gamma-length.js";

/** The floor added to α and λ (both must stay > 0). */
const FLOOR = 1e-3;

export const softplus = (z: number): number => (z > 20 ? z : Math.log1p(Math.exp(z)));
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The index of a completion's thinking end (the first of `ends`), or −1 when it never ends. */
export function thinkingEnd(tokens: ArrayLike<number>, ends: ReadonlySet<number>): number {
  for (let j = 0; j < tokens.length; j++) if (ends.has(tokens[j]!)) return j;
  return -1;
}

export interface PredictorConfig {
  readonly layers?: number;
  readonly dModel?: number;
  readonly heads?: number;
  readonly mlpHidden?: number;
  /** The most tokens of prompt + completion. */
  readonly context: number;
}

export class BudgetPredictor {
  readonly backbone: TokenPolicy;
  readonly ends: ReadonlySet<number>;
  /** One row per training step: loss (mean Gamma NLL), gradNorm. */
  readonly metricsLog = new MetricsLog();
  private readonly adam: AdamState;
  private steps = 0;

  constructor(
    readonly tokenizer: Tokenizer,
    options: { endTokens: readonly string[]; config: PredictorConfig; seed?: number },
  ) {
    const { endTokens, config, seed = 0 } = options ?? ({} as never);
    if (!Array.isArray(endTokens) || endTokens.length === 0) throw new TypeError("budgetPredictor: endTokens must name the tokens that end thinking, e.g. [\";\"]");
    this.ends = new Set(
      endTokens.map((t) => {
        const id = tokenizer.tokenToId(t);
        if (id === undefined) throw new RangeError(`budgetPredictor: the end token ${JSON.stringify(t)} is not in the tokenizer's vocabulary`);
        return id;
      }),
    );
    const V = tokenizer.vocabSize;
    this.backbone = tokenPolicy("transformer", { vocabSize: 2 * V, layers: config?.layers ?? 2, dModel: config?.dModel ?? 32, heads: config?.heads ?? 2, mlpHidden: config?.mlpHidden ?? 64, context: config?.context }, { seed });
    this.adam = makeAdamState(this.backbone.params.length);
  }

  get vocabSize(): number {
    return this.tokenizer.vocabSize;
  }

  /** (α, λ) of every candidate token from one output row `z` (2V values) at offset `o`. */
  gammaParams(z: ArrayLike<number>, o: number, alpha: Float64Array, lambda: Float64Array): void {
    const V = this.vocabSize;
    for (let v = 0; v < V; v++) {
      alpha[v] = softplus(z[o + v]!) + FLOOR;
      lambda[v] = softplus(z[o + V + v]!) + FLOOR;
    }
  }

  /**
   * Trains on completions a policy sampled (prompt and completion token ids):
   * at every thinking position, the Gamma NLL of the actual remaining length
   * under the (α, λ) of the token actually chosen. Completions whose thinking
   * never ends are skipped. Returns the last step's loss.
   */
  train(samples: readonly { readonly prompt: Int32Array; readonly tokens: Int32Array }[], options: { steps: number; batch?: number; lr?: number; seed?: number; maxGradNorm?: number | null }): number {
    const { steps, batch = 64, lr = 1e-3, seed = 0 } = options;
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`budgetPredictor.train: steps must be a positive integer, got ${String(steps)}`);
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`budgetPredictor.train: batch must be a positive integer, got ${String(batch)}`);
    const usable = samples.filter((s) => thinkingEnd(s.tokens, this.ends) >= 0);
    if (usable.length === 0) throw new RangeError("budgetPredictor.train: no completion ends its thinking (none has an end token)");
    const order = new EpochOrder(usable.length, Rng.fromSeed(seed));
    const maxNorm = options.maxGradNorm === undefined ? 1 : options.maxGradNorm;
    let loss = NaN;
    for (let s = 0; s < steps; s++) {
      const picked = Array.from(order.next(Math.min(batch, usable.length)), (i) => usable[i]!);
      loss = this.step(picked, lr, maxNorm);
    }
    return loss;
  }

  /** The mean Gamma NLL over every thinking position of `samples` (no training). */
  loss(samples: readonly { readonly prompt: Int32Array; readonly tokens: Int32Array }[]): number {
    const usable = samples.filter((s) => thinkingEnd(s.tokens, this.ends) >= 0);
    return this.objective(usable, null).loss;
  }

  private step(samples: readonly { readonly prompt: Int32Array; readonly tokens: Int32Array }[], lr: number, maxNorm: number | null): number {
    const b = this.backbone;
    b.zeroGrads();
    const { loss, dLogits } = this.objective(samples, true);
    b.backward(dLogits!);
    const gradNorm = maxNorm === null ? Math.sqrt(sumOfSquares(b.grads)) : clipGradNorm([b.grads], maxNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new Error(`budget predictor step ${this.steps + 1}: non-finite loss or gradient (loss ${loss}); lower the learning rate`);
    adamStep(b.params, b.grads, this.adam, { lr, weightDecay: 0 });
    this.steps++;
    this.metricsLog.append({ step: this.steps, loss, gradNorm });
    return loss;
  }

  /** The mean NLL over thinking positions and, when asked, its gradient with respect to the backbone's logits. */
  private objective(samples: readonly { readonly prompt: Int32Array; readonly tokens: Int32Array }[], withGrad: true | null): { loss: number; dLogits: Float32Array | null } {
    const V = this.vocabSize;
    const W = 2 * V;
    const pack = packSequences(samples, this.tokenizer.pad);
    const z = this.backbone.forward(pack.tokens, pack.batch, pack.length);
    const targets: { row: number; v: number; y: number }[] = [];
    let k = 0;
    samples.forEach((s) => {
      const end = thinkingEnd(s.tokens, this.ends);
      for (let j = 0; j < s.tokens.length; j++, k++) if (j <= end) targets.push({ row: pack.positions[k]!, v: s.tokens[j]!, y: Math.log(end - j + 2) });
    });
    const dLogits = withGrad ? new Float32Array(z.length) : null;
    let loss = 0;
    for (const t of targets) {
      const o = t.row * W;
      const za = z[o + t.v]!;
      const zl = z[o + V + t.v]!;
      const g = gammaLengthNll(t.y, softplus(za) + FLOOR, softplus(zl) + FLOOR);
      loss += g.nll / targets.length;
      if (dLogits) {
        dLogits[o + t.v] = dLogits[o + t.v]! + (g.dAlpha * sigmoid(za)) / targets.length;
        dLogits[o + V + t.v] = dLogits[o + V + t.v]! + (g.dLambda * sigmoid(zl)) / targets.length;
      }
    }
    return { loss, dLogits };
  }
}
