// gemm(M, N, K, a, ars, acs, b, c, bias, act, init):
//   C[M×N] = act(C₀ + A·B), C and B row-major with N columns (N % 4 == 0),
//   A(i, k) at float index a/4 + i*ars + k*acs (strides in floats), so the
//   same routine computes x·W (forward), Xᵀ·dZ (weight grads), 1ᵀ·dZ (bias
//   grads: A a single 1.0 with zero strides) and dZ·Wᵀ (input grads).
//   C₀ by `init`: INIT.zero, INIT.bias (the row at byte address `bias`
//   broadcast down), INIT.accumulate (C itself) or INIT.accumulateBias
//   (C plus the bias row: a residual add fused into the layer).
// Register tiles of 4 rows × 8 columns (8 f32x4 accumulators) measured
// fastest in V8 (bench/mlp-tiling.ts: 3×8 and 2×16 come close; 6×8, 4×12,
// 3×16, 4×4, 8×4 are 1.3–2× slower, larger ones from register spills).
import { Func, I32, op, simd, V128 } from "./assembler.js";
import { TANH_CLAMP, TANH_P, TANH_Q } from "../mlp/tanh.js";

/** Activation codes shared with the runtime. */
export const ACT = { linear: 0, tanh: 1, relu: 2 } as const;
/** How gemm's accumulators start. */
export const INIT = { zero: 0, bias: 1, accumulate: 2, accumulateBias: 3 } as const;

/** Shape of the register tiles: row blocks tried largest first, and f32x4 vectors per tile row. */
export interface GemmTiling {
  rows: readonly number[];
  vecs: number;
}
export const DEFAULT_TILING: GemmTiling = { rows: [4, 1], vecs: 2 };

/**
 * `fma`: multiply-add with relaxed SIMD's f32x4.relaxed_madd (one fused or
 * unfused instruction, the engine's choice) instead of mul then add; only
 * valid where the runtime has relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd).
 */
