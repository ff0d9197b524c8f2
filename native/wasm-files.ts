import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";

/** Environment variable naming the folder of tfjs's .wasm binaries, for programs bundled without node_modules. */
export const TFJS_WASM_DIR_ENV = "TRELLIS_TFJS_WASM_DIR";

const WASM_FILES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];

/**
 * The folder (ending in a path separator) that holds the .wasm binaries of
 * the installed @tensorflow/tfjs-backend-wasm, resolved the way Node resolves
 * the package from this file, so it is found when Trellis is itself a
 * dependency (nested or hoisted node_modules alike), or TRELLIS_TFJS_WASM_DIR
 * where set. Throws a sentence
 * saying where it looked when they are missing.
 */
export function tfjsWasmDir(): string {
  // a bundled program (scripts/gpu-carry.sh) carries the binaries beside it
  const given = process.env[TFJS_WASM_DIR_ENV];
  if (given) {
    const missing = WASM_FILES.filter((f) => !existsSync(join(given, f)));
    if (missing.length > 0) throw new Error(`${TFJS_WASM_DIR_ENV}=${given} lacks ${missing.join(", ")}`);
    return given.endsWith(sep) ? given : given + sep;
  }
  const require = createRequire(import.meta.url);
  const main = require.resolve("@tensorflow/tfjs-backend-wasm");
  const dir = dirname(main);
  const missing = WASM_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new Error(`@tensorflow/tfjs-backend-wasm is installed at ${dir} but lacks ${missing.join(", ")}; reinstall it with \`npm install @tensorflow/tfjs-backend-wasm\``);
  }
  return dir + sep;
}
