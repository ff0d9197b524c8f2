// The wasm SIMD kernels of the MLP engine (./gemm.ts, ./elementwise.ts),
// assembled by ./assembler.ts and compiled once per process. All pointers
// are byte addresses in the memory imported as env.memory.
import { webAssembly, type WasmModule } from "./api.js";
import { assemble } from "./assembler.js";
import { actGrad, addBlock, copyBlock } from "./elementwise.js";
import { DEFAULT_TILING, gemm, type GemmTiling } from "./gemm.js";

export { ACT, INIT, DEFAULT_TILING, type GemmTiling } from "./gemm.js";

/** The exports of an instance of {@link mlpModule}. */
export interface MlpExports {
  gemm(M: number, N: number, K: number, a: number, ars: number, acs: number, b: number, c: number, bias: number, act: number, init: number): void;
  actGrad(n: number, dA: number, a: number, out: number, act: number): void;
  copy(rows: number, cols: number, src: number, ss: number, dst: number, dsr: number, dsc: number): void;
  add(rows: number, cols: number, src: number, ss: number, dst: number, dsr: number, dsc: number): void;
}

let cached: WasmModule | undefined;

/** The compiled kernel module. Throws where WebAssembly or its SIMD is missing. */
export function mlpModule(): WasmModule {
  return (cached ??= compileMlpModule(DEFAULT_TILING));
}

/** Compiles the kernels with another gemm tiling (for benchmarks of the tiling). */
export function compileMlpModule(tiling: GemmTiling): WasmModule {
  if (!webAssembly) throw new Error("this JavaScript runtime has no WebAssembly");
  const functions = { gemm: gemm(tiling), actGrad: actGrad(), copy: copyBlock(), add: addBlock() };
  return new webAssembly.Module(assemble({ memory: { initialPages: 1 }, functions }));
}
