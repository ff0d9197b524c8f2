// Makes a fresh clone runnable: installs npm dependencies when node_modules is
// absent (or older than package-lock.json), compiles the TypeScript, and
// (for `npm test`, as root on Debian/Ubuntu) installs the system packages the
// tests drive: Jupyter and Chromium (scripts/install-system-deps.sh), and makes
// .venv/ with pyarrow and datasets for the Python interop tests (scripts/python-env.sh).
import { execSync, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd) => execSync(cmd, { cwd: root, stdio: "inherit" });
const marker = join(root, "node_modules", ".package-lock.json");
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(join(root, "package-lock.json")).mtimeMs;
if (stale) {
  console.error("[trellis] installing npm dependencies (npm ci)…");
  run("npm ci --no-audit --no-fund");
}
console.error("[trellis] compiling TypeScript…");
run("npx --no-install tsc -p tsconfig.json");
run("node scripts/build-widgets.mjs");
if (process.argv.includes("--system") && process.platform === "linux" && existsSync("/usr/bin/apt-get")) {
  const root_ = process.getuid?.() === 0;
  const sudo = !root_ && spawnSync("sudo", ["-n", "true"]).status === 0;
  if (root_ || sudo) run("bash scripts/install-system-deps.sh");
  else console.error("[trellis] not root: the Jupyter and browser tests need `sudo scripts/install-system-deps.sh` once");
}
if (process.argv.includes("--system")) {
  // pyarrow and datasets in .venv/ for the interop tests (instant when there). A failure here does not stop
  // the suite: test/data/python-interop.test.ts tries again and fails with the reason under CI.
  const made = spawnSync("bash", ["scripts/python-env.sh"], { cwd: root, stdio: "inherit" });
  if (made.status !== 0) console.error("[trellis] could not make .venv/ (pyarrow, datasets): the Python interop tests will fail under CI and be skipped elsewhere; run `bash scripts/python-env.sh` to see why");
}
