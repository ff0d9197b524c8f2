import { cartPoleSimdUnavailable } from "./cartpole-kernel.js";

export {
  CartPoleKernel,
  CARTPOLE_CONSTANTS,
  DEFAULT_CARTPOLE_SHAPE,
  cartPoleModule,
  cartPoleSimdUnavailable,
  cartPoleStepFunc,
  type CartPoleKernelShape,
} from "./cartpole-kernel.js";

/** How an env with a native kernel steps: wasm SIMD, or its plain-JS reference loop. */
export type EnvEngine = "wasm-simd" | "js";
/** `"auto"` takes wasm-simd where the runtime supports it, else js. */
export type EnvEngineChoice = "auto" | EnvEngine;

export const ENV_ENGINE_VAR = "TRELLIS_ENV_ENGINE";
const ENGINES: readonly EnvEngineChoice[] = ["auto", "wasm-simd", "js"];

/**
 * The engine `"auto"` resolves to: `TRELLIS_ENV_ENGINE` (`wasm-simd` | `js`)
 * when set, else wasm-simd where available, else js.
 */
export function defaultEnvEngine(): EnvEngine {
  const forced = typeof process !== "undefined" ? process.env[ENV_ENGINE_VAR] : undefined;
  const choice = forced ? checkEnvEngine(forced, ENV_ENGINE_VAR) : "auto";
  if (choice !== "auto") return choice;
  return cartPoleSimdUnavailable() === null ? "wasm-simd" : "js";
}

/** The engine an env runs for `choice` (default "auto"); throws when wasm-simd is asked for and missing. */
export function resolveEnvEngine(choice: unknown, what = "engine"): EnvEngine {
  const c = choice === undefined ? "auto" : checkEnvEngine(choice, what);
  const engine = c === "auto" ? defaultEnvEngine() : c;
  if (engine === "wasm-simd") {
    const missing = cartPoleSimdUnavailable();
    if (missing) throw new Error(`${missing}; use the "js" env engine (or ${ENV_ENGINE_VAR}=js)`);
  }
  return engine;
}

function checkEnvEngine(value: unknown, what: string): EnvEngineChoice {
  if (!ENGINES.includes(value as EnvEngineChoice)) {
    throw new RangeError(`${what} must be one of ${ENGINES.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as EnvEngineChoice;
}
