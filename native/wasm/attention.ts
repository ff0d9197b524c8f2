// Causal attention of one query row over all heads, f32x4 along the head
// dimension (head size % 4 == 0): the scores, a softmax with a vector exp,
// and the weighted sum of values; and its backward. The JS loops of
// lib/seq/policies/fast-ops.ts took a third of a decode pass, called once per
// (row, head) on 16-float heads.
//
// attend(q, k, v, kvs, count, heads, hd, scale, probs, ps, out):
//   for head h (its vectors at q, k, v, out + 4·h·hd bytes; probs + 4·h·ps):
//   probs[u] = softmax_u(q·k_u·scale) for u < count, out = Σ_u probs[u]·v_u,
//   key/value u at k + 4·u·kvs, v + 4·u·kvs. The exp runs on whole vectors:
//   each probs row needs room for pad4(count) floats.
// attendBackward(q, k, v, kvs, count, heads, hd, scale, probs, ps, dOut, dShift, dP):
//   adds the gradients (at the same places shifted by dShift bytes) of q, k
//   and v given dOut (laid out as out); dP is scratch for `count` floats.
import { F32, Func, I32, op, simd, V128 } from "./assembler.js";

const LOG2E = 1.4426950408889634;
// ln 2 in two parts (Cody–Waite) so that x − n·ln2 stays exact in float32
const LN2_HI = 0.693145751953125;
const LN2_LO = 1.428606765330187e-6;

/** x ← exp(x) lane-wise for x ≤ 0 (lanes below −87 give ~1e-38, not 0): 2ⁿ·p(r), p of degree 6 (rel. error < 2e-7). */
function exp4(f: Func, x: number, n: number): void {
  const mul = simd.f32x4Mul, add = simd.f32x4Add, sub = simd.f32x4Sub;
  f.get(x).f32x4(-87).simd(simd.f32x4Pmax).set(x);
  f.get(x).f32x4(LOG2E).simd(mul).simd(simd.f32x4Nearest).set(n);
  f.get(x).get(n).f32x4(LN2_HI).simd(mul).simd(sub).get(n).f32x4(LN2_LO).simd(mul).simd(sub).set(x);
  f.f32x4(1 / 720);
  for (const c of [1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1]) f.get(x).simd(mul).f32x4(c).simd(add);
  // 2ⁿ: n + 127 into the exponent bits
  f.get(n).simd(simd.i32x4TruncSatF32x4S).i32x4(127).simd(simd.i32x4Add).i32(23).simd(simd.i32x4Shl);
  f.simd(mul).set(x);
}

/** The sum of the four f32 lanes of `v` on the stack. */
function hsum(f: Func, v: number): void {
  f.get(v).get(v).get(v).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).simd(simd.f32x4Add).set(v);
  f.get(v).get(v).get(v).shuffle([4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15]).simd(simd.f32x4Add).lane(simd.f32x4ExtractLane, 0);
}

/** `while (i < end) { body; i += step }` for i32 locals. */
function loop(f: Func, i: number, end: number, step: number, body: () => void): void {
  f.whileNot((g) => g.get(i).get(end).emit(op.i32GeS), () => {
    body();
    f.addConst(i, step);
  });
}

