// LayerNorm over rows of width d (d % 4 == 0) in f32x4, forward and backward;
// as JS loops they were ~16% of a transformer's forward+backward.
//
// layerNorm(x, rows, d, gw, gb, eps, out, xhat, rstd): per row,
//   r = 1/√(mean((x − μ)²) + ε), x̂ = (x − μ)·r, out = x̂·γ + β; keeps x̂ and r (one float a row).
// layerNormBackward(dy, rows, d, gw, ggw, ggb, xhat, rstd, dx): per row, with g = dy·γ,
//   dx += r·(g − mean(g) − x̂·mean(g·x̂)), dγ += dy·x̂, dβ += dy (at ggw, ggb).
// Pointers are byte addresses; rows are contiguous (stride d).
import { F32, Func, I32, op, simd, V128 } from "./assembler.js";

const mul = simd.f32x4Mul, add = simd.f32x4Add, sub = simd.f32x4Sub;

function hsum(f: Func, v: number): void {
  f.get(v).get(v).get(v).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).simd(add).set(v);
  f.get(v).get(v).get(v).shuffle([4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15]).simd(add).lane(simd.f32x4ExtractLane, 0);
}

/** `for (c = 0; c < end; c += 16) body` over the byte offsets of a row. */
function eachVector(f: Func, c: number, end: number, body: () => void): void {
  f.i32(0).set(c);
  f.whileNot((g) => g.get(c).get(end).emit(op.i32GeS), () => {
    body();
    f.addConst(c, 16);
  });
}

const at = (f: Func, base: number, c: number): Func => f.get(base).get(c).emit(op.i32Add);

export function layerNormForward(): Func {
  const f = new Func([I32, I32, I32, I32, I32, F32, I32, I32, I32]);
  const [x, rows, d, gw, gb, eps, out, xhat, rstd] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const n = f.local(I32), c = f.local(I32), rowB = f.local(I32);
  const acc = f.local(V128), mu = f.local(V128), r = f.local(V128), h = f.local(V128);
  const inv = f.local(F32), rs = f.local(F32);
  f.f32(1).get(d).emit(op.f32ConvertI32S).emit(op.f32Div).set(inv);
  f.get(d).i32(2).emit(op.i32Shl).set(rowB);
  f.i32(0).set(n);
  f.whileNot((g) => g.get(n).get(rows).emit(op.i32GeS), () => {
    f.f32x4(0).set(acc);
    eachVector(f, c, rowB, () => void f.get(acc).put((g) => at(g, x, c).v128Load()).simd(add).set(acc));
    hsum(f, acc);
    f.get(inv).emit(op.f32Mul).simd(simd.f32x4Splat).set(mu);
    f.f32x4(0).set(acc);
    eachVector(f, c, rowB, () => {
      at(f, x, c).v128Load().get(mu).simd(sub).set(h);
      f.get(acc).get(h).get(h).simd(mul).simd(add).set(acc);
    });
    f.f32(1);
    hsum(f, acc);
    f.get(inv).emit(op.f32Mul).get(eps).emit(op.f32Add).emit(op.f32Sqrt).emit(op.f32Div).set(rs);
    f.get(rstd).get(rs).mem(op.f32Store, 2);
    f.get(rs).simd(simd.f32x4Splat).set(r);
    eachVector(f, c, rowB, () => {
      at(f, x, c).v128Load().get(mu).simd(sub).get(r).simd(mul).set(h);
      at(f, xhat, c).get(h).v128Store();
      at(f, out, c).get(h).put((g) => at(g, gw, c).v128Load()).simd(mul).put((g) => at(g, gb, c).v128Load()).simd(add).v128Store();
    });
    for (const p of [x, out, xhat]) f.addLocal(p, rowB);
    f.addConst(rstd, 4);
    f.addConst(n, 1);
  });
  return f;
}

export function layerNormBackward(): Func {
  const f = new Func([I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [dy, rows, d, gw, ggw, ggb, xhat, rstd, dx] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const n = f.local(I32), c = f.local(I32), rowB = f.local(I32), a = f.local(I32);
  const m1 = f.local(V128), m2 = f.local(V128), y = f.local(V128), h = f.local(V128), gv = f.local(V128), r = f.local(V128);
  const inv = f.local(F32);
  f.f32(1).get(d).emit(op.f32ConvertI32S).emit(op.f32Div).set(inv);
  f.get(d).i32(2).emit(op.i32Shl).set(rowB);
  f.i32(0).set(n);
  f.whileNot((g) => g.get(n).get(rows).emit(op.i32GeS), () => {
    f.f32x4(0).set(m1);
    f.f32x4(0).set(m2);
    eachVector(f, c, rowB, () => {
      at(f, dy, c).v128Load().set(y);
      at(f, xhat, c).v128Load().set(h);
      at(f, ggw, c).tee(a).get(a).v128Load().get(y).get(h).simd(mul).simd(add).v128Store();
      at(f, ggb, c).tee(a).get(a).v128Load().get(y).simd(add).v128Store();
      f.get(y).put((g) => at(g, gw, c).v128Load()).simd(mul).set(gv);
      f.get(m1).get(gv).simd(add).set(m1);
      f.get(m2).get(gv).get(h).simd(mul).simd(add).set(m2);
    });
    hsum(f, m1);
    f.get(inv).emit(op.f32Mul).simd(simd.f32x4Splat).set(m1);
    hsum(f, m2);
    f.get(inv).emit(op.f32Mul).simd(simd.f32x4Splat).set(m2);
    f.get(rstd).splatLoad().set(r);
    eachVector(f, c, rowB, () => {
      at(f, dx, c).tee(a).get(a).v128Load();
      at(f, dy, c).v128Load().put((g) => at(g, gw, c).v128Load()).simd(mul).get(m1).simd(sub);
      at(f, xhat, c).v128Load().get(m2).simd(mul).simd(sub).get(r).simd(mul);
      f.simd(add).v128Store();
    });
    for (const p of [dy, xhat, dx]) f.addLocal(p, rowB);
    f.addConst(rstd, 4);
    f.addConst(n, 1);
  });
  return f;
}
