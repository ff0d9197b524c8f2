// CartPole-v1's step in wasm SIMD: two copies per f64x2 vector, `vecs`
// vectors per loop iteration. It performs the float64 operations of the JS
// loop in lib/envs/classic/cartpole.ts (Gymnasium's Euler update) in the same
// order, without FMA or reassociation; IEEE add/sub/mul/div are exactly
// rounded per lane, so state and observations are bit-identical to the JS
// engine's. cos θ and sin θ are fdlibm's kernels for |θ| < 0.3 (as in
// lib/envs/classic/trig.ts, the code V8's Math.cos/Math.sin run there);
// copies outside that range, rare, take the imported Math.cos/Math.sin.
//
// What makes it fast in V8 (measured on n = 1024, see bench/env-throughput.ts):
// - Three passes over the copies, each writing scratch that the next reads:
//   (1) the action check and cos θ, sin θ; (2) temp and θacc, two divisions;
//   (3) xacc, the Euler update, obs, elapsed and the ended list. The whole
//   step in one loop body is a chain of ~100 cycles of latency (three
//   divisions in a row after the polynomials), too long for the CPU to
//   overlap iterations; short passes overlap well (with the changes below,
//   two passes ran at ~9.0 ns per copy and three at ~8.6 on an AMD EPYC,
//   Zen 3; the first one-pass version at ~11.5). Pass 1 writes scratch
//   only, so a bad action changes nothing.
// - No call inside a loop: out-of-range θ is only flagged by pass 1 and fixed
//   by a separate pass. A call, even on a branch never taken, makes V8 spill
//   every vector that lives across it, on every iteration.
// - The vectors of an iteration interleaved statement by statement
//   (Func.interleave), so their latency chains run side by side.
// - Constants in v128 locals loaded once before the loops. A v128.const in a
//   loop is rebuilt from immediates at every use (three instructions), and a
//   load in the loop body is hoisted to its top and spilled.
// - The float32 obs written in the last pass (vs a pass of its own: ~5% slower).
//
// Everything the loops touch lives in the kernel's own wasm memory, sized
// once for n copies and never grown, so the env can hold typed-array views of
// it as its buffers. Layout (byte offsets), `rows` = n rounded up to a
// multiple of 8 (the step zeroes the padding copies and never reports them):
//   0        constants, one v128 each (F64_SLOTS, then the i32x4 ones)
//   S        state    rows × 4 float64, row-major: x, ẋ, θ, θ̇
//   O        obs      rows × 4 float32
//   T        scratch  per pair of copies: cos θ, sin θ, temp, θacc (f64x2 each)
//   E, A, L  elapsed, actions, ended: rows × int32 each
import { webAssembly, type WasmMemory, type WasmModule } from "../wasm/api.js";
import { assemble, F64, Func, I32, lanes32, lanes64, op, simd, V128, type ImportSpec } from "../wasm/assembler.js";

/** Loop shapes (bench/env-throughput.ts times them, kernel alone). */
export interface CartPoleKernelShape {
  /** f64x2 vectors (2 copies each) per loop iteration: 1, 2 or 4. */
  vecs: 1 | 2 | 4;
  /** Write the float32 observations in the last pass ("inline") or in a pass of their own over the state ("pass"). */
  obs: "inline" | "pass";
}
export const DEFAULT_CARTPOLE_SHAPE: CartPoleKernelShape = { vecs: 2, obs: "inline" };

/** The order of CartPole's constants in {@link CartPoleKernel.setConstants} (Gymnasium's derived total_mass and polemass_length included). */
export const CARTPOLE_CONSTANTS = ["gravity", "massPole", "totalMass", "polemassLength", "length", "forceMag", "tau", "xThreshold", "thetaThreshold"] as const;

// fdlibm's __kernel_sin / __kernel_cos coefficients (as in lib/envs/classic/trig.ts).
const S1 = -1.66666666666666324348e-1;
const SIN_R = [8.33333333332248946124e-3, -1.98412698298579493134e-4, 2.75573137070700676789e-6, -2.50507602534068634195e-8, 1.58969099521155010221e-10];
const COS_R = [4.16666666666666019037e-2, -1.38888888888741095749e-3, 2.48015872894767294178e-5, -2.75573143513906633035e-7, 2.0875723212981748279e-9, -1.13596475577881948265e-11];