export function attend(): Func {
  const f = new Func([I32, I32, I32, I32, I32, I32, I32, F32, I32, I32, I32]);
  const [q, k, v, kvs, count, heads, hd, scale, probs, ps, out] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const h = f.local(I32), u = f.local(I32), c = f.local(I32), pk = f.local(I32), pv = f.local(I32), pp = f.local(I32), countB = f.local(I32);
  const acc = f.local(V128), x = f.local(V128), n = f.local(V128);
  const mx = f.local(F32), s = f.local(F32), sum = f.local(F32);
  f.get(kvs).i32(2).emit(op.i32Shl).set(kvs);
  f.get(ps).i32(2).emit(op.i32Shl).set(ps);
  f.get(hd).i32(2).emit(op.i32Shl).set(hd);
  f.get(count).i32(2).emit(op.i32Shl).set(countB);
  f.i32(0).set(h);
  loop(f, h, heads, 1, () => {
    // scores and their max
    f.f32(-Infinity).set(mx);
    f.get(k).set(pk);
    f.i32(0).set(u);
    loop(f, u, countB, 4, () => {
      f.f32x4(0).set(acc);
      f.i32(0).set(c);
      loop(f, c, hd, 16, () => {
        f.get(acc).get(q).get(c).emit(op.i32Add).v128Load().get(pk).get(c).emit(op.i32Add).v128Load().simd(simd.f32x4Mul).simd(simd.f32x4Add).set(acc);
      });
      hsum(f, acc);
      f.get(scale).emit(op.f32Mul).set(s);
      f.get(probs).get(u).emit(op.i32Add).get(s).mem(op.f32Store, 2);
      f.get(mx).get(s).emit(op.f32Max).set(mx);
      f.addLocal(pk, kvs);
    });
    // exp(s − max) on whole vectors, then the sum of the first `count`
    f.i32(0).set(c);
    loop(f, c, countB, 16, () => {
      f.get(probs).get(c).emit(op.i32Add).v128Load().get(mx).simd(simd.f32x4Splat).simd(simd.f32x4Sub).set(x);
      exp4(f, x, n);
      f.get(probs).get(c).emit(op.i32Add).get(x).v128Store();
    });
    f.f32(0).set(sum);
    f.i32(0).set(u);
    loop(f, u, countB, 4, () => void f.get(sum).get(probs).get(u).emit(op.i32Add).mem(op.f32Load, 2).emit(op.f32Add).set(sum));
    f.f32(1).get(sum).emit(op.f32Div).simd(simd.f32x4Splat).set(n);
    f.i32(0).set(c);
    loop(f, c, countB, 16, () => {
      f.get(probs).get(c).emit(op.i32Add).get(probs).get(c).emit(op.i32Add).v128Load().get(n).simd(simd.f32x4Mul).v128Store();
    });
    // out = Σ_u p_u · v_u, one vector of the head at a time
    f.i32(0).set(c);
    loop(f, c, hd, 16, () => {
      f.f32x4(0).set(acc);
      f.get(v).get(c).emit(op.i32Add).set(pv);
      f.get(probs).set(pp);
      f.get(probs).get(countB).emit(op.i32Add).set(u);
      loop(f, pp, u, 4, () => {
        f.get(acc).get(pp).splatLoad().get(pv).v128Load().simd(simd.f32x4Mul).simd(simd.f32x4Add).set(acc);
        f.addLocal(pv, kvs);
      });
      f.get(out).get(c).emit(op.i32Add).get(acc).v128Store();
    });
    for (const p of [q, k, v, out]) f.addLocal(p, hd);
    f.addLocal(probs, ps);
  });
  return f;
}

