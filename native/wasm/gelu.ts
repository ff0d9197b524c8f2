// GPT-2's tanh GELU ("gelu_new") over f32x4, with the rational tanh of
// ../mlp/tanh.ts (within 4e-7 of Math.tanh): in JS, Math.tanh on the MLP's
// hidden units alone costs more than the layer's GEMM. Each loop trip does
// UNROLL independent vectors, the constants broadcast from a table in memory
// (one load each): with the constants in locals one vector a trip ran at
// 0.33 G elements/s (spills, one 30-deep dependency chain); v128.const
// inline costs V8 ~4 instructions each (0.48 G/s).
import { Func, I32, op, simd, V128 } from "./assembler.js";
import { TANH_CLAMP, TANH_P, TANH_Q } from "../mlp/tanh.js";

const C = Math.fround(Math.sqrt(2 / Math.PI));
const A = 0.044715;
const UNROLL = 4;
const mul = simd.f32x4Mul, add = simd.f32x4Add, sub = simd.f32x4Sub;

/** The constants the kernels broadcast, in the order of their table (see {@link geluConstants}). */
const CONSTANTS = [-TANH_CLAMP, TANH_CLAMP, ...TANH_P, ...TANH_Q, C, A, 1, 0.5, 3 * A, 0.5 * C];
const at = (x: number): number => {
  const i = CONSTANTS.indexOf(x);
  if (i < 0) throw new Error(`gelu: ${x} is not in the constant table`);
  return 4 * i;
};

/** The table the kernels read at their `consts` byte address: write it there once. */
export function geluConstants(): Float32Array {
  return Float32Array.from(CONSTANTS);
}

let table = 0;
/** Pushes the broadcast of constant x (from the table at local `table`). */
function kc(f: Func, x: number): Func {
  return f.get(table).splatLoad(at(x));
}

/** t ← tanh(t), x2 a scratch local. */
function tanhInline(f: Func, t: number, x2: number): void {
  f.get(t).put((g) => kc(g, -TANH_CLAMP)).simd(simd.f32x4Pmax).put((g) => kc(g, TANH_CLAMP)).simd(simd.f32x4Pmin).set(t);
  f.get(t).get(t).simd(mul).set(x2);
  f.get(t).put((g) => kc(g, TANH_P[6]));
  for (let n = 5; n >= 0; n--) f.get(x2).simd(mul).put((g) => kc(g, TANH_P[n]!)).simd(add);
  f.simd(mul);
  kc(f, TANH_Q[3]);
  for (let n = 2; n >= 0; n--) f.get(x2).simd(mul).put((g) => kc(g, TANH_Q[n]!)).simd(add);
  f.simd(simd.f32x4Div).set(t);
}

/**
 * A loop over `n` floats (n % 4 == 0; the param is scaled to bytes): UNROLL
 * vectors a trip while they fit, then one at a time. `body(off, k)` handles
 * the vector at byte offset off + 16k.
 */
function vectorLoop(f: Func, n: number, body: (off: number, k: number) => void): void {
  const off = f.local(I32);
  f.get(n).i32(2).emit(op.i32Shl).set(n);
  f.i32(0).set(off);
  f.whileNot((g) => g.get(off).i32(16 * UNROLL).emit(op.i32Add).get(n).emit(op.i32GtS), () => {
    for (let k = 0; k < UNROLL; k++) body(off, k);
    f.addConst(off, 16 * UNROLL);
  });
  f.whileNot((g) => g.get(off).get(n).emit(op.i32GeS), () => {
    body(off, 0);
    f.addConst(off, 16);
  });
}

/** gelu(n, x, out, consts): out = 0.5·x·(1 + tanh(c·(x + 0.044715·x³))) over n floats (n % 4 == 0; out may be x). */
export function geluForward(): Func {
  const f = new Func([I32, I32, I32, I32]);
  const [n, x, out] = [0, 1, 2];
  table = 3;
  const xv = Array.from({ length: UNROLL }, () => f.local(V128));
  const t = Array.from({ length: UNROLL }, () => f.local(V128));
  const s = Array.from({ length: UNROLL }, () => f.local(V128));
  vectorLoop(f, n, (off, k) => {
    f.get(x).get(off).emit(op.i32Add).v128Load(16 * k).set(xv[k]!);
    f.get(xv[k]!).get(xv[k]!).simd(mul).put((g) => kc(g, A)).simd(mul).put((g) => kc(g, 1)).simd(add).get(xv[k]!).simd(mul).put((g) => kc(g, C)).simd(mul).set(t[k]!);
    tanhInline(f, t[k]!, s[k]!);
    f.get(out).get(off).emit(op.i32Add);
    f.get(t[k]!).put((g) => kc(g, 1)).simd(add).get(xv[k]!).simd(mul).put((g) => kc(g, 0.5)).simd(mul);
    f.v128Store(16 * k);
  });
  return f;
}

/** geluGrad(n, x, d, consts): d ← d · gelu′(x) over n floats (n % 4 == 0), x the pre-activation. */
export function geluBackward(): Func {
  const f = new Func([I32, I32, I32, I32]);
  const [n, x, d] = [0, 1, 2];
  table = 3;
  const xv = Array.from({ length: UNROLL }, () => f.local(V128));
  const x2 = Array.from({ length: UNROLL }, () => f.local(V128));
  const t = Array.from({ length: UNROLL }, () => f.local(V128));
  const s = Array.from({ length: UNROLL }, () => f.local(V128));
  vectorLoop(f, n, (off, k) => {
    f.get(x).get(off).emit(op.i32Add).v128Load(16 * k).set(xv[k]!);
    f.get(xv[k]!).get(xv[k]!).simd(mul).set(x2[k]!);
    f.get(x2[k]!).put((g) => kc(g, A)).simd(mul).put((g) => kc(g, 1)).simd(add).get(xv[k]!).simd(mul).put((g) => kc(g, C)).simd(mul).set(t[k]!);
    tanhInline(f, t[k]!, s[k]!);
    f.get(d).get(off).emit(op.i32Add);
    f.get(d).get(off).emit(op.i32Add).v128Load(16 * k);
    // 0.5·(1 + t) + 0.5·c·x·(1 − t²)·(1 + 3a·x²)
    f.get(t[k]!).put((g) => kc(g, 1)).simd(add).put((g) => kc(g, 0.5)).simd(mul);
    f.put((g) => kc(g, 1)).get(t[k]!).get(t[k]!).simd(mul).simd(sub).get(xv[k]!).simd(mul);
    f.get(x2[k]!).put((g) => kc(g, 3 * A)).simd(mul).put((g) => kc(g, 1)).simd(add).simd(mul).put((g) => kc(g, 0.5 * C)).simd(mul);
    f.simd(add).simd(mul);
    f.v128Store(16 * k);
  });
  return f;
}
