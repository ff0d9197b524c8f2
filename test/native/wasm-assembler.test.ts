// The wasm binary writer (native/wasm/assembler.ts): each opcode family the
// kernels use, run in V8 and checked against the same operation in JS.
import assert from "node:assert/strict";
import { test } from "node:test";
import { webAssembly } from "../../native/wasm/api.js";
import { assemble, F64, Func, I32, lanes32, lanes64, op, simd, V128, type ImportSpec } from "../../native/wasm/assembler.js";

const skip = webAssembly ? false : "no WebAssembly";

/** Instantiates `functions` over a fresh 1-page memory; returns the exports and the memory's bytes. */
function instantiate(functions: Record<string, Func>, imports: ImportSpec[] = [], impl: Record<string, unknown> = {}) {
  const bytes = assemble({ memory: { initialPages: 1 }, imports, functions });
  assert.ok(webAssembly!.validate(bytes), "the module validates");
  const memory = new webAssembly!.Memory({ initial: 1 });
  const exports = new webAssembly!.Instance(new webAssembly!.Module(bytes), { env: { memory, ...impl } }).exports;
  return { exports: exports as Record<string, (...args: number[]) => number>, buffer: memory.buffer };
}

/** A function (a, b, out) that applies a binary v128 op to the vectors at byte addresses a and b and stores it at out. */
function binary(body: (f: Func) => void): Func {
  const f = new Func([I32, I32, I32]);
  f.get(2).get(0).v128Load().get(1).v128Load();
  body(f);
  return f.v128Store();
}

const sample = (): number[] => [0, -0, 1, -1, 0.1, -2.5, 1e-300, 3e300, Infinity, -Infinity, NaN, Math.PI, 1 / 3, -7e-20];

test("f64x2 add/sub/mul/div/min/max/pmin/pmax/abs/neg are IEEE double operations per lane", { skip }, () => {
  const ops: [string, number, (a: number, b: number) => number][] = [
    ["add", simd.f64x2Add, (a, b) => a + b],
    ["sub", simd.f64x2Sub, (a, b) => a - b],
    ["mul", simd.f64x2Mul, (a, b) => a * b],
    ["div", simd.f64x2Div, (a, b) => a / b],
    ["min", simd.f64x2Min, Math.min],
    ["max", simd.f64x2Max, Math.max],
    ["pmin", simd.f64x2Pmin, (a, b) => (b < a ? b : a)],
    ["pmax", simd.f64x2Pmax, (a, b) => (a < b ? b : a)],
  ];
  const fns = Object.fromEntries(ops.map(([name, code]) => [name, binary((f) => f.simd(code))]));
  const unary = (code: number): Func => new Func([I32, I32]).get(1).get(0).v128Load().simd(code).v128Store();
  const { exports, buffer } = instantiate({ ...fns, abs: unary(simd.f64x2Abs), neg: unary(simd.f64x2Neg), sqrt: unary(simd.f64x2Sqrt) });
  const m = new Float64Array(buffer);
  const xs = sample();
  for (const a of xs) {
    for (const b of xs) {
      m.set([a, b, b, a], 0);
      for (const [name, , js] of ops) {
        exports[name]!(0, 16, 32);
        assert.ok(Object.is(m[4], js(a, b)) || (Number.isNaN(m[4]!) && Number.isNaN(js(a, b))), `${name}(${a}, ${b}) = ${m[4]}`);
        assert.ok(Object.is(m[5], js(b, a)) || (Number.isNaN(m[5]!) && Number.isNaN(js(b, a))), `${name}(${b}, ${a}) lane 1`);
      }
    }
    m.set([a, -a], 0);
    exports.abs!(0, 32);
    assert.ok(Object.is(m[4], Math.abs(a)) || Number.isNaN(a), `abs(${a})`);
    exports.neg!(0, 32);
    assert.ok(Object.is(m[4], -a) || Number.isNaN(a), `neg(${a})`);
    exports.sqrt!(0, 32);
    assert.ok(Object.is(m[4], Math.sqrt(a)) || Number.isNaN(Math.sqrt(a)), `sqrt(${a})`);
  }
});

