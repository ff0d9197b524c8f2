import { webAssembly, type WasmMemory } from "../wasm/api.js";
import { ACT, INIT, mlpModule, type MlpExports } from "../wasm/mlp-module.js";
import { checkBatch, type MlpKernel } from "./kernel.js";
import { mlpLayout, type LayerLayout, type MlpShape } from "./shape.js";

const PAGE = 65536;
/** Float index of the constant 1.0: the A operand of the bias-gradient gemm (1ᵀ·dZ). */
const ONE = 4;
const RESERVED = 16;
const pad4 = (n: number): number => (n + 3) & ~3;

/** Float offsets of one layer's operands inside wasm memory. */
interface Slots {
  /** W as [in × pad4(out)] and b as [pad4(out)]: inside the params mirror when out % 4 == 0, else padded copies. */
  W: number;
  b: number;
  /** Where the weight and bias gradients go: inside the grads mirror, or padded scratch. */
  dW: number;
  db: number;
  /** Whether W, b, dW, db are the mirrors themselves (out % 4 == 0). */
  inPlace: boolean;
  /** Wᵀ as [out × pad4(in)], for input gradients. */
  WT: number;
}

/** Activations or deltas of every layer boundary for up to `capacity` rows. */
interface Region {
  capacity: number;
  levels: number[];
}

/**
 * The wasm SIMD engine. Each kernel owns a wasm memory with mirrors of
 * `params` and `grads` (copied in by `syncParams` and around `backward`,
 * plain memcpys), Wᵀ, the activations kept for backward, and padded copies
 * for layers whose width is not a multiple of 4 (so that every row is whole
 * f32x4 vectors). `params` and `grads` stay ordinary Float32Arrays because
 * wasm memory can grow, which detaches views into it.
 */
export class WasmMlpKernel implements MlpKernel {
  readonly engine = "wasm-simd" as const;
  private readonly layers: LayerLayout[];
  /** Padded widths of the layer boundaries: input, hidden…, output. */
  private readonly widths: number[];
  private readonly slots: Slots[] = [];
  private readonly memory: WasmMemory;
  private readonly k: MlpExports;
  private f32: Float32Array;
  private top = RESERVED;
  private readonly P: number;
  private readonly G: number;
  private readonly train: Region = { capacity: 0, levels: [] };
  private readonly infer: Region = { capacity: 0, levels: [] };
  private readonly deltas: Region = { capacity: 0, levels: [] };
  private out = new Float32Array(0);
  private batch = 0;

  constructor(
    readonly shape: MlpShape,
    private readonly params: Float32Array,
    private readonly grads: Float32Array,
  ) {
    this.layers = mlpLayout(shape).layers;
    this.widths = shape.sizes.map(pad4);
    this.memory = new webAssembly!.Memory({ initial: 1 });
    this.k = new webAssembly!.Instance(mlpModule(), { env: { memory: this.memory } }).exports as unknown as MlpExports;
    this.f32 = new Float32Array(this.memory.buffer);
    this.P = this.alloc(params.length);
    this.G = this.alloc(params.length);
    for (const { inSize: K, outSize: N, w, b } of this.layers) {
      const Kp = pad4(K), Np = pad4(N), inPlace = N === Np;
      this.slots.push({
        W: inPlace ? this.P + w : this.alloc(K * Np),
        b: inPlace ? this.P + b : this.alloc(Np),
        dW: inPlace ? this.G + w : this.alloc(K * Np),
        db: inPlace ? this.G + b : this.alloc(Np),
        inPlace,
        WT: this.alloc(N * Kp),
      });
    }
    this.f32[ONE] = 1;
    this.syncParams();
  }

  syncParams(): void {
    const { f32, k, P } = this;
    f32.set(this.params, P);
    this.layers.forEach(({ inSize: K, outSize: N, w, b }, l) => {
      const s = this.slots[l]!, Np = pad4(N);
      if (!s.inPlace) {
        k.copy(K, N, 4 * (P + w), N, 4 * s.W, Np, 1);
        f32.set(f32.subarray(P + b, P + b + N), s.b);
      }
      k.copy(K, N, 4 * s.W, Np, 4 * s.WT, 1, pad4(K));
    });
  }

  predict(x: Float32Array, batch: number): Float32Array {
    return this.run(this.infer, x, batch);
  }

  forward(x: Float32Array, batch: number): Float32Array {
    const y = this.run(this.train, x, batch);
    this.batch = batch;
    return y;
  }

