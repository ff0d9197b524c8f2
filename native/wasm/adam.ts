// Adam's elementwise update in wasm SIMD, four float32 lanes at a time. It
// performs the float32 operations of lib/optim/adam.ts's reference loop in
// the same order (torch's: lerp, addcmul, sqrt/div, addcdiv), so both give
// bit-identical results; it is several times faster because V8 does not
// vectorize the JS loop's sqrt and divisions.
import { webAssembly, type WasmMemory } from "./api.js";
import { assemble, F32, Func, I32, op, simd, V128, type ValType } from "./assembler.js";

/** Adam's float32 coefficients for one step (see lib/optim/adam.ts). */
export interface AdamCoefficients {
  /** lerp weight 1 − β1 (< 0.5). */
  w1: number;
  beta2: number;
  /** 1 − β2. */
  a2: number;
  eps: number;
  weightDecay: number;
  /** √(1 − β2ᵗ). */
  bc2Sqrt: number;
  /** −lr / (1 − β1ᵗ). */
  negStepSize: number;
}

const COEFFICIENTS = ["w1", "beta2", "a2", "eps", "weightDecay", "bc2Sqrt", "negStepSize"] as const;

// adam(quads, p, g, m, v, w1, β2, a2, eps, wd, bc2Sqrt, negStepSize), over 4·quads floats:
//   g' = g + wd·θ;  m = m + w1·(g' − m);  v = v·β2 + (a2·g')·g';  θ = θ + negStepSize·(m / (√v / bc2Sqrt + eps))
function adamFunc(): Func {
  const f = new Func([I32, I32, I32, I32, I32, ...COEFFICIENTS.map((): ValType => F32)]);
  const [quads, p, g, m, v] = [0, 1, 2, 3, 4];
  const [w1, b2, a2, eps, wd, bc2, step] = COEFFICIENTS.map((_, i) => {
    const l = f.local(V128);
    f.get(5 + i).simd(simd.f32x4Splat).set(l);
    return l;
  }) as [number, number, number, number, number, number, number];
  const off = f.local(I32), end = f.local(I32);
  const P = f.local(V128), G = f.local(V128), M = f.local(V128), V = f.local(V128);
  const { f32x4Add: add, f32x4Sub: sub, f32x4Mul: mul, f32x4Div: div } = simd;
  const load = (base: number, into: number): void => void f.get(base).get(off).emit(op.i32Add).v128Load().set(into);
  const store = (base: number, value: number): void => void f.get(base).get(off).emit(op.i32Add).get(value).v128Store();
  f.get(quads).i32(4).emit(op.i32Shl).set(end);
  f.i32(0).set(off);
  f.whileNot(
    (w) => w.get(off).get(end).emit(op.i32GeS),
    () => {
      load(p, P);
      load(g, G);
      load(m, M);
      load(v, V);
      f.get(G).get(wd).get(P).simd(mul).simd(add).set(G);
      f.get(M).get(w1).get(G).get(M).simd(sub).simd(mul).simd(add).set(M);
      f.get(V).get(b2).simd(mul).get(a2).get(G).simd(mul).get(G).simd(mul).simd(add).set(V);
      store(m, M);
      store(v, V);
      f.get(P).get(step).get(M);
      f.get(V).simd(simd.f32x4Sqrt).get(bc2).simd(div).get(eps).simd(add);
      f.simd(div).simd(mul).simd(add).set(P);
      store(p, P);
      f.addConst(off, 16);
    },
  );
  return f;
}

const PAGE = 65536;

/** A reusable wasm memory that holds copies of θ, g, m, v during one update. */
export class AdamKernel {
  private readonly memory: WasmMemory;
  private readonly run: (quads: number, p: number, g: number, m: number, v: number, ...c: number[]) => void;
  private f32: Float32Array;

  constructor() {
    if (!webAssembly) throw new Error("this JavaScript runtime has no WebAssembly");
    const module = new webAssembly.Module(assemble({ memory: { initialPages: 1 }, functions: { adam: adamFunc() } }));
    this.memory = new webAssembly.Memory({ initial: 1 });
    this.run = new webAssembly.Instance(module, { env: { memory: this.memory } }).exports.adam as AdamKernel["run"];
    this.f32 = new Float32Array(this.memory.buffer);
  }

  /** Updates the first `4·⌊n/4⌋` elements of `params`, `m`, `v` in place; the caller finishes the rest. */
  step(params: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array, c: AdamCoefficients): number {
    const n = params.length & ~3;
    const need = 16 * n - this.memory.buffer.byteLength;
    if (need > 0) {
      this.memory.grow(Math.ceil(need / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    const f32 = this.f32;
    f32.set(params.subarray(0, n), 0);
    f32.set(grads.subarray(0, n), n);
    f32.set(m.subarray(0, n), 2 * n);
    f32.set(v.subarray(0, n), 3 * n);
    this.run(n / 4, 0, 4 * n, 8 * n, 12 * n, c.w1, c.beta2, c.a2, c.eps, c.weightDecay, c.bc2Sqrt, c.negStepSize);
    params.set(f32.subarray(0, n));
    m.set(f32.subarray(2 * n, 3 * n));
    v.set(f32.subarray(3 * n, 4 * n));
    return n;
  }
}

let shared: AdamKernel | null | undefined;

/** The process's wasm Adam kernel, or null where wasm SIMD is missing. */
export function adamKernel(): AdamKernel | null {
  if (shared === undefined) {
    try {
      shared = new AdamKernel();
    } catch {
      shared = null;
    }
  }
  return shared;
}