test("f64x2 comparisons give all-ones lanes, i64x2.bitmask packs them, bitselect picks by them", { skip }, () => {
  const cmps: [string, number, (a: number, b: number) => boolean][] = [
    ["eq", simd.f64x2Eq, (a, b) => a === b],
    ["ne", simd.f64x2Ne, (a, b) => a !== b],
    ["lt", simd.f64x2Lt, (a, b) => a < b],
    ["gt", simd.f64x2Gt, (a, b) => a > b],
    ["le", simd.f64x2Le, (a, b) => a <= b],
    ["ge", simd.f64x2Ge, (a, b) => a >= b],
  ];
  const bits = (code: number): Func => new Func([I32, I32], [I32]).get(0).v128Load().get(1).v128Load().simd(code).simd(simd.i64x2Bitmask);
  // select(a, b, c, out): out = bitselect(a, b, c ≠ 0)
  const select = new Func([I32, I32, I32, I32]).get(3).get(0).v128Load().get(1).v128Load().get(2).v128Load().f64x2(0).simd(simd.f64x2Ne).simd(simd.bitselect).v128Store();
  const { exports, buffer } = instantiate({ ...Object.fromEntries(cmps.map(([name, code]) => [name, bits(code)])), select });
  const m = new Float64Array(buffer);
  const xs = sample();
  for (const a of xs) {
    for (const b of xs) {
      m.set([a, b, b, a], 0);
      for (const [name, , js] of cmps) assert.equal(exports[name]!(0, 16), (js(a, b) ? 1 : 0) | (js(b, a) ? 2 : 0), `${name}(${a}, ${b})`);
    }
  }
  m.set([1, 2, 3, 4, 0, 5], 0);
  exports.select!(0, 16, 32, 48);
  assert.deepEqual([m[6], m[7]], [3, 2]);
});

test("i32x4 arithmetic, shifts, comparisons, bitmask, any_true and all_true", { skip }, () => {
  const ops: [string, number, (a: number, b: number) => number][] = [
    ["add", simd.i32x4Add, (a, b) => (a + b) | 0],
    ["sub", simd.i32x4Sub, (a, b) => (a - b) | 0],
    ["mul", simd.i32x4Mul, (a, b) => Math.imul(a, b)],
    ["eq", simd.i32x4Eq, (a, b) => (a === b ? -1 : 0)],
    ["lt", simd.i32x4LtS, (a, b) => (a < b ? -1 : 0)],
    ["gt", simd.i32x4GtS, (a, b) => (a > b ? -1 : 0)],
    ["ge", simd.i32x4GeS, (a, b) => (a >= b ? -1 : 0)],
    ["or", simd.or, (a, b) => a | b],
    ["xor", simd.xor, (a, b) => a ^ b],
    ["and", simd.and, (a, b) => a & b],
    ["andnot", simd.andnot, (a, b) => a & ~b],
  ];
  const shifts: [string, number, (a: number, s: number) => number][] = [
    ["shl", simd.i32x4Shl, (a, s) => a << s],
    ["shrS", simd.i32x4ShrS, (a, s) => a >> s],
    ["shrU", simd.i32x4ShrU, (a, s) => (a >>> s) | 0],
  ];
  const shift = (code: number): Func => new Func([I32, I32, I32]).get(2).get(0).v128Load().get(1).simd(code).v128Store();
  const reduce = (code: number): Func => new Func([I32], [I32]).get(0).v128Load().simd(code);
  const { exports, buffer } = instantiate({
    ...Object.fromEntries(ops.map(([name, code]) => [name, binary((f) => f.simd(code))])),
    ...Object.fromEntries(shifts.map(([name, code]) => [name, shift(code)])),
    bitmask: reduce(simd.i32x4Bitmask),
    any: reduce(simd.anyTrue),
    all: reduce(simd.i32x4AllTrue),
    splat: new Func([I32, I32]).get(1).get(0).simd(simd.i32x4Splat).v128Store(),
    ones: new Func([I32]).get(0).i32x4(-7).v128Store(),
    not: new Func([I32, I32]).get(1).get(0).v128Load().simd(simd.not).v128Store(),
    lane: new Func([I32, I32], [I32]).get(0).v128Load().get(1).lane(simd.i32x4ReplaceLane, 2).lane(simd.i32x4ExtractLane, 2),
  });
  const m = new Int32Array(buffer);
  const a = [0, -1, 0x7fffffff, -0x80000000], b = [5, -1, 1, 3];
  m.set([...a, ...b], 0);
  for (const [name, , js] of ops) {
    exports[name]!(0, 16, 32);
    assert.deepEqual(Array.from(m.subarray(8, 12)), a.map((x, k) => js(x, b[k]!)), name);
  }
  for (const [name, , js] of shifts) {
    exports[name]!(0, 3, 32);
    assert.deepEqual(Array.from(m.subarray(8, 12)), a.map((x) => js(x, 3)), name);
  }
  m.set([0, -1, 5, -3], 0);
  assert.equal(exports.bitmask!(0), 0b1010);
  assert.equal(exports.any!(0), 1);
  assert.equal(exports.all!(0), 0);
  m.set([0, 0, 0, 0], 0);
  assert.equal(exports.any!(0), 0);
  exports.splat!(42, 32);
  assert.deepEqual(Array.from(m.subarray(8, 12)), [42, 42, 42, 42]);
  exports.ones!(32);
  assert.deepEqual(Array.from(m.subarray(8, 12)), [-7, -7, -7, -7]);
  exports.not!(32, 32);
  assert.deepEqual(Array.from(m.subarray(8, 12)), [6, 6, 6, 6]);
  assert.equal(exports.lane!(0, 99), 99);
});

