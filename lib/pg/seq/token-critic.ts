import { adamStep, makeAdamState, type AdamState } from "../../optim/adam.js";
import { clipGradNorm, sumOfSquares } from "../../optim/clip.js";
import type { TokenPolicy } from "../../seq/policies/token-policy.js";
import { completionLogits } from "./completion-logits.js";

/** What the critic reads of a completion: its prompt and tokens. */
export interface CriticSequence {
  readonly prompt: Int32Array;
  readonly tokens: Int32Array;
}

/**
 * A value head over tokens for RLHF-style PPO (PPO-max): a copy of the token
 * policy (any kind: transformer, GRU, a loaded model) whose next-token
 * logits z(s) feed a linear head, V(s) = w·z(s) + b. The copy starts from the
 * policy's weights (PPO-max initializes the critic from a trained model: the
 * reward model there, the SFT policy here) and the head at zero, so V starts
 * at 0 and the first updates move the head before the body. A head on the
 * logits needs nothing of a policy's parameter layout; it costs one
 * vocabulary-sized dot product per token.
 *
 * V of completion token t is the value of the state before it (the prompt
 * and tokens 0..t−1), read from the row that predicts token t.
 */
export class TokenCritic {
  readonly body: TokenPolicy;
  /** w (vocabSize values) then b. */
  readonly head: Float32Array;
  readonly headGrads: Float32Array;
  readonly bodyAdam: AdamState;
  readonly headAdam: AdamState;
  private last: { logits: ArrayLike<number>; rows: Int32Array } | null = null;

  constructor(policy: TokenPolicy) {
    this.body = policy.clone();
    this.head = new Float32Array(policy.vocabSize + 1);
    this.headGrads = new Float32Array(policy.vocabSize + 1);
    this.bodyAdam = makeAdamState(this.body.params.length);
    this.headAdam = makeAdamState(this.head.length);
  }

  /** V of every completion token of `sequences`, in sequence then token order; keeps what one {@link backward} needs. */
  values(sequences: readonly CriticSequence[], pad: number): Float32Array {
    const { logits, rows } = completionLogits(this.body, sequences, pad);
    const V = this.body.vocabSize;
    const w = this.head;
    const b = w[V]!;
    const out = new Float32Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const at = rows[i]! * V;
      let s = b;
      for (let j = 0; j < V; j++) s += w[j]! * logits[at + j]!;
      out[i] = s;
    }
    this.last = { logits, rows };
    return out;
  }

  /** Adds to the body's and head's gradients those of a loss whose gradient with respect to the last {@link values} is `dValues`. */
  backward(dValues: ArrayLike<number>): void {
    if (!this.last) throw new Error("TokenCritic.backward needs a values() call before it");
    const { logits, rows } = this.last;
    const V = this.body.vocabSize;
    const w = this.head;
    const g = this.headGrads;
    const dLogits = new Float32Array(logits.length);
    for (let i = 0; i < rows.length; i++) {
      const d = dValues[i]!;
      if (d === 0) continue;
      const at = rows[i]! * V;
      for (let j = 0; j < V; j++) {
        // rows may repeat (a shared prompt's last row): gradients add up
        dLogits[at + j] = dLogits[at + j]! + d * w[j]!;
        g[j] = g[j]! + d * logits[at + j]!;
      }
      g[V] = g[V]! + d;
    }
    this.body.backward(dLogits);
    this.last = null;
  }

  zeroGrads(): void {
    this.body.zeroGrads();
    this.headGrads.fill(0);
  }

  /** One Adam step of body and head on their gradients, clipped jointly to `maxGradNorm` (null: not clipped); returns the norm before clipping. */
  step(lr: number, eps: number, maxGradNorm: number | null): number {
    const grads = [this.body.grads, this.headGrads];
    const norm = maxGradNorm === null ? Math.sqrt(sumOfSquares(this.body.grads) + sumOfSquares(this.headGrads)) : clipGradNorm(grads, maxGradNorm);
    if (!Number.isFinite(norm)) return norm;
    adamStep(this.body.params, this.body.grads, this.bodyAdam, { lr, eps });
    adamStep(this.head, this.headGrads, this.headAdam, { lr, eps });
    return norm;
  }

  /** Params and Adam moments, as a checkpoint's arrays (the step count is `adamT`). */
  toArrays(): { arrays: Record<string, Float32Array>; adamT: number } {
    return {
      arrays: {
        criticParams: this.body.params.slice(),
        criticHead: this.head.slice(),
        criticAdamM: this.bodyAdam.m.slice(),
        criticAdamV: this.bodyAdam.v.slice(),
        criticHeadAdamM: this.headAdam.m.slice(),
        criticHeadAdamV: this.headAdam.v.slice(),
      },
      adamT: this.bodyAdam.t,
    };
  }

  /** Restores what {@link toArrays} saved; a clear error names a missing or mis-sized array. */
  loadArrays(arrays: Record<string, Float32Array | undefined>, adamT: unknown): void {
    const sizes: Record<string, number> = {
      criticParams: this.body.params.length,
      criticHead: this.head.length,
      criticAdamM: this.body.params.length,
      criticAdamV: this.body.params.length,
      criticHeadAdamM: this.head.length,
      criticHeadAdamV: this.head.length,
    };
    for (const [name, size] of Object.entries(sizes)) {
      const a = arrays[name];
      if (!(a instanceof Float32Array) || a.length !== size) throw new RangeError(`sequence learner state: the run has a token critic (rl.adv.tokenGae()), so ${name} must hold ${size} float32 values, got ${a?.length}`);
    }
    if (!Number.isInteger(adamT) || (adamT as number) < 0) throw new RangeError(`sequence learner state: criticAdamT must be an integer ≥ 0, got ${JSON.stringify(adamT)}`);
    this.body.params.set(arrays.criticParams!);
    this.head.set(arrays.criticHead!);
    this.bodyAdam.m.set(arrays.criticAdamM!);
    this.bodyAdam.v.set(arrays.criticAdamV!);
    this.headAdam.m.set(arrays.criticHeadAdamM!);
    this.headAdam.v.set(arrays.criticHeadAdamV!);
    this.bodyAdam.t = adamT as number;
    this.headAdam.t = adamT as number;
  }
}
