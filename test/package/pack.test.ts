// The path a user takes: `npm pack`, install the tarball into a fresh
// project, then use the CLI, the library, the headless notebook runner and
// the Jupyter kernel from there.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { requirePython } from "../helpers/system.js";

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

test("the installed library's tfjs engine finds its worker and operation modules: a hosted transformer and a hosted MLP compute", async () => {
  await writeFile(
    join(project, "hosted.mjs"),
    `import { rl, HostedTransformer } from "trellis";
const policy = rl.seq.policy("transformer", { vocabSize: 5, layers: 1, dModel: 8, heads: 2, mlpHidden: 8, context: 4 }, { seed: 1, engine: "tfjs" });
const logits = policy.forward(Int32Array.of(1, 2, 3), 1, 3);
const run = rl.env("CartPole-v1", { n: 2, seed: 1 }).policy(rl.mlp([8], { engine: "tfjs" })).algo(rl.ppo({ numSteps: 16 })).build();
await run.train({ steps: 64 });
console.log(JSON.stringify({ hosted: policy instanceof HostedTransformer, logits: logits.length, steps: run.step }));`,
  );
  const out = JSON.parse(run(process.execPath, ["hosted.mjs"], project).trim().split("\n").at(-1)!) as Record<string, unknown>;
  assert.deepEqual(out, { hosted: true, logits: 15, steps: 64 });
});

test("the installed CLI runs a notebook headless", async () => {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "code", id: "a", metadata: {}, execution_count: null, outputs: [], source: 'import { rl } from "trellis";\nconst run = rl.env("CartPole-v1", { seed: 1 }).algo(rl.ppo({ numSteps: 64, minibatches: 2 })).build();\nawait run.train({ steps: 128 });\nrun.step' },
    ],
  };
  await writeFile(join(project, "nb.ipynb"), JSON.stringify(nb));
  run("npx", ["--no-install", "trellis", "run", "nb.ipynb", "--quiet"], project);
  const out = JSON.parse(await readFile(join(project, "nb.ipynb"), "utf8"));
  assert.deepEqual(out.cells[0].outputs.at(-1).data, { "text/plain": ["128"] });
});

test("the installed kernel installs its kernelspec and runs a cell for jupyter_client", async () => {
  const prefix = join(project, "jupyter-prefix");
  run("npx", ["--no-install", "trellis", "kernel", "install", "--prefix", prefix], project);
  const spec = JSON.parse(await readFile(join(prefix, "share", "jupyter", "kernels", "trellis", "kernel.json"), "utf8")) as { argv: string[] };
  assert.ok(spec.argv[1]!.startsWith(join(project, "node_modules", "trellis")), spec.argv[1]);
  const python = requirePython(["jupyter_client"]);
  const script = [
    "from jupyter_client.manager import start_new_kernel",
    "km, kc = start_new_kernel(kernel_name='trellis', startup_timeout=60)",
    "kc.execute('import { rl } from \"trellis\"; rl.envs().includes(\"CartPole-v1\")')",
    "while True:",
    "    m = kc.get_iopub_msg(timeout=60)",
    "    if m['msg_type'] == 'execute_result':",
    "        print(m['content']['data']['text/plain'])",
    "        break",
    "kc.stop_channels(); km.shutdown_kernel(now=True)",
  ].join("\n");
  const out = run(python, ["-c", script], project, { JUPYTER_PATH: join(prefix, "share", "jupyter"), PYDEVD_DISABLE_FILE_VALIDATION: "1" });
  assert.equal(out.trim(), "true");
});

test("the tarball ships compiled code only (no tests, benchmarks or TypeScript sources)", async () => {
  const files = run("tar", ["-tzf", join(work, (await readdir(work)).find((f) => f.endsWith(".tgz"))!)], work).split("\n").filter(Boolean);
  assert.ok(files.includes("package/dist/lib/index.js"));
  assert.ok(files.includes("package/dist/kernel/cli.js"));
  assert.ok(!files.some((f) => f.includes("/test/") || f.includes("/bench/") || (f.endsWith(".ts") && !f.endsWith(".d.ts"))), "no tests, benchmarks or sources");
});
