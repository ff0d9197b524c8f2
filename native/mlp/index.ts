import { JsMlpKernel } from "./js-kernel.js";
import type { MlpEngine, MlpKernel } from "./kernel.js";
import { mlpLayout, type MlpShape } from "./shape.js";
import { WasmMlpKernel } from "./wasm-kernel.js";
import { mlpModule } from "../wasm/mlp-module.js";

export type { MlpEngine, MlpKernel } from "./kernel.js";
export { mlpLayout, type Activation, type LayerLayout, type MlpShape } from "./shape.js";
export { fastTanh } from "./tanh.js";

/** `"auto"` takes wasm-simd where the runtime supports it, else js. */
export type MlpEngineChoice = "auto" | MlpEngine;

const ENGINES: readonly MlpEngineChoice[] = ["auto", "wasm-simd", "js"];
let simdError: string | null | undefined;

/** Why the wasm SIMD engine cannot run here, or null when it can. */
export function wasmSimdUnavailable(): string | null {
  if (simdError === undefined) {
    try {
      mlpModule();
      simdError = null;
    } catch (e) {
      simdError = `WebAssembly SIMD is not available in this runtime (${(e as Error).message})`;
    }
  }
  return simdError;
}

/**
 * The engine `"auto"` resolves to: `TRELLIS_MLP_ENGINE` (`wasm-simd` | `js`)
 * when set, else wasm-simd where available, else js.
 */
export function defaultMlpEngine(): MlpEngine {
  const forced = typeof process !== "undefined" ? process.env.TRELLIS_MLP_ENGINE : undefined;
  const choice = forced ? checkEngine(forced, "TRELLIS_MLP_ENGINE") : "auto";
  if (choice !== "auto") return choice;
  return wasmSimdUnavailable() === null ? "wasm-simd" : "js";
}

/**
 * The fused kernel of an MLP bound to `params` and `grads` (flat, layout of
 * {@link mlpLayout}). Throws when `engine` is "wasm-simd" and wasm SIMD is missing.
 */
export function makeMlpKernel(shape: MlpShape, params: Float32Array, grads: Float32Array, engine: MlpEngineChoice = "auto"): MlpKernel {
  const { paramCount } = mlpLayout(shape);
  if (params.length !== paramCount || grads.length !== paramCount) {
    throw new RangeError(`an MLP of sizes [${shape.sizes.join(", ")}] has ${paramCount} parameters, got params of ${params.length} and grads of ${grads.length}`);
  }
  const chosen = checkEngine(engine, "engine") === "auto" ? defaultMlpEngine() : (engine as MlpEngine);
  if (chosen === "js") return new JsMlpKernel(shape, params, grads);
  const missing = wasmSimdUnavailable();
  if (missing) throw new Error(`${missing}; use the "js" MLP engine (or TRELLIS_MLP_ENGINE=js)`);
  return new WasmMlpKernel(shape, params, grads);
}

function checkEngine(value: string, what: string): MlpEngineChoice {
  if (!ENGINES.includes(value as MlpEngineChoice)) {
    throw new RangeError(`${what} must be one of ${ENGINES.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as MlpEngineChoice;
}
