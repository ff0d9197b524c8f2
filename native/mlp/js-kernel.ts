import { gemm, Init, type View } from "./js-gemm.js";
import type { MlpKernel } from "./kernel.js";
import { checkBatch } from "./kernel.js";
import { mlpLayout, type Activation, type LayerLayout, type MlpShape } from "./shape.js";
import { fastTanh } from "./tanh.js";

/** Per-batch-row buffers, one per layer boundary; regrown by doubling. */
class Buffers {
  capacity = 0;
  levels: Float32Array[] = [];
  constructor(private readonly widths: readonly number[]) {}
  ensure(batch: number): Float32Array[] {
    if (batch > this.capacity) {
      this.capacity = Math.max(batch, 2 * this.capacity, 32);
      this.levels = this.widths.map((w) => new Float32Array(this.capacity * w));
    }
    return this.levels;
  }
}

/** The plain-JS engine: portable, and the reference the wasm engine is tested against. */
export class JsMlpKernel implements MlpKernel {
  readonly engine = "js" as const;
  private readonly layers: LayerLayout[];
  private readonly train: Buffers;
  private readonly infer: Buffers;
  private readonly deltas: Buffers;
  private batch = 0;

  constructor(
    readonly shape: MlpShape,
    private readonly params: Float32Array,
    private readonly grads: Float32Array,
  ) {
    this.layers = mlpLayout(shape).layers;
    this.train = new Buffers(shape.sizes);
    this.infer = new Buffers(shape.sizes);
    this.deltas = new Buffers(shape.sizes);
  }

  syncParams(): void {}

  predict(x: Float32Array, batch: number): Float32Array {
    return this.run(this.infer, x, batch);
  }

  forward(x: Float32Array, batch: number): Float32Array {
    const out = this.run(this.train, x, batch);
    this.batch = batch;
    return out;
  }

  backward(dOut: Float32Array, dInput?: Float32Array): void {
    const n = this.batch;
    if (n === 0) throw new Error("backward needs a forward first (predict keeps nothing)");
    const { layers, params, grads } = this;
    const acts = this.train.levels;
    const deltas = this.deltas.ensure(n);
    const L = layers.length;
    checkBatch(dOut, n, layers[L - 1]!.outSize, "backward's dOut");
    if (dInput) checkBatch(dInput, n, layers[0]!.inSize, "backward's dInput");
    activationGrad(layers[L - 1]!.act, dOut, acts[L]!, deltas[L]!, n * layers[L - 1]!.outSize);
    for (let l = L - 1; l >= 0; l--) {
      const { inSize: I, outSize: O, w, b } = layers[l]!;
      const dZ = deltas[l + 1]!;
      const xin = acts[l]!;
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < O; j++) grads[b + j] += dZ[r * O + j]!;
      }
      // dW += Xᵀ·dZ
      gemm(I, O, n, view(xin, 0, 1, I), view(dZ, 0, O, 1), grads, w, O, Init.Accumulate, grads, 0);
      if (l === 0 && !dInput) break;
      // dX = dZ·Wᵀ
      const dX = l > 0 ? deltas[l]! : dInput!;
      gemm(n, I, O, view(dZ, 0, O, 1), view(params, w, 1, O), dX, 0, I, Init.Zero, dX, 0);
      if (l > 0) activationGrad(layers[l - 1]!.act, dX, xin, dX, n * I);
    }
  }

  dispose(): void {
    this.train.levels = this.infer.levels = this.deltas.levels = [];
    this.train.capacity = this.infer.capacity = this.deltas.capacity = 0;
    this.batch = 0;
  }

  private run(bufs: Buffers, x: Float32Array, batch: number): Float32Array {
    const { layers, params } = this;
    checkBatch(x, batch, layers[0]!.inSize, "the input");
    const acts = bufs.ensure(batch);
    acts[0]!.set(x.subarray(0, batch * layers[0]!.inSize));
    for (let l = 0; l < layers.length; l++) {
      const { inSize: I, outSize: O, w, b, act } = layers[l]!;
      const y = acts[l + 1]!;
      gemm(batch, O, I, view(acts[l]!, 0, I, 1), view(params, w, O, 1), y, 0, O, Init.Bias, params, b);
      activate(act, y, batch * O);
    }
    return acts[layers.length]!.subarray(0, batch * layers[layers.length - 1]!.outSize);
  }
}

function view(data: Float32Array, off: number, rs: number, cs: number): View {
  return { data, off, rs, cs };
}

function activate(act: Activation, y: Float32Array, n: number): void {
  if (act === "tanh") for (let i = 0; i < n; i++) y[i] = fastTanh(y[i]!);
  else if (act === "relu") for (let i = 0; i < n; i++) y[i] = y[i]! > 0 ? y[i]! : 0;
}

/** `out = dA ⊙ act'(·)`, with the derivative taken from the activation's output `a`. */
function activationGrad(act: Activation, dA: Float32Array, a: Float32Array, out: Float32Array, n: number): void {
  if (act === "tanh") for (let i = 0; i < n; i++) out[i] = dA[i]! * (1 - a[i]! * a[i]!);
  else if (act === "relu") for (let i = 0; i < n; i++) out[i] = a[i]! > 0 ? dA[i]! : 0;
  else if (out !== dA) out.set(dA.subarray(0, n));
}