/** The fixed f64 constants after the env's nine, one v128 slot each (both lanes). */
const FIXED: Record<string, number> = { four3: 4.0 / 3.0, half: 0.5, one: 1, lo: -0.3, hi: 0.3, s1: S1, ...Object.fromEntries([...SIN_R.map((x, k) => [`sr${k}`, x]), ...COS_R.map((x, k) => [`cr${k}`, x])]) };
const F64_SLOTS = [...CARTPOLE_CONSTANTS, ...Object.keys(FIXED)];
/** Slot of the i32x4 constant 1. */
const ONES_SLOT = F64_SLOTS.length;
const CONSTANT_BYTES = 16 * (ONES_SLOT + 1);
/** Imported function indices. */
const SIN = 0;
const COS = 1;

/**
 * step(n, limit, S, O, T, E, A, L) → the number of copies whose episode
 * ended (listed in `ended`, ascending), or -1 without changing any copy when
 * an action is not 0 or 1. Pointers are byte addresses (see the layout above).
 */
export function cartPoleStepFunc(shape: CartPoleKernelShape = DEFAULT_CARTPOLE_SHAPE): Func {
  const V = shape.vecs;
  const G = 2 * V; // copies per iteration
  const Q = Math.max(1, V >> 1); // int32 vectors (up to 4 copies each) per iteration
  const f = new Func([I32, I32, I32, I32, I32, I32, I32, I32], [I32]);
  const [n, limit, S, O, T, E, A, L] = [0, 1, 2, 3, 4, 5, 6, 7];
  const { f64x2Add: add, f64x2Sub: sub, f64x2Mul: mul, f64x2Div: div } = simd;
  const i = f.local(I32), rows = f.local(I32), ps = f.local(I32), po = f.local(I32), pt = f.local(I32), pi = f.local(I32);
  const count = f.local(I32), m = f.local(I32), outside = f.local(I32), idx = f.local(I32);
  const acc = f.local(V128), lim1 = f.local(V128);
  const acts = Array.from({ length: Q }, () => f.local(V128));
  const vs = Array.from({ length: V }, () => ({
    x: f.local(V128), xd: f.local(V128), th: f.local(V128), thd: f.local(V128), c: f.local(V128), s: f.local(V128),
    z: f.local(V128), t: f.local(V128), u: f.local(V128), w: f.local(V128), y: f.local(V128),
  }));
  type Vec = (typeof vs)[number];
  // Constants: v128 locals loaded from memory once. (A v128.const is rebuilt
  // from immediates at every use in a loop, three instructions; a load inside
  // the loop is hoisted to the top of the body and then spilled; a local
  // loaded before the loop is reloaded from its spill slot, one instruction.)
  const constants = new Map([...F64_SLOTS, "ones"].map((name, slot) => {
    const l = f.local(V128);
    f.i32(0).v128Load(16 * slot).set(l);
    return [name, l] as const;
  }));
  /** Code that pushes constant `name`, for `f.put`. */
  const K = (name: string) => {
    const l = constants.get(name);
    if (l === undefined) throw new Error(`no constant ${name}`);
    return (g: Func): Func => g.get(l);
  };
  /** Pushes int32 vector q of the group from buffer `base`: 4 copies, or 2 (and zeros) when G = 2. */
  const loadInts = (base: number, q: number): Func => {
    f.get(base).get(pi).emit(op.i32Add);
    return G === 2 ? f.mem(simd.load64Zero, 3, 0, true) : f.v128Load(16 * q);
  };
  const storeInts = (base: number, q: number, value: (g: Func) => unknown): Func => {
    f.get(base).get(pi).emit(op.i32Add).put(value);
    return G === 2 ? f.store64Lane(0) : f.v128Store(16 * q);
  };
  /** `for (i = 0, pi = 0, ps = S, po = O, pt = T; i < rows; i += G, …) body` */
  const eachGroup = (body: () => void): void => {
    f.i32(0).set(i).i32(0).set(pi).get(S).set(ps).get(O).set(po).get(T).set(pt);
    f.whileNot(
      (w) => w.get(i).get(rows).emit(op.i32GeS),
      () => {
        body();
        f.addConst(i, G).addConst(pi, 4 * G).addConst(ps, 32 * G).addConst(po, 16 * G).addConst(pt, 32 * G);
      },
    );
  };
  // Scratch of vector k in the group: cos θ, sin θ, temp, θacc.
  const SCRATCH = { c: 0, s: 16, temp: 32, thAcc: 48 } as const;
  const scratch = (k: number, what: keyof typeof SCRATCH): number => 64 * k + SCRATCH[what];
  /** Pushes the bits (two per vector, shifted to vector k's place) of copies with -0.3 < θ < 0.3. */
  const inRangeBits = (k: number, v: Vec): void => {
    f.get(v.th).put(K("hi")).simd(simd.f64x2Lt).get(v.th).put(K("lo")).simd(simd.f64x2Gt).simd(simd.and).simd(simd.i64x2Bitmask);
    if (k > 0) f.i32(2 * k).emit(op.i32Shl);
  };

  // Padding rows: zero state, elapsed and actions, so they stay at rest and never end.
  f.get(n).i32(G - 1).emit(op.i32Add).i32(-G).emit(op.i32And).set(rows);
  f.get(n).set(i);
  f.whileNot(
    (w) => w.get(i).get(rows).emit(op.i32GeS),
    () => {
      f.get(S).get(i).i32(5).emit(op.i32Shl).emit(op.i32Add).set(ps);
      f.get(ps).f64x2(0).v128Store(0).get(ps).f64x2(0).v128Store(16);
      f.get(i).i32(2).emit(op.i32Shl).set(pi);
      f.get(E).get(pi).emit(op.i32Add).i32(0).mem(op.i32Store, 2);
      f.get(A).get(pi).emit(op.i32Add).i32(0).mem(op.i32Store, 2);
      f.addConst(i, 1);
    },
  );

  // Pass 1, into scratch only: OR the actions together (a bad one is caught
  // before anything changes); cos θ and sin θ by the polynomials. Copies with
  // θ out of their range are only flagged here, for the fix-up pass.
  f.i32x4(0).set(acc).i32(0).set(outside);
  eachGroup(() => {
    for (let q = 0; q < Q; q++) {
      f.get(acc);
      loadInts(A, q).simd(simd.or).set(acc);
    }
    f.i32(0).set(m);
    f.interleave(V, (k, next) => {
      const v = vs[k]!;
      f.get(ps).v128Load(64 * k + 16).get(ps).v128Load(64 * k + 48).shuffle(lanes64(0, 2)).set(v.th);
      next();
      f.get(v.th).get(v.th).simd(mul).set(v.z);
      next();
      // sin = θ + (z·θ)·(S1 + z·r_s), or θ itself when θ == 0 (keeps −0). cos = 1 − (z/2 − z·r_c).
      // (a + b and a·b are commutative in IEEE arithmetic; only the grouping must match.)
      f.put(K("sr4")).get(v.z).simd(mul).put(K("sr3")).simd(add).set(v.t);
      f.put(K("cr5")).get(v.z).simd(mul).put(K("cr4")).simd(add).set(v.u);
      next();
      for (let q = 2; q >= 0; q--) {
        f.get(v.t).get(v.z).simd(mul).put(K(`sr${q}`)).simd(add).set(v.t);
        f.get(v.u).get(v.z).simd(mul).put(K(`cr${q + 1}`)).simd(add).set(v.u);
        next();
      }
      f.get(v.z).get(v.t).simd(mul).put(K("s1")).simd(add).set(v.t);
      f.get(v.u).get(v.z).simd(mul).put(K("cr0")).simd(add).set(v.u);
      f.get(v.z).get(v.th).simd(mul).set(v.w);
      next();
      f.get(v.th).get(v.w).get(v.t).simd(mul).simd(add).set(v.t);
      f.get(v.z).get(v.u).simd(mul).set(v.u); // r_c
      next();
      f.get(pt).get(v.t).get(v.th).get(v.th).f64x2(0).simd(simd.f64x2Ne).simd(simd.bitselect).v128Store(scratch(k, "s")); // θ ≠ 0 ? poly : θ
      f.put(K("half")).get(v.z).simd(mul).get(v.z).get(v.u).simd(mul).simd(sub).set(v.u);
      next();
      f.get(pt).put(K("one")).get(v.u).simd(sub).v128Store(scratch(k, "c"));
      next();
      inRangeBits(k, v);
      f.get(m).emit(op.i32Or).set(m);
    });
    f.get(outside).get(m).i32((1 << G) - 1).emit(op.i32Xor).emit(op.i32Or).set(outside);
  });
  f.get(acc).i32(1).simd(simd.i32x4ShrU).simd(simd.anyTrue).if().i32(-1).emit(op.return).end();

  // Rare fix-up pass: Math.cos and Math.sin for the copies with |θ| ≥ 0.3 (or NaN).
  f.get(outside).if();
  eachGroup(() => {
    f.i32(0).set(m);
    vs.forEach((v, k) => {
      f.get(ps).v128Load(64 * k + 16).get(ps).v128Load(64 * k + 48).shuffle(lanes64(0, 2)).set(v.th);
      inRangeBits(k, v);
      f.get(m).emit(op.i32Or).set(m);
    });
    for (let c = 0; c < G; c++) {
      const k = c >> 1, lane = c & 1;
      f.get(m).i32(1 << c).emit(op.i32And).emit(op.i32Eqz).if();
      f.get(pt).get(ps).mem(op.f64Load, 3, 32 * c + 16).call(COS).mem(op.f64Store, 3, scratch(k, "c") + 8 * lane);
      f.get(pt).get(ps).mem(op.f64Load, 3, 32 * c + 16).call(SIN).mem(op.f64Store, 3, scratch(k, "s") + 8 * lane);
      f.end();
    }
  });
  f.end();

  // Pass 2, into scratch: temp and θacc.
  eachGroup(() => {
    acts.forEach((a, q) => void loadInts(A, q).i32(1).simd(simd.i32x4Shl).put(K("ones")).simd(simd.i32x4Sub).set(a)); // 2a − 1 per copy
    f.interleave(V, (k, next) => {
      const v = vs[k]!;
      f.get(ps).v128Load(64 * k + 16).get(ps).v128Load(64 * k + 48).shuffle(lanes64(1, 3)).set(v.thd);
      f.get(pt).v128Load(scratch(k, "c")).set(v.c);
      f.get(pt).v128Load(scratch(k, "s")).set(v.s);
      next();
      f.get(acts[k >> 1]!);
      if (k & 1) f.get(acts[k >> 1]!).shuffle(lanes64(1, 1));
      f.simd(simd.f64x2ConvertLowI32x4S).put(K("forceMag")).simd(mul).set(v.t); // force = (2a − 1)·f
      next();
      // temp = (force + pml·(θ̇·θ̇)·sin) / totalMass
      f.put(K("polemassLength")).get(v.thd).get(v.thd).simd(mul).simd(mul).get(v.s).simd(mul).set(v.u);
      next();
      f.get(v.t).get(v.u).simd(add).put(K("totalMass")).simd(div).set(v.z);
      f.get(pt).get(v.z).v128Store(scratch(k, "temp"));
      next();
      // θacc = (g·sin − cos·temp) / (len·(4/3 − mp·(cos·cos)/totalMass))
      f.put(K("massPole")).get(v.c).get(v.c).simd(mul).simd(mul).put(K("totalMass")).simd(div).set(v.w);
      next();
      f.put(K("length")).put(K("four3")).get(v.w).simd(sub).simd(mul).set(v.w);
      next();
      f.get(pt).put(K("gravity")).get(v.s).simd(mul).get(v.c).get(v.z).simd(mul).simd(sub).get(v.w).simd(div).v128Store(scratch(k, "thAcc"));
      next();
    });
  });

  // Pass 3: xacc, the Euler update, obs, elapsed and the ended list.
  f.i32(0).set(count);
  f.get(limit).i32(1).emit(op.i32Sub).simd(simd.i32x4Splat).set(lim1);
  eachGroup(() => {
    // Ended at the time limit: elapsed + 1 ≥ limit, i.e. old elapsed ≥ limit − 1 (which cannot overflow).
    f.i32(0).set(m);
    for (let q = 0; q < Q; q++) {
      loadInts(E, q).tee(acc).get(lim1).simd(simd.i32x4GeS).simd(simd.i32x4Bitmask);
      if (G === 2) f.i32(3).emit(op.i32And);
      if (q > 0) f.i32(4 * q).emit(op.i32Shl);
      f.get(m).emit(op.i32Or).set(m);
      storeInts(E, q, (g) => g.get(acc).put(K("ones")).simd(simd.i32x4Add));
    }
    f.interleave(V, (k, next) => {
      const v = vs[k]!;
      // Transpose the rows [x, ẋ], [θ, θ̇] of two copies into lanes.
      f.get(ps).v128Load(64 * k).set(v.t).get(ps).v128Load(64 * k + 32).set(v.u);
      f.get(ps).v128Load(64 * k + 16).set(v.w).get(ps).v128Load(64 * k + 48).set(v.y);
      next();
      f.get(v.t).get(v.u).shuffle(lanes64(0, 2)).set(v.x);
      f.get(v.t).get(v.u).shuffle(lanes64(1, 3)).set(v.xd);
      next();
      f.get(v.w).get(v.y).shuffle(lanes64(0, 2)).set(v.th);
      f.get(v.w).get(v.y).shuffle(lanes64(1, 3)).set(v.thd);
      next();
      f.get(pt).v128Load(scratch(k, "c")).set(v.c);
      f.get(pt).v128Load(scratch(k, "temp")).set(v.z);
      f.get(pt).v128Load(scratch(k, "thAcc")).set(v.s); // v.s = θacc
      next();
      // xacc = temp − pml·θacc·cos / totalMass; then Euler, in place.
      f.put(K("polemassLength")).get(v.s).simd(mul).get(v.c).simd(mul).put(K("totalMass")).simd(div).set(v.t);
      f.get(v.x).put(K("tau")).get(v.xd).simd(mul).simd(add).set(v.x);
      f.get(v.th).put(K("tau")).get(v.thd).simd(mul).simd(add).set(v.th);
      next();
      f.get(v.thd).put(K("tau")).get(v.s).simd(mul).simd(add).set(v.thd);
      f.get(v.z).get(v.t).simd(sub).set(v.t); // xacc
      next();
      f.get(v.xd).put(K("tau")).get(v.t).simd(mul).simd(add).set(v.xd);
      next();
      // Back to rows [x, ẋ], [θ, θ̇] per copy, and float32 obs rows.
      f.get(v.x).get(v.xd).shuffle(lanes64(0, 2)).set(v.t);
      f.get(v.th).get(v.thd).shuffle(lanes64(0, 2)).set(v.u);
      f.get(v.x).get(v.xd).shuffle(lanes64(1, 3)).set(v.w);
      f.get(v.th).get(v.thd).shuffle(lanes64(1, 3)).set(v.y);
      next();
      f.get(ps).get(v.t).v128Store(64 * k).get(ps).get(v.u).v128Store(64 * k + 16);
      f.get(ps).get(v.w).v128Store(64 * k + 32).get(ps).get(v.y).v128Store(64 * k + 48);
      next();
      if (shape.obs === "inline") {
        const row = (a: number, b: number): Func =>
          f.get(a).simd(simd.f32x4DemoteF64x2Zero).get(b).simd(simd.f32x4DemoteF64x2Zero).shuffle(lanes32(0, 1, 4, 5));
        f.get(po);
        row(v.t, v.u).v128Store(32 * k);
        f.get(po);
        row(v.w, v.y).v128Store(32 * k + 16);
      }
      next();
      // Terminated: |x| > xT or |θ| > θT.
      f.get(v.x).simd(simd.f64x2Abs).put(K("xThreshold")).simd(simd.f64x2Gt);
      f.get(v.th).simd(simd.f64x2Abs).put(K("thetaThreshold")).simd(simd.f64x2Gt).simd(simd.or);
      f.simd(simd.i64x2Bitmask);
      if (k > 0) f.i32(2 * k).emit(op.i32Shl);
      f.get(m).emit(op.i32Or).set(m);
    });
    // Rare: list the copies that ended, in order, leaving out padding.
    f.get(m).if().block().loop();
    f.get(i).get(m).emit(op.i32Ctz).emit(op.i32Add).tee(idx).get(n).emit(op.i32GeU).brIf(1);
    f.get(L).get(count).i32(2).emit(op.i32Shl).emit(op.i32Add).get(idx).mem(op.i32Store, 2);
    f.addConst(count, 1);
    f.get(m).get(m).i32(1).emit(op.i32Sub).emit(op.i32And).tee(m).brIf(0);
    f.end().end().end();
  });

  if (shape.obs === "pass") {
    // obs = float32(state), 2 copies per iteration.
    f.get(S).set(ps).get(O).set(po).get(O).get(rows).i32(4).emit(op.i32Shl).emit(op.i32Add).set(pi);
    f.whileNot(
      (w) => w.get(po).get(pi).emit(op.i32GeU),
      () => {
        for (let k = 0; k < 2; k++) {
          f.get(po).get(ps).v128Load(32 * k).simd(simd.f32x4DemoteF64x2Zero).get(ps).v128Load(32 * k + 16).simd(simd.f32x4DemoteF64x2Zero);
          f.shuffle(lanes32(0, 1, 4, 5)).v128Store(16 * k);
        }
        f.addConst(ps, 64).addConst(po, 32);
      },
    );
  }
  f.get(count);
  return f;
}