export function attendBackward(): Func {
  const f = new Func([I32, I32, I32, I32, I32, I32, I32, F32, I32, I32, I32, I32, I32]);
  const [q, k, v, kvs, count, heads, hd, scale, probs, ps, dOut, dShift, dP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const h = f.local(I32), u = f.local(I32), c = f.local(I32), pk = f.local(I32), pv = f.local(I32), countB = f.local(I32), a = f.local(I32);
  const acc = f.local(V128), g = f.local(V128), w = f.local(V128);
  const dot = f.local(F32), d = f.local(F32);
  f.get(kvs).i32(2).emit(op.i32Shl).set(kvs);
  f.get(ps).i32(2).emit(op.i32Shl).set(ps);
  f.get(hd).i32(2).emit(op.i32Shl).set(hd);
  f.get(count).i32(2).emit(op.i32Shl).set(countB);
  f.i32(0).set(h);
  loop(f, h, heads, 1, () => {
    // dP_u = dOut·v_u, dv_u += p_u·dOut, dot = Σ p_u·dP_u
    f.f32(0).set(dot);
    f.get(v).set(pv);
    f.i32(0).set(u);
    loop(f, u, countB, 4, () => {
      f.f32x4(0).set(acc);
      f.get(probs).get(u).emit(op.i32Add).splatLoad().set(w);
      f.i32(0).set(c);
      loop(f, c, hd, 16, () => {
        f.get(dOut).get(c).emit(op.i32Add).v128Load().set(g);
        f.get(acc).get(g).get(pv).get(c).emit(op.i32Add).v128Load().simd(simd.f32x4Mul).simd(simd.f32x4Add).set(acc);
        f.get(pv).get(dShift).emit(op.i32Add).get(c).emit(op.i32Add).tee(a).get(a).v128Load().get(w).get(g).simd(simd.f32x4Mul).simd(simd.f32x4Add).v128Store();
      });
      hsum(f, acc);
      f.set(d);
      f.get(dP).get(u).emit(op.i32Add).get(d).mem(op.f32Store, 2);
      f.get(dot).get(w).lane(simd.f32x4ExtractLane, 0).get(d).emit(op.f32Mul).emit(op.f32Add).set(dot);
      f.addLocal(pv, kvs);
    });
    // dS_u = p_u·(dP_u − dot)·scale; dq += dS_u·k_u; dk_u += dS_u·q
    f.get(k).set(pk);
    f.i32(0).set(u);
    loop(f, u, countB, 4, () => {
      f.get(probs).get(u).emit(op.i32Add).mem(op.f32Load, 2);
      f.get(dP).get(u).emit(op.i32Add).mem(op.f32Load, 2).get(dot).emit(op.f32Sub).emit(op.f32Mul).get(scale).emit(op.f32Mul);
      f.simd(simd.f32x4Splat).set(w);
      f.i32(0).set(c);
      loop(f, c, hd, 16, () => {
        f.get(q).get(dShift).emit(op.i32Add).get(c).emit(op.i32Add).tee(a).get(a).v128Load().get(w).get(pk).get(c).emit(op.i32Add).v128Load().simd(simd.f32x4Mul).simd(simd.f32x4Add).v128Store();
        f.get(pk).get(dShift).emit(op.i32Add).get(c).emit(op.i32Add).tee(a).get(a).v128Load().get(w).get(q).get(c).emit(op.i32Add).v128Load().simd(simd.f32x4Mul).simd(simd.f32x4Add).v128Store();
      });
      f.addLocal(pk, kvs);
    });
    for (const p of [q, k, v, dOut]) f.addLocal(p, hd);
    f.addLocal(probs, ps);
  });
  return f;
}

/**
 * decodeAttend(A, order, fed, qkv, K, V, T, D, heads, hd, scale, probs, ps, att):
 * one decoder step's attention for A active rows in one call. Block row a is
 * sequence r = order[a] (i32) at position fed[r] (i32): its key and value
 * (from qkv row a, [q | k | v] of 3·D floats) go into the caches K and V
 * ([rows, T, D]) at that position, then `attend` (function index
 * `attendIndex` in the module) runs its query over positions 0 … fed[r]
 * into att row a. probs: heads·ps floats of scratch.
 */
export function decodeAttend(attendIndex: number): Func {
  const f = new Func([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F32, I32, I32, I32]);
  const [A, order, fed, qkv, K, V, T, D, heads, hd, scale, probs, ps, att] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const a = f.local(I32), r = f.local(I32), pos = f.local(I32), q = f.local(I32), cache = f.local(I32), at = f.local(I32), c = f.local(I32), DB = f.local(I32);
  f.get(D).i32(2).emit(op.i32Shl).set(DB);
  f.i32(0).set(a);
  loop(f, a, A, 1, () => {
    f.get(order).get(a).i32(2).emit(op.i32Shl).emit(op.i32Add).mem(op.i32Load, 2).set(r);
    f.get(fed).get(r).i32(2).emit(op.i32Shl).emit(op.i32Add).mem(op.i32Load, 2).set(pos);
    f.get(qkv).get(a).get(DB).emit(op.i32Mul).i32(3).emit(op.i32Mul).emit(op.i32Add).set(q);
    // byte offset of sequence r's cache rows, and of its row at pos
    f.get(r).get(T).emit(op.i32Mul).get(DB).emit(op.i32Mul).set(cache);
    f.get(cache).get(pos).get(DB).emit(op.i32Mul).emit(op.i32Add).set(at);
    f.i32(0).set(c);
    loop(f, c, DB, 16, () => {
      f.get(K).get(at).emit(op.i32Add).get(c).emit(op.i32Add).get(q).get(DB).emit(op.i32Add).get(c).emit(op.i32Add).v128Load().v128Store();
      f.get(V).get(at).emit(op.i32Add).get(c).emit(op.i32Add).get(q).get(DB).emit(op.i32Add).get(DB).emit(op.i32Add).get(c).emit(op.i32Add).v128Load().v128Store();
    });
    f.get(q).get(K).get(cache).emit(op.i32Add).get(V).get(cache).emit(op.i32Add).get(D).get(pos).i32(1).emit(op.i32Add);
    f.get(heads).get(hd).get(scale).get(probs).get(ps).get(att).get(a).get(DB).emit(op.i32Mul).emit(op.i32Add);
    f.call(attendIndex);
  });
  return f;
}
