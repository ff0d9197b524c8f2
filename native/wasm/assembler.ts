// A minimal WebAssembly binary writer: just what the kernels need (i32, f32
// and f64 scalars, f32x4/f64x2/i32x4 SIMD, structured control flow, imported
// functions and one imported memory). Writing the binary ourselves keeps the
// package free of build tools: the kernels are assembled at load time in a
// few microseconds, on any machine.

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof I64 | typeof F32 | typeof F64 | typeof V128;

/** Opcodes used by the kernels (core: one byte; SIMD: after the 0xfd prefix). */
export const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f, call: 0x10,
  drop: 0x1a, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, f32Load: 0x2a, f64Load: 0x2b, i32Store: 0x36, f32Store: 0x38, f64Store: 0x39,
  i32Const: 0x41, f32Const: 0x43, f64Const: 0x44,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtS: 0x48, i32LtU: 0x49, i32GtS: 0x4a, i32GtU: 0x4b, i32LeS: 0x4c, i32LeU: 0x4d, i32GeS: 0x4e, i32GeU: 0x4f,
  f64Eq: 0x61, f64Lt: 0x63, f64Gt: 0x64,
  i32Ctz: 0x68, i32Popcnt: 0x69,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74, i32ShrS: 0x75, i32ShrU: 0x76,
  f32ConvertI32S: 0xb2, f32Sqrt: 0x91, f32Add: 0x92, f32Sub: 0x93, f32Mul: 0x94, f32Div: 0x95, f32Max: 0x97,
  f64Abs: 0x99, f64Neg: 0x9a, f64Add: 0xa0, f64Sub: 0xa1, f64Mul: 0xa2, f64Div: 0xa3,
} as const;
export const simd = {
  load: 0x00, load32Splat: 0x09, load64Splat: 0x0a, store: 0x0b, const: 0x0c, shuffle: 0x0d,
  i32x4Splat: 0x11, f32x4Splat: 0x13, f64x2Splat: 0x14,
  i32x4ExtractLane: 0x1b, i32x4ReplaceLane: 0x1c, f32x4ExtractLane: 0x1f, f64x2ExtractLane: 0x21, f64x2ReplaceLane: 0x22,
  i32x4Eq: 0x37, i32x4LtS: 0x39, i32x4GtS: 0x3b, i32x4GeS: 0x3f,
  f32x4Gt: 0x44,
  f32x4Nearest: 0x6a,
  f64x2Eq: 0x47, f64x2Ne: 0x48, f64x2Lt: 0x49, f64x2Gt: 0x4a, f64x2Le: 0x4b, f64x2Ge: 0x4c,
  not: 0x4d, and: 0x4e, andnot: 0x4f, or: 0x50, xor: 0x51, bitselect: 0x52, anyTrue: 0x53,
  load64Lane: 0x57, store64Lane: 0x5b, load32Zero: 0x5c, load64Zero: 0x5d,
  f32x4DemoteF64x2Zero: 0x5e, f64x2PromoteLowF32x4: 0x5f,
  i32x4AllTrue: 0xa3, i32x4Bitmask: 0xa4, i32x4Shl: 0xab, i32x4ShrS: 0xac, i32x4ShrU: 0xad, i32x4Add: 0xae, i32x4Sub: 0xb1, i32x4Mul: 0xb5,
  i64x2AllTrue: 0xc3, i64x2Bitmask: 0xc4, i64x2ExtendLowI32x4S: 0xc7, i64x2ExtendHighI32x4S: 0xc8,
  f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7, f32x4Min: 0xe8, f32x4Max: 0xe9, f32x4Pmin: 0xea, f32x4Pmax: 0xeb,
  f64x2Abs: 0xec, f64x2Neg: 0xed, f64x2Sqrt: 0xef, f64x2Add: 0xf0, f64x2Sub: 0xf1, f64x2Mul: 0xf2, f64x2Div: 0xf3, f64x2Min: 0xf4, f64x2Max: 0xf5, f64x2Pmin: 0xf6, f64x2Pmax: 0xf7,
  i32x4TruncSatF32x4S: 0xf8,
  f64x2ConvertLowI32x4S: 0xfe,
  /** Relaxed SIMD (a proposal; behind a flag in Node 20): a·b + c. */
  f32x4RelaxedMadd: 0x105,
} as const;

/**
 * Byte lanes for `i8x16.shuffle` picking 64-bit lanes of the pair (a, b):
 * lanes 0–1 are a's, 2–3 are b's. `lanes64(0, 2)` = [a.0, b.0] (unpack low).
 */
export function lanes64(l0: number, l1: number): number[] {
  return [l0, l1].flatMap((l) => Array.from({ length: 8 }, (_, k) => 8 * l + k));
}

