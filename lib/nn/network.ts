/**
 * A differentiable function `R^inputSize → R^outputSize` with one flat
 * parameter vector: the unit that algorithms train. Two engines implement it:
 * the fused small-MLP kernels of `native/` (the fast path) and any tfjs
 * `LayersModel` (the general path).
 *
 * Lifecycle of one gradient step: `zeroGrads()` → `forward(x, batch)` →
 * `backward(dOut)` (adds into `grads`) → an optimizer changes `params` in
 * place → `paramsChanged()`.
 *
 * Buffers returned by `predict`/`forward` belong to the network and are
 * overwritten by the next call: copy what you keep.
 */
export interface Network {
  readonly inputSize: number;
  readonly outputSize: number;
  /** Flat parameters (float32), updated in place by optimizers. */
  readonly params: Float32Array;
  /** Gradient accumulator with the layout of `params`. */
  readonly grads: Float32Array;
  /** A JSON description from which `params` can be reattached (checkpoints). */
  readonly spec: NetworkSpec;
  /** Inference: `batch × inputSize` → `batch × outputSize`. Keeps nothing for backward. */
  predict(x: Float32Array, batch: number): Float32Array;
  /** Training forward: like `predict`, and keeps what `backward` needs. */
  forward(x: Float32Array, batch: number): Float32Array;
  /**
   * Backpropagates `dOut` (`batch × outputSize`, d loss / d output of the last
   * `forward`), adding d loss / d params into `grads`. When `dInput` is given
   * it receives d loss / d input (`batch × inputSize`).
   */
  backward(dOut: Float32Array, dInput?: Float32Array): void;
  zeroGrads(): void;
  /** Tells the engine that `params` changed outside it (after an optimizer step or a copy). */
  paramsChanged(): void;
  /** An independent network with a copy of the parameters (target networks). */
  clone(): Network;
  dispose(): void;
}

export type Activation = "tanh" | "relu" | "linear";

/** How a network was built; enough to rebuild it around saved parameters. */
export type NetworkSpec =
  | { readonly kind: "mlp"; readonly sizes: readonly number[]; readonly activation: Activation; readonly outputActivation?: Activation }
  | { readonly kind: "tfjs"; readonly modelJson: unknown };
