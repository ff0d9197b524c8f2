// `npm test`: runs every compiled test file under dist/test with node's test
// runner. Extra arguments narrow the run to files whose path contains them.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const testDir = join(root, "dist", "test");
const filters = process.argv.slice(2);

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return collect(path);
    return name.endsWith(".test.js") ? [path] : [];
  });
}
const files = collect(testDir)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files matched ${filters.join(" ")}`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...files], {
  stdio: "inherit",
  cwd: root,
  // Kernels started by the tests keep TypeScript's code cache here, not in the user's ~/.cache.
  env: { TRELLIS_CACHE_DIR: join(root, "test-output", "cache"), ...process.env, TRELLIS_QUIET: "1" },
});
process.exit(result.status ?? 1);
