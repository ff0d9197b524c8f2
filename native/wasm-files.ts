import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";

const WASM_FILES = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];

/**
 * The folder (ending in a path separator) that holds the .wasm binaries of
 * the installed @tensorflow/tfjs-backend-wasm, resolved the way Node resolves
 * the package from this file, so it is found when Trellis is itself a
 * dependency (nested or hoisted node_modules alike). Throws a sentence
 * saying where it looked when they are missing.
 */
export function tfjsWasmDir(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("@tensorflow/tfjs-backend-wasm");
  const dir = dirname(main);
  const missing = WASM_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new Error(`@tensorflow/tfjs-backend-wasm is installed at ${dir} but lacks ${missing.join(", ")}; reinstall it with \`npm install @tensorflow/tfjs-backend-wasm\``);
  }
  return dir + sep;
}
