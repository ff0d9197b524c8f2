// Makes a fresh clone runnable: installs npm dependencies when node_modules is
// absent (or older than package-lock.json), then compiles the TypeScript.
import { execSync } from "node:child_process";
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
