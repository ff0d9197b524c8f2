// The wasm SIMD kernels of the fast transformer: the register-tiled GEMM of
// ../wasm/gemm.ts (every linear layer and the LM head, forward and
// backward), the tanh GELU and its derivative, and the strided copy that
// keeps transposed weights for input gradients, and causal attention. Compiled once per process.
import { setFlagsFromString } from "node:v8";
import { webAssembly, type WasmModule } from "../wasm/api.js";
import { assemble, type Func } from "../wasm/assembler.js";
import { attend, attendBackward, decodeAttend } from "../wasm/attention.js";
import { copyBlock } from "../wasm/elementwise.js";
import { geluBackward, geluForward } from "../wasm/gelu.js";
import { gemm, type GemmTiling } from "../wasm/gemm.js";
import { layerNormBackward, layerNormForward } from "../wasm/layer-norm.js";

export { ACT, INIT } from "../wasm/gemm.js";
export { geluConstants } from "../wasm/gelu.js";

export interface TransformerExports {
  gemm(M: number, N: number, K: number, a: number, ars: number, acs: number, b: number, c: number, bias: number, act: number, init: number): void;
  /** `consts`: byte address of {@link geluConstants}' table. */
  gelu(n: number, x: number, out: number, consts: number): void;
  geluGrad(n: number, x: number, d: number, consts: number): void;
  copy(rows: number, cols: number, src: number, ss: number, dst: number, dsr: number, dsc: number): void;
  /** See ../wasm/attention.ts (head size % 4 == 0). */
  attend(q: number, k: number, v: number, kvs: number, count: number, heads: number, hd: number, scale: number, probs: number, ps: number, out: number): void;
  attendBackward(q: number, k: number, v: number, kvs: number, count: number, heads: number, hd: number, scale: number, probs: number, ps: number, dOut: number, dShift: number, dP: number): void;
  decodeAttend(A: number, order: number, fed: number, qkv: number, K: number, V: number, T: number, D: number, heads: number, hd: number, scale: number, probs: number, ps: number, att: number): void;
  /** See ../wasm/layer-norm.ts (d % 4 == 0). */
  layerNorm(x: number, rows: number, d: number, gw: number, gb: number, eps: number, out: number, xhat: number, rstd: number): void;
  layerNormBackward(dy: number, rows: number, d: number, gw: number, ggw: number, ggb: number, xhat: number, rstd: number, dx: number): void;
}

/**
 * 2×16 register tiles: on the transformer's shapes (2560×{64,192,256} outputs,
 * K 64–256, and 256-row decoder steps) 2–13% faster than the MLP engine's 4×8
 * in V8 here, with and without relaxed FMA (6×8, 4×12, 3×16, 5×8: 1.5–2×
 * slower); equal on the 256×64 weight gradient.
 */
const TILING: GemmTiling = { rows: [2, 1], vecs: 4 };

/** Pages of a shared workspace memory at most (1 GiB): a shared wasm memory must declare its maximum. */
export const SHARED_MAXIMUM_PAGES = 16384;

const cached = new Map<boolean, { module: WasmModule; fma: boolean }>();

function moduleBytes(fma: boolean, shared: boolean): Uint8Array {
  const functions: Record<string, Func> = {
    gemm: gemm(TILING, fma), gelu: geluForward(), geluGrad: geluBackward(), copy: copyBlock(), attend: attend(), attendBackward: attendBackward(),
    layerNorm: layerNormForward(), layerNormBackward: layerNormBackward(),
  };
  functions.decodeAttend = decodeAttend(Object.keys(functions).indexOf("attend"));
  return assemble({ memory: { initialPages: 1, ...(shared ? { shared: { maximumPages: SHARED_MAXIMUM_PAGES } } : {}) }, functions });
}

/**
 * The compiled module: its GEMM multiply-adds with relaxed SIMD's
 * relaxed_madd where the runtime validates it (Node 20 with
 * --experimental-wasm-relaxed-simd), else with f32x4 mul and add. `shared`:
 * the build that imports a shared memory (for a helper thread). Throws
 * where WebAssembly or its SIMD (or, when shared, its threads) is missing.
 */
export function transformerModule(shared = false): WasmModule {
  const hit = cached.get(shared);
  if (hit) return hit.module;
  if (!webAssembly) throw new Error("this JavaScript runtime has no WebAssembly");
  const relaxed = moduleBytes(true, shared);
  if (!webAssembly.validate(relaxed)) allowRelaxedSimd();
  const fma = webAssembly.validate(relaxed);
  const entry = { module: new webAssembly.Module(fma ? relaxed : moduleBytes(false, shared)), fma };
  cached.set(shared, entry);
  return entry.module;
}

/**
 * Node 20's V8 has relaxed SIMD behind a flag (on by default from V8 11.4);
 * a wasm feature flag set before the module is compiled applies to it, so
 * the GEMMs get FMA (~15–20 % faster) without starting Node with the flag.
 * TRELLIS_RELAXED_SIMD=0 keeps the plain SIMD path (FMA rounds once, so its
 * numbers differ in the last bits from mul + add).
 */
function allowRelaxedSimd(): void {
  if (process.env.TRELLIS_RELAXED_SIMD === "0") return;
  try {
    setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    // not V8, or flags locked: the plain SIMD path runs
  }
}

/** Whether the compiled GEMM uses relaxed SIMD multiply-adds (see {@link transformerModule}). */
export function transformerKernelsUseFma(): boolean {
  transformerModule();
  return cached.get(false)!.fma;
}

/** Null where this runtime compiles the kernels, else why not (no WebAssembly, or no SIMD). */
export function transformerKernelsUnavailable(): string | null {
  try {
    transformerModule();
    return null;
  } catch (e) {
    return `the wasm SIMD kernels do not compile here (${e instanceof Error ? e.message : String(e)})`;
  }
}
