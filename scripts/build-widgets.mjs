// Bundles the widgets' browser code (widgets/client) into one script,
// dist/widgets/client.js, that every widget output embeds. Type checked with
// its own tsconfig (DOM types) first.
import { execSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
execSync("npx --no-install tsc -p widgets/client", { cwd: root, stdio: "inherit" });
await build({
  entryPoints: [join(root, "widgets/client/main.ts")],
  bundle: true,
  format: "iife",
  minify: true,
  target: "es2020",
  outfile: join(root, "dist/widgets/client.js"),
  logLevel: "warning",
});