const PAGE = 65536;
const modules = new Map<string, WasmModule>();

/** The compiled kernel module for `shape` (compiled once per process). Throws where WebAssembly or its SIMD is missing. */
export function cartPoleModule(shape: CartPoleKernelShape = DEFAULT_CARTPOLE_SHAPE): WasmModule {
  const key = `${shape.vecs}/${shape.obs}`;
  let module = modules.get(key);
  if (!module) {
    if (!webAssembly) throw new Error("this JavaScript runtime has no WebAssembly");
    const imports: ImportSpec[] = [
      { name: "sin", params: [F64], results: [F64] },
      { name: "cos", params: [F64], results: [F64] },
    ];
    module = new webAssembly.Module(assemble({ memory: { initialPages: 1 }, imports, functions: { step: cartPoleStepFunc(shape) } }));
    modules.set(key, module);
  }
  return module;
}

let simdError: string | null | undefined;

/** Why the wasm SIMD CartPole kernel cannot run here, or null when it can. */
export function cartPoleSimdUnavailable(): string | null {
  if (simdError === undefined) {
    try {
      cartPoleModule();
      simdError = null;
    } catch (e) {
      simdError = `WebAssembly SIMD is not available in this runtime (${(e as Error).message})`;
    }
  }
  return simdError;
}