/** Byte lanes for `i8x16.shuffle` picking 32-bit lanes of (a, b): 0–3 are a's, 4–7 are b's. */
export function lanes32(l0: number, l1: number, l2: number, l3: number): number[] {
  return [l0, l1, l2, l3].flatMap((l) => Array.from({ length: 4 }, (_, k) => 4 * l + k));
}

const EMPTY_BLOCK = 0x40;

function uleb(out: number[], n: number): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

function sleb(out: number[], n: number): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function f32Bytes(x: number): number[] {
  return [...new Uint8Array(new Float32Array([x]).buffer)];
}

function f64Bytes(x: number): number[] {
  return [...new Uint8Array(new Float64Array([x]).buffer)];
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  out.push(...bytes);
}

/** One function body, written instruction by instruction. */
export class Func {
  readonly code: number[] = [];
  readonly locals: ValType[] = [];

  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[] = []) {}

  /** Declares a local and returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  emit(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number): this { this.code.push(op.localGet); uleb(this.code, i); return this; }
  set(i: number): this { this.code.push(op.localSet); uleb(this.code, i); return this; }
  tee(i: number): this { this.code.push(op.localTee); uleb(this.code, i); return this; }
  i32(n: number): this { this.code.push(op.i32Const); sleb(this.code, n | 0); return this; }
  f32(x: number): this { this.code.push(op.f32Const, ...f32Bytes(x)); return this; }
  f64(x: number): this { this.code.push(op.f64Const, ...f64Bytes(x)); return this; }
  /** A v128 constant with `x` in all four f32 lanes. */
  f32x4(x: number): this {
    this.simd(simd.const);
    const b = f32Bytes(x);
    this.code.push(...b, ...b, ...b, ...b);
    return this;
  }
  /** A v128 constant with `x` in both f64 lanes. */
  f64x2(x: number): this {
    this.simd(simd.const);
    const b = f64Bytes(x);
    this.code.push(...b, ...b);
    return this;
  }
  /** A v128 constant with `n` in all four i32 lanes. */
  i32x4(n: number): this {
    this.simd(simd.const);
    this.code.push(...new Uint8Array(Int32Array.of(n, n, n, n).buffer));
    return this;
  }
  simd(opcode: number): this { this.code.push(0xfd); uleb(this.code, opcode); return this; }
  /** A SIMD lane instruction (extract_lane, replace_lane) with its lane index. */
  lane(opcode: number, index: number): this { this.simd(opcode); this.code.push(index); return this; }
  /** `i8x16.shuffle` of the two vectors on the stack; `bytes` are 16 lane indices in 0–31 (see {@link lanes64}). */
  shuffle(bytes: readonly number[]): this {
    if (bytes.length !== 16 || bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 31)) throw new RangeError(`i8x16.shuffle needs 16 lane indices in [0, 31], got [${bytes.join(", ")}]`);
    this.simd(simd.shuffle);
    this.code.push(...bytes);
    return this;
  }
  /**
   * Emits `body(k)` for k = 0 … count − 1 with their statements interleaved
   * round-robin: statement 1 of each k, then statement 2 of each, and so on.
   * `body` calls `next()` between statements, where the value stack is
   * empty, and must make the same number of calls for every k. For
   * independent work (two vectors of a loop iteration) this puts the chains
   * side by side in the machine code, so the CPU overlaps their latencies.
   */
  interleave(count: number, body: (k: number, next: () => void) => void): this {
    const parts: number[][][] = [];
    for (let k = 0; k < count; k++) {
      const start = this.code.length;
      const marks = [start];
      body(k, () => void marks.push(this.code.length));
      marks.push(this.code.length);
      const code = this.code.splice(start);
      parts.push(marks.slice(1).map((end, j) => code.slice(marks[j]! - start, end - start)));
      if (parts[k]!.length !== parts[0]!.length) throw new Error(`interleave: body(${k}) made ${parts[k]!.length - 1} next() calls, body(0) made ${parts[0]!.length - 1}`);
    }
    for (let j = 0; j < (parts[0]?.length ?? 0); j++) for (const p of parts) for (const b of p[j]!) this.code.push(b);
    return this;
  }
  /** Emits whatever `code` emits, in the middle of a chain: `f.get(x).put(load("c")).simd(add)`. */
  put(code: (f: this) => unknown): this { code(this); return this; }
  /** Calls function `index`: imported functions come first, in the order of `ModuleSpec.imports`, then `functions`. */
  call(index: number): this { this.code.push(op.call); uleb(this.code, index); return this; }
  /** A memory access: `opcode` then memarg (log2 alignment, static byte offset). */
  mem(opcode: number, align: number, offset = 0, isSimd = false): this {
    if (isSimd) this.simd(opcode);
    else this.code.push(opcode);
    uleb(this.code, align);
    uleb(this.code, offset);
    return this;
  }
  v128Load(offset = 0): this { return this.mem(simd.load, 4, offset, true); }
  v128Store(offset = 0): this { return this.mem(simd.store, 4, offset, true); }
  splatLoad(offset = 0): this { return this.mem(simd.load32Splat, 2, offset, true); }
  /** A v128 store of one 64-bit lane (`v128.store64_lane`). */
  store64Lane(lane: number, offset = 0): this { this.mem(simd.store64Lane, 3, offset, true); this.code.push(lane); return this; }
  block(): this { this.code.push(op.block, EMPTY_BLOCK); return this; }
  loop(): this { this.code.push(op.loop, EMPTY_BLOCK); return this; }
  if(): this { this.code.push(op.if, EMPTY_BLOCK); return this; }
  else(): this { this.code.push(op.else); return this; }
  end(): this { this.code.push(op.end); return this; }
  br(depth: number): this { this.code.push(op.br); uleb(this.code, depth); return this; }
  brIf(depth: number): this { this.code.push(op.brIf); uleb(this.code, depth); return this; }

  /** `local += n` for an i32 local (n a constant or another local via `addLocal`). */
  addConst(local: number, n: number): this {
    return this.get(local).i32(n).emit(op.i32Add).set(local);
  }
  addLocal(local: number, other: number): this {
    return this.get(local).get(other).emit(op.i32Add).set(local);
  }

  /**
   * `while (!exit) body`: `exit` pushes an i32 that ends the loop when
   * non-zero. Inside `body`, `br(1)` continues and `br(2)` breaks (add one per
   * block that the body opens around the branch).
   */
  whileNot(exit: (f: this) => void, body: (f: this) => void): this {
    this.block().loop();
    exit(this);
    this.brIf(1);
    body(this);
    this.br(0).end().end();
    return this;
  }
}