  backward(dOut: Float32Array, dInput?: Float32Array): void {
    const n = this.batch;
    if (n === 0) throw new Error("backward needs a forward first (predict keeps nothing)");
    const { layers, widths, k } = this;
    const L = layers.length;
    checkBatch(dOut, n, layers[L - 1]!.outSize, "backward's dOut");
    if (dInput) checkBatch(dInput, n, layers[0]!.inSize, "backward's dInput");
    const D = this.ensure(this.deltas, n).levels;
    const A = this.train.levels;
    const G = this.G;
    this.f32.set(this.grads, G);
    this.copyIn(dOut, n, layers[L - 1]!.outSize, D[L]!);
    k.actGrad(n * widths[L]!, 4 * D[L]!, 4 * A[L]!, 4 * D[L]!, ACT[layers[L - 1]!.act]);
    for (let l = L - 1; l >= 0; l--) {
      const { inSize: K, outSize: N, w, b } = layers[l]!;
      const s = this.slots[l]!, Kp = widths[l]!, Np = widths[l + 1]!;
      const dZ = 4 * D[l + 1]!, X = 4 * A[l]!;
      const init = s.inPlace ? INIT.accumulate : INIT.zero;
      k.gemm(1, Np, n, 4 * ONE, 0, 0, dZ, 4 * s.db, 0, ACT.linear, init);
      k.gemm(K, Np, n, X, 1, Kp, dZ, 4 * s.dW, 0, ACT.linear, init);
      if (!s.inPlace) {
        k.add(1, N, 4 * s.db, Np, 4 * (G + b), N, 1);
        k.add(K, N, 4 * s.dW, Np, 4 * (G + w), N, 1);
      }
      if (l === 0 && !dInput) break;
      const dX = 4 * D[l]!;
      k.gemm(n, Kp, N, dZ, Np, 1, 4 * s.WT, dX, 0, ACT.linear, INIT.zero);
      if (l > 0) k.actGrad(n * Kp, dX, X, dX, ACT[layers[l - 1]!.act]);
      else this.copyOut(D[0]!, n, K, dInput!);
    }
    this.grads.set(this.f32.subarray(G, G + this.grads.length));
  }

  dispose(): void {
    this.train.capacity = this.infer.capacity = this.deltas.capacity = 0;
    this.batch = 0;
  }

  private run(region: Region, x: Float32Array, batch: number): Float32Array {
    const { layers, widths, k } = this;
    checkBatch(x, batch, layers[0]!.inSize, "the input");
    const lv = this.ensure(region, batch).levels;
    this.copyIn(x, batch, layers[0]!.inSize, lv[0]!);
    layers.forEach(({ inSize: K, act }, l) => {
      const s = this.slots[l]!;
      k.gemm(batch, widths[l + 1]!, K, 4 * lv[l]!, widths[l]!, 1, 4 * s.W, 4 * lv[l + 1]!, 4 * s.b, ACT[act], INIT.bias);
    });
    const O = layers[layers.length - 1]!.outSize;
    if (this.out.length < batch * O) this.out = new Float32Array(Math.max(batch * O, 2 * this.out.length));
    const out = this.out.subarray(0, batch * O);
    this.copyOut(lv[layers.length]!, batch, O, out);
    return out;
  }

  /** Copies `rows × width` floats into padded rows at float offset `dst`. */
  private copyIn(src: Float32Array, rows: number, width: number, dst: number): void {
    const wp = pad4(width), f32 = this.f32;
    if (wp === width) {
      f32.set(src.subarray(0, rows * width), dst);
      return;
    }
    // rows this narrow copy faster element by element than through subarray views
    for (let r = 0, s = 0, d = dst; r < rows; r++, d += wp) {
      let j = 0;
      for (; j < width; j++) f32[d + j] = src[s++]!;
      for (; j < wp; j++) f32[d + j] = 0;
    }
  }

  private copyOut(src: number, rows: number, width: number, dst: Float32Array): void {
    const wp = pad4(width), f32 = this.f32;
    if (wp === width) {
      dst.set(f32.subarray(src, src + rows * width));
      return;
    }
    for (let r = 0, d = 0, s = src; r < rows; r++, s += wp) for (let j = 0; j < width; j++) dst[d++] = f32[s + j]!;
  }

  /** Gives `region` room for `batch` rows; a regrown region moves to fresh memory. */
  private ensure(region: Region, batch: number): Region {
    if (batch > region.capacity) {
      region.capacity = Math.max(batch, 2 * region.capacity, 64);
      region.levels = this.widths.map((w) => this.alloc(region.capacity * w));
    }
    return region;
  }

  /** Bump-allocates `floats` (16-byte aligned) and returns the float offset. */
  private alloc(floats: number): number {
    const at = this.top;
    this.top += pad4(floats);
    const need = this.top * 4 - this.memory.buffer.byteLength;
    if (need > 0) {
      this.memory.grow(Math.ceil(need / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    return at;
  }
}