test("shuffles by lanes64/lanes32, f64 lanes, conversions and 64-bit loads/stores", { skip }, () => {
  const shuffle = (bytes: number[]): Func => binary((f) => f.shuffle(bytes));
  const { exports, buffer } = instantiate({
    lo: shuffle(lanes64(0, 2)),
    hi: shuffle(lanes64(1, 3)),
    swap: shuffle(lanes64(3, 0)),
    pick32: shuffle(lanes32(0, 1, 4, 5)),
    demote: new Func([I32, I32]).get(1).get(0).v128Load().simd(simd.f32x4DemoteF64x2Zero).v128Store(),
    promote: new Func([I32, I32]).get(1).get(0).v128Load().simd(simd.f64x2PromoteLowF32x4).v128Store(),
    convert: new Func([I32, I32]).get(1).get(0).v128Load().simd(simd.f64x2ConvertLowI32x4S).v128Store(),
    extend: new Func([I32, I32]).get(1).get(0).v128Load().simd(simd.i64x2ExtendHighI32x4S).v128Store(),
    extendLow: new Func([I32, I32]).get(1).get(0).v128Load().simd(simd.i64x2ExtendLowI32x4S).v128Store(),
    allTrue64: new Func([I32], [I32]).get(0).v128Load().simd(simd.i64x2AllTrue),
    splat64: new Func([I32, I32]).get(1).get(0).mem(simd.load64Splat, 3, 0, true).v128Store(),
    load32: new Func([I32, I32]).get(1).get(0).mem(simd.load32Zero, 2, 0, true).v128Store(),
    // v128.load64_lane takes (address, vector): lane 1 of the vector at `out` replaced by the f64 at `src`
    loadLane: new Func([I32, I32]).get(1).get(0).get(1).v128Load().mem(simd.load64Lane, 3, 0, true).emit(1).v128Store(),
    lane: new Func([I32, F64], [F64]).get(0).v128Load().get(1).lane(simd.f64x2ReplaceLane, 1).lane(simd.f64x2ExtractLane, 1),
    splat: new Func([I32, F64]).get(0).get(1).simd(simd.f64x2Splat).v128Store(),
    const: new Func([I32]).get(0).f64x2(-0.1).v128Store(),
    load64: new Func([I32, I32]).get(1).get(0).mem(simd.load64Zero, 3, 0, true).v128Store(),
    store64: new Func([I32, I32]).get(1).get(0).v128Load().store64Lane(1, 8),
    scalar: new Func([I32, I32]).get(1).get(0).mem(op.f64Load, 3).f64(0.5).emit(op.f64Mul).mem(op.f64Store, 3),
  });
  const d = new Float64Array(buffer), s = new Float32Array(buffer), n = new Int32Array(buffer);
  d.set([1, 2, 3, 4], 0);
  exports.lo!(0, 16, 32);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [1, 3]);
  exports.hi!(0, 16, 32);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [2, 4]);
  exports.swap!(0, 16, 32);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [4, 1]);
  s.set([1, 2, 3, 4, 5, 6, 7, 8], 0);
  exports.pick32!(0, 16, 32);
  assert.deepEqual(Array.from(s.subarray(8, 12)), [1, 2, 5, 6]);
  for (const x of [0.1, -1e-40, 3.4e39, 1 / 3, -0, NaN]) {
    d.set([x, -x], 0);
    exports.demote!(0, 32);
    assert.deepEqual(Array.from(s.subarray(8, 12)), [Math.fround(x), Math.fround(-x), 0, 0], `demote(${x})`);
    s.set([Math.fround(x), 7], 0);
    exports.promote!(0, 32);
    assert.deepEqual(Array.from(d.subarray(4, 6)), [Math.fround(x), 7], `promote(${x})`);
  }
  n.set([-1, 1, 9, -2147483648], 0);
  exports.convert!(0, 32);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [-1, 1]);
  exports.extend!(0, 32);
  assert.deepEqual(Array.from(new BigInt64Array(buffer, 32, 2)), [9n, -2147483648n]);
  exports.extendLow!(0, 32);
  assert.deepEqual(Array.from(new BigInt64Array(buffer, 32, 2)), [-1n, 1n]);
  assert.equal(exports.allTrue64!(32), 1);
  n.set([0, 0, 5, 0], 8);
  assert.equal(exports.allTrue64!(32), 0, "lane 0 is zero though lane 1 is not");
  d.set([1.5], 0);
  exports.splat64!(0, 32);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [1.5, 1.5]);
  n.set([7, 8], 0);
  exports.load32!(0, 32);
  assert.deepEqual(Array.from(n.subarray(8, 12)), [7, 0, 0, 0]);
  d.set([2.5, 0, 0, 0, -1, -2], 0);
  exports.loadLane!(0, 32);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [-1, 2.5], "lane 1 replaced");
  d.set([5, 6], 0);
  assert.equal(exports.lane!(0, 2.5), 2.5);
  exports.splat!(32, -3.25);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [-3.25, -3.25]);
  exports.const!(32);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [-0.1, -0.1]);
  d.set([8, 9, 10, 11], 0);
  exports.load64!(0, 32);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [8, 0]);
  exports.store64!(0, 32);
  assert.deepEqual(Array.from(d.subarray(4, 6)), [8, 9], "lane 1 stored at offset 8, lane 0 untouched");
  exports.scalar!(0, 48);
  assert.equal(d[6], 4);
});