/** A function the module imports as env.<name>. */
export interface ImportSpec {
  name: string;
  params: readonly ValType[];
  results: readonly ValType[];
}

export interface ModuleSpec {
  /** Imported as env.memory; `maximumPages` with `shared` (threads) imports a shared memory. */
  memory: { initialPages: number; shared?: { maximumPages: number } };
  /** Imported functions; they take function indices 0, 1, … in this order (see {@link Func.call}). */
  imports?: readonly ImportSpec[];
  functions: Record<string, Func>;
}

/** Assembles a module whose functions are all exported under their keys. */
export function assemble(spec: ModuleSpec): Uint8Array {
  const funcs = Object.entries(spec.functions);
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, body: number[]): void => {
    out.push(id);
    uleb(out, body.length);
    out.push(...body);
  };

  const imported = spec.imports ?? [];
  // One type per distinct signature, in order of first use: imports, then functions.
  const signatures: string[] = [];
  const types: number[] = [];
  const typeOf = (params: readonly ValType[], results: readonly ValType[]): number => {
    const sig = [0x60, params.length, ...params, results.length, ...results];
    const key = sig.join(",");
    let index = signatures.indexOf(key);
    if (index < 0) {
      index = signatures.push(key) - 1;
      types.push(0x60);
      uleb(types, params.length);
      types.push(...params);
      uleb(types, results.length);
      types.push(...results);
    }
    return index;
  };
  const importTypes = imported.map((im) => typeOf(im.params, im.results));
  const funcTypes = funcs.map(([, f]) => typeOf(f.params, f.results));
  const typeSection: number[] = [];
  uleb(typeSection, signatures.length);
  typeSection.push(...types);
  section(1, typeSection);

  const imports: number[] = [];
  uleb(imports, 1 + imported.length);
  name(imports, "env");
  name(imports, "memory");
  if (spec.memory.shared) {
    // limits flags 3: a maximum follows, and the memory is shared
    imports.push(0x02, 0x03);
    uleb(imports, spec.memory.initialPages);
    uleb(imports, spec.memory.shared.maximumPages);
  } else {
    imports.push(0x02, 0x00);
    uleb(imports, spec.memory.initialPages);
  }
  imported.forEach((im, i) => {
    name(imports, "env");
    name(imports, im.name);
    imports.push(0x00);
    uleb(imports, importTypes[i]!);
  });
  section(2, imports);

  const decls: number[] = [];
  uleb(decls, funcs.length);
  funcTypes.forEach((t) => uleb(decls, t));
  section(3, decls);

  const exports: number[] = [];
  uleb(exports, funcs.length);
  funcs.forEach(([key], i) => {
    name(exports, key);
    exports.push(0x00);
    uleb(exports, imported.length + i);
  });
  section(7, exports);

  const code: number[] = [];
  uleb(code, funcs.length);
  for (const [, f] of funcs) {
    const body: number[] = [];
    const runs: [number, ValType][] = [];
    for (const t of f.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    uleb(body, runs.length);
    for (const [count, t] of runs) {
      uleb(body, count);
      body.push(t);
    }
    body.push(...f.code, op.end);
    uleb(code, body.length);
    code.push(...body);
  }
  section(10, code);
  return new Uint8Array(out);
}
