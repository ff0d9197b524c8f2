/**
 * RLG's sampler for token policies (Reinforcement Learning Guidance, arXiv
 * 2508.21016): a policy that samples from the geometric mixture
 * π_base^(1−w) π_tuned^w of a base policy and its RL-tuned version, its
 * logits (1 − w) z_base + w z_tuned at every step ({@link guidanceMix}).
 * For a KL-regularized optimum π_base e^{R/β} the mixture is the optimum at
 * β / w, so w moves along the reward–KL trade-off without retraining.
 *
 * ```ts
 * const guided = rl.steer.guided(sft, grpoRun.policy, { w: 1.5 });
 * rl.preferences.fromTask(guided, tokenizer, task, { … });   // or any sampler
 * ```
 *
 * Inference only: it has no parameters of its own to train (`backward`
 * throws; `params` is empty).
 */
import type { PrefixedTokens, TokenDecoder, TokenPolicy } from "../seq/policies/token-policy.js";
import { guidanceMix } from "./guidance-mix.js";

export class GuidedPolicy implements TokenPolicy {
  readonly kind = "guided";
  readonly vocabSize: number;
  readonly context: number;
  readonly params = new Float32Array(0);
  readonly grads = new Float32Array(0);

  constructor(
    readonly base: TokenPolicy,
    readonly tuned: TokenPolicy,
    /** The guidance scale: 0 samples the base, 1 the tuned policy, above 1 extrapolates. */
    readonly w: number,
  ) {
    const isPolicy = (x: unknown) => x !== null && typeof x === "object" && typeof (x as TokenPolicy).decoder === "function" && typeof (x as TokenPolicy).forward === "function";
    if (!isPolicy(base) || !isPolicy(tuned)) throw new TypeError("rl.steer.guided(base, tuned, { w }): base and tuned must be token policies");
    if (base.vocabSize !== tuned.vocabSize) throw new RangeError(`rl.steer.guided: the base policy has ${base.vocabSize} tokens, the tuned one ${tuned.vocabSize}: they must share a vocabulary`);
    if (typeof w !== "number" || !Number.isFinite(w)) throw new RangeError(`rl.steer.guided: w must be a finite number, got ${String(w)}`);
    this.vocabSize = base.vocabSize;
    this.context = Math.min(base.context, tuned.context);
  }

  zeroGrads(): void {}

  clone(): GuidedPolicy {
    return new GuidedPolicy(this.base.clone(), this.tuned.clone(), this.w);
  }

  forward(tokens: Int32Array, batch: number, length: number): Float64Array {
    const z = this.base.forward(tokens, batch, length);
    return guidanceMix(z, this.tuned.forward(tokens, batch, length), this.w) as Float64Array;
  }

  forwardPrefixed(input: PrefixedTokens): Float64Array {
    const mix = (p: TokenPolicy) => (p.forwardPrefixed ? p.forwardPrefixed(input) : undefined);
    const a = mix(this.base);
    const b = mix(this.tuned);
    if (!a || !b) throw new Error("rl.steer.guided: forwardPrefixed needs both policies to have it");
    return guidanceMix(a, b, this.w) as Float64Array;
  }

  backward(): void {
    throw new Error("a guided policy (rl.steer.guided) only samples: train the tuned policy instead");
  }

  decoder(rows: number): TokenDecoder {
    const a = this.base.decoder(rows);
    const b = this.tuned.decoder(rows);
    const za = new Float64Array(rows * this.vocabSize);
    const zb = new Float64Array(rows * this.vocabSize);
    const V = this.vocabSize;
    const w = this.w;
    return {
      rows,
      get position() {
        return a.position;
      },
      step(tokens, active, logits) {
        a.step(tokens, active, za);
        b.step(tokens, active, zb);
        for (let r = 0; r < rows; r++) {
          if (active && !active[r]) continue;
          for (let v = r * V; v < (r + 1) * V; v++) logits[v] = za[v]! + w * (zb[v]! - za[v]!);
        }
      },
      ...(a.share && b.share
        ? {
            share(from: number, to: number) {
              a.share!(from, to);
              b.share!(from, to);
            },
          }
        : {}),
      close() {
        a.close?.();
        b.close?.();
      },
    };
  }
}
