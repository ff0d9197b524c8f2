// The Python libraries the interop tests check Trellis against (pyarrow 25 and
// Hugging Face datasets 5 for its files, Hugging Face tokenizers 0.23 for its
// tokenizer.json loader; torch, transformers and safetensors for the GPT-2
// checkpoints), in the repo's .venv/ made by scripts/python-env.sh.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const SCRIPT = join(root, "scripts", "python-env.sh");
/** The venv's Python. */
export const INTEROP_PYTHON = join(root, ".venv", "bin", "python");

/**
 * The venv's Python, made first when missing (scripts/python-env.sh: ~15 s
 * once, instant after). When it cannot be made: under CI (CI set) this throws
 * with the script's message; elsewhere it returns the reason to skip.
 */
export function interopPython(): { python: string } | { skip: string } {
  const r = spawnSync("bash", [SCRIPT], { cwd: root, encoding: "utf8", timeout: 600_000 });
  if (r.status === 0 && existsSync(INTEROP_PYTHON)) return { python: INTEROP_PYTHON };
  const why = (r.error?.message ?? r.stderr ?? "").trim().split("\n").filter((l) => !/is ignored: it is neither/.test(l)).slice(-4).join(" | ");
  const message = `the interop tests need .venv/ with pyarrow 25, datasets 5, tokenizers 0.23, torch, transformers 5 and safetensors, and scripts/python-env.sh could not make it (exit ${r.status ?? r.signal}): ${why}. Run \`bash scripts/python-env.sh\` to see the whole output (it needs python3 with venv: apt-get install python3-venv, and pip reaching a package index)`;
  const ci = process.env.CI !== undefined && !["", "0", "false"].includes(process.env.CI.toLowerCase());
  if (ci) throw new Error(message);
  return { skip: message };
}
