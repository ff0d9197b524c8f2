// `npm run bench -- <name> [args]`: runs dist/bench/<name>.js, which prints one
// JSON object per line and a summary object last.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const benchDir = join(root, "dist", "bench");
const known = existsSync(benchDir)
  ? readdirSync(benchDir).filter((f) => f.endsWith(".js")).map((f) => f.slice(0, -3)).sort()
  : [];
const [name, ...rest] = process.argv.slice(2);
if (!name || !known.includes(name)) {
  console.error(`usage: npm run bench -- <name>\nknown benchmarks: ${known.join(", ")}`);
  process.exit(2);
}
const result = spawnSync(process.execPath, [join(benchDir, `${name}.js`), ...rest], { stdio: "inherit", cwd: root });
process.exit(result.status ?? 1);
