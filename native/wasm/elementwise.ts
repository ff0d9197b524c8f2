// The small loops around gemm: activation derivatives, the transpose of W
// kept for input gradients, and strided adds of padded gradients.
import { Func, I32, op, simd, V128 } from "./assembler.js";
import { ACT } from "./gemm.js";

/** actGrad(n, dA, a, out, act): out = dA ⊙ act'(·) over n floats (n % 4 == 0), from the activation's output a. */
export function actGrad(): Func {
  const f = new Func([I32, I32, I32, I32, I32]);
  const [n, dA, a, out, act] = [0, 1, 2, 3, 4];
  const off = f.local(I32), av = f.local(V128);
  f.get(n).i32(2).emit(op.i32Shl).set(n);
  const each = (body: () => void): void => {
    f.i32(0).set(off);
    f.whileNot(
      (g) => g.get(off).get(n).emit(op.i32GeS),
      () => {
        f.get(out).get(off).emit(op.i32Add);
        body();
        f.v128Store();
        f.addConst(off, 16);
      },
    );
  };
  const load = (ptr: number): void => void f.get(ptr).get(off).emit(op.i32Add).v128Load();
  f.get(act).i32(ACT.tanh).emit(op.i32Eq).if();
  each(() => {
    load(a);
    f.set(av);
    load(dA);
    f.f32x4(1).get(av).get(av).simd(simd.f32x4Mul).simd(simd.f32x4Sub).simd(simd.f32x4Mul);
  });
  f.else().get(act).i32(ACT.relu).emit(op.i32Eq).if();
  each(() => {
    load(dA);
    load(a);
    f.f32x4(0).simd(simd.f32x4Gt).simd(simd.and);
  });
  f.else();
  each(() => load(dA));
  f.end().end();
  return f;
}

/**
 * A scalar loop over a `rows × cols` block: `src(i, j)` at src + 4(i·ss + j),
 * `dst(i, j)` at dst + 4(i·dsr + j·dsc); `body` gets (dstAddress, srcAddress)
 * locals and emits the element operation.
 */
function blockLoop(body: (f: Func, pd: number, ps: number) => void): Func {
  const f = new Func([I32, I32, I32, I32, I32, I32, I32]);
  const [rows, cols, src, ss, dst, dsr, dsc] = [0, 1, 2, 3, 4, 5, 6];
  const i = f.local(I32), j = f.local(I32), ps = f.local(I32), pd = f.local(I32);
  for (const s of [ss, dsr, dsc]) f.get(s).i32(2).emit(op.i32Shl).set(s);
  f.i32(0).set(i);
  f.whileNot(
    (g) => g.get(i).get(rows).emit(op.i32GeS),
    () => {
      f.get(src).get(i).get(ss).emit(op.i32Mul).emit(op.i32Add).set(ps);
      f.get(dst).get(i).get(dsr).emit(op.i32Mul).emit(op.i32Add).set(pd);
      f.get(cols).set(j);
      f.whileNot(
        (g) => g.get(j).i32(0).emit(op.i32LeS),
        () => {
          body(f, pd, ps);
          f.addConst(ps, 4).addLocal(pd, dsc).addConst(j, -1);
        },
      );
      f.addConst(i, 1);
    },
  );
  return f;
}

/** copy(rows, cols, src, ss, dst, dsr, dsc): dst(i, j) = src(i, j); transposes with dsr = 1, dsc = rows' stride. */
export function copyBlock(): Func {
  return blockLoop((f, pd, ps) => void f.get(pd).get(ps).mem(op.f32Load, 2).mem(op.f32Store, 2));
}

/** add(rows, cols, src, ss, dst, dsr, dsc): dst(i, j) += src(i, j). */
export function addBlock(): Func {
  return blockLoop((f, pd, ps) => void f.get(pd).get(pd).mem(op.f32Load, 2).get(ps).mem(op.f32Load, 2).emit(op.f32Add).mem(op.f32Store, 2));
}