test("scalar i32 and f64 operations, select and drop", { skip }, () => {
  const i32ops: [string, number, (a: number, b: number) => number][] = [
    ["and", op.i32And, (a, b) => a & b],
    ["or", op.i32Or, (a, b) => a | b],
    ["xor", op.i32Xor, (a, b) => a ^ b],
    ["shl", op.i32Shl, (a, b) => a << b],
    ["shrS", op.i32ShrS, (a, b) => a >> b],
    ["shrU", op.i32ShrU, (a, b) => (a >>> b) | 0],
    ["mul", op.i32Mul, Math.imul],
    ["ltU", op.i32LtU, (a, b) => +(a >>> 0 < b >>> 0)],
    ["gtU", op.i32GtU, (a, b) => +(a >>> 0 > b >>> 0)],
    ["leU", op.i32LeU, (a, b) => +(a >>> 0 <= b >>> 0)],
    ["geU", op.i32GeU, (a, b) => +(a >>> 0 >= b >>> 0)],
    ["ne", op.i32Ne, (a, b) => +(a !== b)],
  ];
  const f64ops: [string, number, (a: number, b: number) => number][] = [
    ["add", op.f64Add, (a, b) => a + b],
    ["sub", op.f64Sub, (a, b) => a - b],
    ["mul", op.f64Mul, (a, b) => a * b],
    ["div", op.f64Div, (a, b) => a / b],
    ["eq", op.f64Eq, (a, b) => +(a === b)],
    ["lt", op.f64Lt, (a, b) => +(a < b)],
    ["gt", op.f64Gt, (a, b) => +(a > b)],
  ];
  const { exports } = instantiate({
    ...Object.fromEntries(i32ops.map(([name, code]) => [`i${name}`, new Func([I32, I32], [I32]).get(0).get(1).emit(code)])),
    ...Object.fromEntries(f64ops.map(([name, code]) => [`f${name}`, new Func([F64, F64], [code === op.f64Eq || code === op.f64Lt || code === op.f64Gt ? I32 : F64]).get(0).get(1).emit(code)])),
    abs: new Func([F64], [F64]).get(0).emit(op.f64Abs),
    neg: new Func([F64], [F64]).get(0).emit(op.f64Neg),
    ctz: new Func([I32], [I32]).get(0).emit(op.i32Ctz),
    popcnt: new Func([I32], [I32]).get(0).emit(op.i32Popcnt),
    select: new Func([I32, I32, I32], [I32]).get(0).get(1).i32(99).emit(op.drop).get(2).emit(op.select),
  });
  for (const a of [0, 1, -1, 5, 31, -0x80000000, 0x7fffffff]) {
    for (const b of [0, 1, 3, -7, 31]) {
      for (const [name, , js] of i32ops) assert.equal(exports[`i${name}`]!(a, b), js(a, b), `i32 ${name}(${a}, ${b})`);
    }
    assert.equal(exports.ctz!(a), a === 0 ? 32 : 31 - Math.clz32(a & -a), `ctz(${a})`);
    assert.equal(exports.popcnt!(a), (a >>> 0).toString(2).replace(/0/g, "").length, `popcnt(${a})`);
  }
  for (const a of sample()) {
    for (const b of sample()) {
      for (const [name, , js] of f64ops) assert.ok(Object.is(exports[`f${name}`]!(a, b), js(a, b)) || Number.isNaN(js(a, b)), `f64 ${name}(${a}, ${b})`);
    }
    assert.ok(Object.is(exports.abs!(a), Math.abs(a)) || Number.isNaN(a));
    assert.ok(Object.is(exports.neg!(a), -a) || Number.isNaN(a));
  }
  assert.equal(exports.select!(4, 5, 1), 4);
  assert.equal(exports.select!(4, 5, 0), 5);
});

