// A minimal WebAssembly binary writer: just what the MLP kernels need (i32
// and f32 scalars, f32x4 SIMD, structured control flow, one imported memory).
// Writing the binary ourselves keeps the package free of build tools: the
// kernels are assembled at load time in a few microseconds, on any machine.

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Opcodes used by the kernels (core: one byte; SIMD: after the 0xfd prefix). */
export const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  f32Load: 0x2a, f32Store: 0x38, i32Const: 0x41, f32Const: 0x43,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtS: 0x48, i32GtS: 0x4a, i32LeS: 0x4c, i32GeS: 0x4e,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32Shl: 0x74, f32Add: 0x92,
} as const;
export const simd = {
  load: 0x00, load32Splat: 0x09, store: 0x0b, const: 0x0c, f32x4Splat: 0x13,
  f32x4Gt: 0x44, and: 0x4e,
  f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7, f32x4Min: 0xe8, f32x4Max: 0xe9, f32x4Pmin: 0xea, f32x4Pmax: 0xeb,
} as const;

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
  /** A v128 constant with `x` in all four f32 lanes. */
  f32x4(x: number): this {
    this.simd(simd.const);
    const b = f32Bytes(x);
    this.code.push(...b, ...b, ...b, ...b);
    return this;
  }
  simd(opcode: number): this { this.code.push(0xfd); uleb(this.code, opcode); return this; }
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

export interface ModuleSpec {
  /** Imported as env.memory. */
  memory: { initialPages: number };
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

  const types: number[] = [];
  uleb(types, funcs.length);
  for (const [, f] of funcs) {
    types.push(0x60);
    uleb(types, f.params.length);
    types.push(...f.params);
    uleb(types, f.results.length);
    types.push(...f.results);
  }
  section(1, types);

  const imports: number[] = [];
  uleb(imports, 1);
  name(imports, "env");
  name(imports, "memory");
  imports.push(0x02, 0x00);
  uleb(imports, spec.memory.initialPages);
  section(2, imports);

  const decls: number[] = [];
  uleb(decls, funcs.length);
  funcs.forEach((_, i) => uleb(decls, i));
  section(3, decls);

  const exports: number[] = [];
  uleb(exports, funcs.length);
  funcs.forEach(([key], i) => {
    name(exports, key);
    exports.push(0x00);
    uleb(exports, i);
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
