// GPT-2's tanh GELU ("gelu_new") over f32x4, with the rational tanh of
// ./gemm.ts (within 4e-7 of Math.tanh): in JS, Math.tanh on the MLP's hidden
// units alone costs more than the layer's GEMM.
import { Func, I32, op, simd, V128 } from "./assembler.js";
import { tanh, tanhConstants } from "./gemm.js";

const C = Math.sqrt(2 / Math.PI);
const A = 0.044715;

/** Loops `off` over the byte offsets of `n` floats (n % 4 == 0), 16 at a time. */
function eachVector(f: Func, n: number, off: number, body: () => void): void {
  f.get(n).i32(2).emit(op.i32Shl).set(n);
  f.i32(0).set(off);
  f.whileNot((g) => g.get(off).get(n).emit(op.i32GeS), () => {
    body();
    f.addConst(off, 16);
  });
}

/** gelu(n, x, out): out = 0.5·x·(1 + tanh(c·(x + 0.044715·x³))) over n floats (n % 4 == 0; out may be x). */
export function geluForward(): Func {
  const f = new Func([I32, I32, I32]);
  const [n, x, out] = [0, 1, 2];
  const off = f.local(I32), xv = f.local(V128), u = f.local(V128), u2 = f.local(V128);
  const k = tanhConstants(f);
  const mul = simd.f32x4Mul, add = simd.f32x4Add;
  eachVector(f, n, off, () => {
    f.get(x).get(off).emit(op.i32Add).v128Load().set(xv);
    // u = c·x·(1 + a·x²)
    f.get(xv).get(xv).simd(mul).f32x4(A).simd(mul).f32x4(1).simd(add).get(xv).simd(mul).f32x4(C).simd(mul).set(u);
    tanh(f, u, u2, k);
    f.get(out).get(off).emit(op.i32Add);
    f.get(u).f32x4(1).simd(add).get(xv).simd(mul).f32x4(0.5).simd(mul);
    f.v128Store();
  });
  return f;
}

/** geluGrad(n, x, d): d ← d · gelu′(x) over n floats (n % 4 == 0), x the pre-activation. */
export function geluBackward(): Func {
  const f = new Func([I32, I32, I32]);
  const [n, x, d] = [0, 1, 2];
  const off = f.local(I32), xv = f.local(V128), x2 = f.local(V128), t = f.local(V128), u2 = f.local(V128);
  const k = tanhConstants(f);
  const mul = simd.f32x4Mul, add = simd.f32x4Add, sub = simd.f32x4Sub;
  eachVector(f, n, off, () => {
    f.get(x).get(off).emit(op.i32Add).v128Load().set(xv);
    f.get(xv).get(xv).simd(mul).set(x2);
    f.get(x2).f32x4(A).simd(mul).f32x4(1).simd(add).get(xv).simd(mul).f32x4(C).simd(mul).set(t);
    tanh(f, t, u2, k);
    f.get(d).get(off).emit(op.i32Add);
    f.get(d).get(off).emit(op.i32Add).v128Load();
    // 0.5·(1 + t) + 0.5·x·(1 − t²)·c·(1 + 3a·x²)
    f.get(t).f32x4(1).simd(add).f32x4(0.5).simd(mul);
    f.f32x4(1).get(t).get(t).simd(mul).simd(sub).get(xv).simd(mul);
    f.get(x2).f32x4(3 * A).simd(mul).f32x4(1).simd(add).simd(mul).f32x4(0.5 * C).simd(mul);
    f.simd(add).simd(mul);
    f.v128Store();
  });
  return f;
}