test("imported functions take the first indices; one type per signature; exports keep their names", { skip }, () => {
  const imports: ImportSpec[] = [
    { name: "sin", params: [F64], results: [F64] },
    { name: "cos", params: [F64], results: [F64] },
    { name: "twice", params: [I32], results: [I32] },
  ];
  const bothTrig = new Func([F64], [F64]).get(0).call(0).get(0).call(1).emit(op.f64Add);
  const viaOther = new Func([I32], [I32]).get(0).call(2).call(5); // twice, then `inc` (function 3 + 2)
  const inc = new Func([I32], [I32]).get(0).i32(1).emit(op.i32Add);
  const bytes = assemble({ memory: { initialPages: 1 }, imports, functions: { bothTrig, viaOther, inc } });
  // type section: (f64) → f64 and (i32) → i32 only
  assert.deepEqual(Array.from(bytes.subarray(8, 20)), [1, 11, 2, 0x60, 1, F64, 1, F64, 0x60, 1, I32, 1]);
  const { exports } = instantiate({ bothTrig, viaOther, inc }, imports, { sin: Math.sin, cos: Math.cos, twice: (x: number) => 2 * x });
  assert.equal(exports.bothTrig!(0.7), Math.sin(0.7) + Math.cos(0.7));
  assert.equal(exports.viaOther!(20), 41);
  assert.equal(exports.inc!(1), 2);
});

test("interleave emits the statements of each body round-robin, and checks they match", () => {
  const f = new Func([]);
  f.interleave(3, (k, next) => {
    f.i32(10 + k).emit(op.drop);
    next();
    f.i32(20 + k).emit(op.drop);
  });
  const c = (n: number) => [op.i32Const, n, op.drop];
  assert.deepEqual(f.code, [...c(10), ...c(11), ...c(12), ...c(20), ...c(21), ...c(22)]);
  assert.throws(() => new Func([]).interleave(2, (k, next) => void (k === 0 && next())), /interleave: body\(1\) made 0 next\(\) calls, body\(0\) made 1/);
  assert.throws(() => new Func([]).shuffle([0, 1, 2]), /16 lane indices/);
  assert.throws(() => new Func([]).shuffle(lanes64(0, 4)), /16 lane indices/);
});

test("the local declarations are run-length encoded by type", { skip }, () => {
  const f = new Func([I32], [I32]);
  const a = f.local(V128), b = f.local(V128), x = f.local(I32), y = f.local(F64), z = f.local(I32);
  f.i32x4(3).set(a).get(a).set(b).get(0).set(x).f64(2.5).set(y).get(x).get(b).lane(simd.i32x4ExtractLane, 0).emit(op.i32Add).set(z).get(z);
  assert.equal(instantiate({ f }).exports.f!(4), 7);
});