type StepFn = (n: number, limit: number, S: number, O: number, T: number, E: number, A: number, L: number) => number;

/**
 * n CartPoles in a wasm memory of their own. `state`, `obs`, `elapsed`,
 * `actions` and `ended` are views of it, created once (the memory never
 * grows, so they stay valid): an env uses them as its buffers. Set the
 * constants once with `setConstants`, then each `step` steps every copy
 * with the actions in `actions`.
 */
export class CartPoleKernel {
  readonly state: Float64Array;
  readonly obs: Float32Array;
  readonly elapsed: Int32Array;
  readonly actions: Int32Array;
  readonly ended: Int32Array;
  private readonly run: StepFn;
  private readonly constants: Float64Array;
  private readonly S: number;
  private readonly O: number;
  private readonly T: number;
  private readonly E: number;
  private readonly A: number;
  private readonly L: number;

  constructor(
    readonly n: number,
    shape: CartPoleKernelShape = DEFAULT_CARTPOLE_SHAPE,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`CartPoleKernel: n must be an integer ≥ 1, got ${n}`);
    const rows = (n + 7) & ~7;
    this.S = CONSTANT_BYTES;
    this.O = this.S + 32 * rows;
    this.T = this.O + 16 * rows;
    this.E = this.T + 32 * rows;
    this.A = this.E + 4 * rows;
    this.L = this.A + 4 * rows;
    const pages = Math.ceil((this.L + 4 * rows) / PAGE);
    const memory: WasmMemory = new webAssembly!.Memory({ initial: pages, maximum: pages });
    const env = { memory, sin: Math.sin, cos: Math.cos };
    this.run = new webAssembly!.Instance(cartPoleModule(shape), { env }).exports.step as StepFn;
    const buf = memory.buffer;
    this.constants = new Float64Array(buf, 0, 2 * F64_SLOTS.length);
    new Int32Array(buf, 16 * ONES_SLOT, 4).fill(1);
    F64_SLOTS.forEach((key, k) => this.constants.fill(FIXED[key] ?? NaN, 2 * k, 2 * k + 2));
    this.state = new Float64Array(buf, this.S, 4 * n);
    this.obs = new Float32Array(buf, this.O, 4 * n);
    this.elapsed = new Int32Array(buf, this.E, n);
    this.actions = new Int32Array(buf, this.A, n);
    this.ended = new Int32Array(buf, this.L, n);
  }

  /** Sets the physical constants, in the order of {@link CARTPOLE_CONSTANTS}. */
  setConstants(c: ArrayLike<number>): void {
    if (c.length !== CARTPOLE_CONSTANTS.length) throw new RangeError(`CartPoleKernel: expected ${CARTPOLE_CONSTANTS.length} constants (${CARTPOLE_CONSTANTS.join(", ")}), got ${c.length}`);
    for (let k = 0; k < c.length; k++) this.constants.fill(c[k]!, 2 * k, 2 * k + 2);
  }

  /**
   * Steps every copy with the actions in `actions`: state, obs and elapsed
   * in place, and the copies whose episode ended (terminated, or elapsed
   * reached `limit`, an int32 ≥ 1) listed in `ended`, ascending. Returns how
   * many ended, or -1, changing nothing, when an action is not 0 or 1.
   */
  step(limit: number): number {
    return this.run(this.n, limit, this.S, this.O, this.T, this.E, this.A, this.L);
  }
}
