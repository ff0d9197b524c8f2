import type { MlpShape } from "./shape.js";

/** Which implementation runs the fused MLP math. */
export type MlpEngine = "wasm-simd" | "js";

/**
 * The fused math of one MLP, bound at construction to the flat `params` and
 * `grads` arrays it serves (layout: {@link mlpLayout}). Output buffers belong
 * to the kernel and are overwritten by the next call.
 */
export interface MlpKernel {
  readonly engine: MlpEngine;
  readonly shape: MlpShape;
  /** Re-reads `params` after they changed outside the kernel. */
  syncParams(): void;
  /** Inference; keeps nothing for backward. Returns `batch × outputSize` floats. */
  predict(x: Float32Array, batch: number): Float32Array;
  /** Like `predict`, and keeps the activations that `backward` needs. */
  forward(x: Float32Array, batch: number): Float32Array;
  /** Adds d loss/d params into `grads`; writes d loss/d input into `dInput` when given. */
  backward(dOut: Float32Array, dInput?: Float32Array): void;
  dispose(): void;
}

export function checkBatch(x: Float32Array, batch: number, width: number, what: string): void {
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
  if (x.length < batch * width) {
    throw new RangeError(`${what} needs batch × ${width} = ${batch * width} floats, got ${x.length}`);
  }
}