export function gemm(tiling: GemmTiling = DEFAULT_TILING, fma = false): Func {
  const f = new Func([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32]);
  const [M, N, K, a, ars, acs, b, c, bias, act, init] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const ROWS = Math.max(...tiling.rows), VECS = tiling.vecs;
  const ldb = f.local(I32), i = f.local(I32), j = f.local(I32), kk = f.local(I32);
  const pb = f.local(I32), pc = f.local(I32), pr = f.local(I32);
  const pa = Array.from({ length: ROWS }, () => f.local(I32));
  const acc = Array.from({ length: ROWS }, () => Array.from({ length: VECS }, () => f.local(V128)));
  const bv = Array.from({ length: VECS }, () => f.local(V128));
  const av = f.local(V128), x2 = f.local(V128);
  const tanhConsts = tanhConstants(f);

  f.get(N).i32(2).emit(op.i32Shl).set(ldb);
  f.get(ars).i32(2).emit(op.i32Shl).set(ars);
  f.get(acs).i32(2).emit(op.i32Shl).set(acs);

  const tile = (R: number, V: number): void => {
    f.get(c).get(i).get(ldb).emit(op.i32Mul).emit(op.i32Add).get(j).emit(op.i32Add).set(pc);
    f.get(init).i32(INIT.accumulate).emit(op.i32GeS).if();
    f.get(pc).set(pr);
    for (let r = 0; r < R; r++) {
      for (let v = 0; v < V; v++) f.get(pr).v128Load(16 * v).set(acc[r]![v]!);
      if (r < R - 1) f.addLocal(pr, ldb);
    }
    f.get(init).i32(INIT.accumulateBias).emit(op.i32Eq).if();
    for (let v = 0; v < V; v++) f.get(bias).get(j).emit(op.i32Add).v128Load(16 * v).set(bv[v]!);
    for (let r = 0; r < R; r++) for (let v = 0; v < V; v++) f.get(acc[r]![v]!).get(bv[v]!).simd(simd.f32x4Add).set(acc[r]![v]!);
    f.end();
    f.else().get(init).i32(INIT.bias).emit(op.i32Eq).if();
    for (let v = 0; v < V; v++) f.get(bias).get(j).emit(op.i32Add).v128Load(16 * v).set(acc[0]![v]!);
    f.else();
    for (let v = 0; v < V; v++) f.f32x4(0).set(acc[0]![v]!);
    f.end();
    for (let r = 1; r < R; r++) for (let v = 0; v < V; v++) f.get(acc[0]![v]!).set(acc[r]![v]!);
    f.end();
    f.get(a).get(i).get(ars).emit(op.i32Mul).emit(op.i32Add).set(pa[0]!);
    for (let r = 1; r < R; r++) f.get(pa[r - 1]!).get(ars).emit(op.i32Add).set(pa[r]!);
    f.get(b).get(j).emit(op.i32Add).set(pb);
    f.get(K).set(kk);
    // do { … } while (--kk > 0), skipped when K <= 0
    f.block().get(kk).i32(0).emit(op.i32LeS).brIf(0).loop();
    for (let v = 0; v < V; v++) f.get(pb).v128Load(16 * v).set(bv[v]!);
    for (let r = 0; r < R; r++) {
      f.get(pa[r]!).splatLoad().set(av);
      for (let v = 0; v < V; v++) {
        if (fma) f.get(av).get(bv[v]!).get(acc[r]![v]!).simd(simd.f32x4RelaxedMadd).set(acc[r]![v]!);
        else f.get(acc[r]![v]!).get(av).get(bv[v]!).simd(simd.f32x4Mul).simd(simd.f32x4Add).set(acc[r]![v]!);
      }
      f.addLocal(pa[r]!, acs);
    }
    f.addLocal(pb, ldb);
    f.get(kk).i32(1).emit(op.i32Sub).tee(kk).i32(0).emit(op.i32GtS).brIf(0);
    f.end().end();
    f.get(act).i32(ACT.tanh).emit(op.i32Eq).if();
    for (let r = 0; r < R; r++) for (let v = 0; v < V; v++) tanh(f, acc[r]![v]!, x2, tanhConsts);
    f.else().get(act).i32(ACT.relu).emit(op.i32Eq).if();
    for (let r = 0; r < R; r++) {
      // pmax (one maxps on x64, unlike max) keeps NaN: pmax(NaN, 0) = NaN
      for (let v = 0; v < V; v++) f.get(acc[r]![v]!).f32x4(0).simd(simd.f32x4Pmax).set(acc[r]![v]!);
    }
    f.end().end();
    for (let r = 0; r < R; r++) {
      for (let v = 0; v < V; v++) f.get(pc).get(acc[r]![v]!).v128Store(16 * v);
      if (r < R - 1) f.addLocal(pc, ldb);
    }
  };

  // a row block: the widest column tiles, then narrower ones for the rest
  const rowBlock = (R: number): void => {
    f.i32(0).set(j);
    for (let V = VECS; V >= 1; V--) {
      f.whileNot(
        (g) => g.get(j).i32(16 * V).emit(op.i32Add).get(ldb).emit(op.i32GtS),
        () => {
          tile(R, V);
          f.addConst(j, 16 * V);
        },
      );
    }
  };

  f.i32(0).set(i);
  for (const R of tiling.rows) {
    f.whileNot(
      (g) => g.get(i).i32(R).emit(op.i32Add).get(M).emit(op.i32GtS),
      () => {
        rowBlock(R);
        f.addConst(i, R);
      },
    );
  }
  return f;
}

export interface TanhConsts {
  lo: number;
  hi: number;
  p: number[];
  q: number[];
}

export function tanhConstants(f: Func): TanhConsts {
  const local = (x: number): number => {
    const l = f.local(V128);
    f.f32x4(x).set(l);
    return l;
  };
  return { lo: local(-TANH_CLAMP), hi: local(TANH_CLAMP), p: TANH_P.map(local), q: TANH_Q.map(local) };
}

/** x ← tanh(x) for a v128 local: the rational approximation of ../mlp/tanh.ts in f32x4. */
export function tanh(f: Func, x: number, x2: number, c: TanhConsts): void {
  const mul = simd.f32x4Mul, add = simd.f32x4Add;
  f.get(x).get(c.lo).simd(simd.f32x4Pmax).get(c.hi).simd(simd.f32x4Pmin).set(x);
  f.get(x).get(x).simd(mul).set(x2);
  // numerator x·(p1 + x²(p3 + … + x²·p13)) over denominator q0 + x²(q2 + x²(q4 + x²·q6))
  f.get(x).get(c.p[6]!);
  for (let n = 5; n >= 0; n--) f.get(x2).simd(mul).get(c.p[n]!).simd(add);
  f.simd(mul);
  f.get(c.q[3]!);
  for (let n = 2; n >= 0; n--) f.get(x2).simd(mul).get(c.q[n]!).simd(add);
  f.simd(simd.f32x4Div).set(x);
}
