// The path a user takes: `npm pack`, install the tarball into a fresh
// project, then use the CLI and the library from there.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
let work = "";
let project = "";
const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, TRELLIS_QUIET: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });

before(async () => {
  work = await mkdtemp(join(tmpdir(), "trellis-pack-"));
  run("npm", ["pack", "--pack-destination", work, "--ignore-scripts"], root);
  const tarball = (await readdir(work)).find((f) => f.endsWith(".tgz"));
  assert.ok(tarball, "npm pack wrote a tarball");
  project = join(work, "user-project");
  await import("node:fs/promises").then((fs) => fs.mkdir(project));
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
  run("npm", ["install", join(work, tarball), "--no-audit", "--no-fund", "--prefer-offline"], project);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

test("the installed CLI lists the environments and reports the device", () => {
  const envs = run("npx", ["--no-install", "trellis", "envs"], project);
  assert.match(envs, /^CartPole-v1$/m);
  const device = JSON.parse(run("npx", ["--no-install", "trellis", "device"], project)) as { backend: string; skipped: unknown[] };
  // wasm here; tfjs-node (an optional dependency) wins where its binary could be downloaded.
  assert.ok(["cuda", "tensorflow", "webgpu", "wasm", "cpu"].includes(device.backend), `backend ${device.backend}`);
  assert.ok(Array.isArray(device.skipped));
});

test("a user script imports the installed library and trains", async () => {
  await writeFile(
    join(project, "train.mjs"),
    `import { rl } from "trellis";
const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo()).build();
await run.train({ steps: 2048 });
console.log(JSON.stringify({ steps: run.step, rows: run.metrics.numRows }));`,
  );
  const out = JSON.parse(run(process.execPath, ["train.mjs"], project).trim()) as { steps: number; rows: number };
  assert.deepEqual(out, { steps: 2048, rows: 4 });
});

test("the tarball ships compiled code only (no tests, benchmarks or TypeScript sources)", async () => {
  const files = run("tar", ["-tzf", join(work, (await readdir(work)).find((f) => f.endsWith(".tgz"))!)], work).split("\n").filter(Boolean);
  assert.ok(files.includes("package/dist/lib/index.js"));
  assert.ok(files.includes("package/dist/kernel/cli.js"));
  assert.ok(!files.some((f) => f.includes("/test/") || f.includes("/bench/") || (f.endsWith(".ts") && !f.endsWith(".d.ts"))), "no tests, benchmarks or sources");
});
