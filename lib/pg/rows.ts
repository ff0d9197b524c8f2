/**
 * What the engine hands a loss term for one minibatch: the network's outputs
 * on its rows (log-probabilities, entropies, values) beside what the batch
 * recorded (behavior log-probabilities and values, advantages, returns, the
 * reference policy's log-probabilities), and where the term adds its
 * gradients with respect to those outputs.
 */
export interface TermRows {
  readonly size: number;
  /** log π_θ(a|s) under the current parameters. */
  readonly logp: Float32Array;
  /** H[π_θ(·|s)]. */
  readonly entropy: Float32Array;
  /** V_θ(s). */
  readonly values: Float32Array;
  /** log π_old(a|s) of the policy that acted. */
  readonly oldLogp: Float32Array;
  /** V_old(s) recorded when acting. */
  readonly oldValues: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** log π_ref(a|s) when the run has a reference policy. */
  readonly refLogp?: Float32Array;
  /**
   * 1 where the row's token was not sampled by π_old in the context it is
   * trained in (guidance: a hint's tokens trained without the hint, teacher
   * tokens): its `oldLogp` is the behavior's, in another context. Read by
   * `rl.loss.offPolicy()`; the clipped surrogate leaves these rows out.
   */
  readonly offPolicy?: Uint8Array;
  /** The episode or sequence of each row (equal ids: one segment), for terms that read whole sequences. */
  readonly segments?: Int32Array;
}

/**
 * How per-row terms become one scalar over a minibatch: a uniform divisor
 * (mean over rows: divisor = rows; sum over a constant: divisor = C), or a
 * weight per row (mean over episodes/sequences of their means).
 */
export type Aggregate = { readonly divisor: number; readonly weights: null } | { readonly divisor: null; readonly weights: Float64Array };

/**
 * Gradients of the loss with respect to the network outputs of one
 * minibatch, summed over the terms. Zeroed before the first term adds to
 * them; the entropy gradient stays one number while every term adds a
 * uniform one (the fast path of the policy's backward).
 */
export class OutputGrads {
  dLogp = new Float32Array(0);
  dValue = new Float32Array(0);
  private entropyRows = new Float32Array(0);
  private entropyUniform = 0;
  private rowsUsed = false;
  private size = 0;

  /** Zeroes the gradients of `size` rows. */
  reset(size: number): void {
    if (this.dLogp.length < size) {
      this.dLogp = new Float32Array(size);
      this.dValue = new Float32Array(size);
      this.entropyRows = new Float32Array(size);
    }
    this.size = size;
    this.dLogp.fill(0, 0, size);
    this.dValue.fill(0, 0, size);
    this.entropyUniform = 0;
    this.rowsUsed = false;
  }

  /** Adds the same d loss / d H to every row. */
  addEntropyUniform(g: number): void {
    if (this.rowsUsed) for (let i = 0; i < this.size; i++) this.entropyRows[i] = this.entropyRows[i]! + g;
    else this.entropyUniform += g;
  }

  /** Adds d loss / d H of row i. */
  addEntropy(i: number, g: number): void {
    if (!this.rowsUsed) {
      this.entropyRows.fill(this.entropyUniform, 0, this.size);
      this.rowsUsed = true;
    }
    this.entropyRows[i] = this.entropyRows[i]! + g;
  }

  /** d loss / d H as the policy's backward takes it: one number, or one per row. */
  get dEntropy(): number | Float32Array {
    return this.rowsUsed ? this.entropyRows.subarray(0, this.size) : this.entropyUniform;
  }

  get logp(): Float32Array {
    return this.dLogp.subarray(0, this.size);
  }

  get value(): Float32Array {
    return this.dValue.subarray(0, this.size);
  }
}

/** What a loss term returns: its (coefficient-weighted) value and its named metrics. */
export interface TermResult {
  readonly value: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** The runtime of a loss term on rollout rows. */
export interface LossTerm {
  /** Network outputs it reads (the conformance suite checks the gradient of each by finite differences). */
  readonly reads: readonly ("logp" | "entropy" | "values")[];
  /** Whether it reads `rows.segments` (sequence-level terms such as GSPO). */
  readonly segments?: boolean;
  /** Adds its gradients into `grads` and returns its value and metrics. */
  compute(rows: TermRows, aggregate: Aggregate, grads: OutputGrads): TermResult;
}

/** Weight of row i under an aggregate (1 / divisor when uniform). */
export function rowWeight(a: Aggregate, i: number): number {
  return a.weights === null ? 1 / a.divisor : a.weights[i]!;
}

/** target[i] += coef · source[i] for the first n rows (coef 1 adds exactly). */
export function addScaled(target: Float32Array, source: Float32Array, coef: number, n: number): void {
  if (coef === 1) for (let i = 0; i < n; i++) target[i] = target[i]! + source[i]!;
  else for (let i = 0; i < n; i++) target[i] = target[i]! + coef * source[i]!;
}

/**
 * A loss term around a pure function that writes ∂ℓ/∂(one network output)
 * of each row into a buffer: the term adds coef times that buffer into the
 * output's gradients and reports coef · loss. `compute` returns the loss
 * (without coef) and the term's metrics.
 */
export function scaledTerm(
  output: "logp" | "values",
  coef: number,
  compute: (rows: TermRows, aggregate: Aggregate, d: Float32Array) => { loss: number; metrics: Readonly<Record<string, number>> },
  options: { readonly segments?: boolean } = {},
): LossTerm {
  let scratch = new Float32Array(0);
  return {
    reads: [output],
    ...(options.segments ? { segments: true } : {}),
    compute(rows: TermRows, aggregate: Aggregate, grads: OutputGrads) {
      if (scratch.length < rows.size) scratch = new Float32Array(rows.size);
      const d = scratch.subarray(0, rows.size);
      const r = compute(rows, aggregate, d);
      addScaled(output === "logp" ? grads.dLogp : grads.dValue, d, coef, rows.size);
      return { value: coef * r.loss, metrics: r.metrics };
    },
  };
}
