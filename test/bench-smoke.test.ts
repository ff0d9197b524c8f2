// The benchmarks keep working: each runs on a tiny budget and ends with its
// summary line holding the fields its issue names. (Figures are measured with
// `npm run bench`, never asserted here.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
function summary(name: string, ...args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [join(root, "dist/bench", `${name}.js`), ...args], { encoding: "utf8", env: { ...process.env, TRELLIS_QUIET: "1" } });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  for (const line of lines) JSON.parse(line); // every line is one JSON object
  return JSON.parse(lines.at(-1)!) as Record<string, unknown>;
}

test("env-throughput prints per-seed lines and a summary with steps_per_s", () => {
  const s = summary("env-throughput", "--seconds", "0.05");
  assert.equal(s.bench, "env-throughput");
  assert.ok(typeof s.steps_per_s === "number" && s.steps_per_s > 0);
  assert.ok(typeof s.steps_per_s_js === "number" && s.steps_per_s_js > 0);
});

test("ppo-cartpole reports solved, time_to_solve_s, steps_to_solve and speedup_vs_torch", () => {
  const s = summary("ppo-cartpole", "--seeds", "1", "--total-steps", "2048", "--skip-torch");
  assert.equal(s.bench, "ppo-cartpole");
  for (const field of ["solved", "time_to_solve_s", "steps_to_solve", "speedup_vs_torch"]) assert.ok(field in s, field);
  assert.equal(s.solved, false, "2048 steps do not solve CartPole");
});

test("act-latency reports ms_median next to the tfjs reference", () => {
  const s = summary("act-latency");
  assert.ok(typeof s.ms_median === "number" && s.ms_median > 0);
  assert.ok(typeof s.tfjs_ms_median === "number" && s.tfjs_ms_median > 0);
});

test("hybrid-cartpole reports steps_ratio for each variant (tiny budget: nothing solves)", () => {
  const s = summary("hybrid-cartpole", "--seeds", "1", "--max-steps", "1024", "--dataset-steps", "8000", "--variants", "warm,critic", "--mix", JSON.stringify({ imitation: { pretrain: 5 } }));
  assert.equal(s.bench, "hybrid-cartpole");
  for (const field of ["steps_ratio", "hybrid_steps", "plain_steps", "critic_steps_ratio", "solved"]) assert.ok(field in s, field);
  assert.equal(s.solved, false);
  assert.deepEqual(s.warm_mix, { imitation: { pretrain: 5 } });
});

test("h2o-cartpole reports real returns per variant and the mean log dynamics ratio", () => {
  const s = summary("h2o-cartpole", "--seeds", "1", "--lengths", "0.7", "--steps", "1500", "--eval-episodes", "2");
  assert.equal(s.bench, "h2o-cartpole");
  for (const field of ["real_return_sim-only_l0.7", "real_return_mix_l0.7", "real_return_h2o_l0.7", "mean_log_ratio_l0.7"]) assert.ok(typeof s[field] === "number", field);
});

test("kernel-latency reports ready_s, trivial_ms_median, typed_ms_median, first_complete_ms and idle_gap_ms_max", () => {
  const s = summary("kernel-latency", "--trivial", "3", "--typed", "1", "--starts", "1", "--skip-tslab");
  assert.equal(s.bench, "kernel-latency");
  for (const field of ["ready_s", "trivial_ms_median", "typed_ms_median", "repeat_ms_median", "first_complete_ms"]) assert.ok(typeof s[field] === "number" && (s[field] as number) > 0, field);
  assert.ok(typeof s.idle_gap_ms_max === "number", "idle_gap_ms_max");
  assert.equal(s.tslab_ready_s, null);
});

test("widget-overhead reports slowdown_pct with and without the notebook's training view", () => {
  const s = summary("widget-overhead", "--steps", "2048", "--repeats", "1");
  assert.equal(s.bench, "widget-overhead");
  for (const field of ["slowdown_pct", "sps_with_view", "sps_without"]) assert.ok(typeof s[field] === "number", field);
});

test("curve-render draws a long curve in Chromium and reports draw_ms, plotly_ms and the raw-plotly reference", () => {
  const s = summary("curve-render", "--points", "5000", "--repeats", "1");
  assert.equal(s.bench, "curve-render");
  for (const field of ["draw_ms", "plotly_ms", "page_to_drawn_ms", "redraw_ms", "plotly_raw_ms"]) assert.ok(typeof s[field] === "number" && (s[field] as number) > 0, field);
});

test("pg-kl-example reports each method's returns at 25k/50k/final and the KL to the initial policy", () => {
  const s = summary("pg-kl-example", "--steps", "2048");
  assert.equal(s.bench, "pg-kl-example");
  const rows = s.rows as { method: string; kl_final: number | null }[];
  assert.equal(rows.length, 6);
  assert.ok(rows.filter((r) => r.method === "ppo+kl").every((r) => typeof r.kl_final === "number" && r.kl_final >= 0));
  assert.ok(rows.filter((r) => r.method === "ppo").every((r) => r.kl_final === null));
  for (const m of ["ppo", "ppo+kl"]) assert.ok(m in (s.summary as object), m);
});

test("grpo-addition runs ours and the PyTorch reference on the shared setup and reports the issue's summary fields", () => {
  const s = summary("grpo-addition", "--quick", "--seeds", "1");
  assert.equal(s.summary, "grpo-addition");
  for (const field of ["pass1_before", "pass1_after", "steps_per_s", "tokens_per_s_sampled", "tokens_per_s_trained", "sft_tokens_per_s", "peak_rss_mb"]) assert.ok(typeof s[field] === "number" && (s[field] as number) >= 0, field);
  assert.ok("steps_to_gain20" in s && "seconds_to_gain20" in s);
  const torch = s.torch as Record<string, number> | null;
  assert.ok(torch !== null, "the PyTorch reference ran (.venv made by scripts/python-env.sh)");
  assert.ok(torch.steps_per_s > 0 && typeof s.speedup_vs_torch === "number");
});

test("sft-addition measures SFT tokens/s, ours and the PyTorch reference", () => {
  const s = summary("sft-addition", "--seeds", "1", "--steps", "5");
  assert.equal(s.summary, "sft-addition");
  assert.ok((s.tokens_per_s as number) > 0 && (s.torch_tokens_per_s as number) > 0 && (s.speedup_vs_torch as number) > 0);
});

test("guidance-hard reports tokens to the target per method and best_tokens_ratio (tiny budget: none reaches it)", () => {
  const s = summary("guidance-hard", "--quick");
  assert.equal(s.summary, "guidance-hard");
  for (const field of ["methods", "best_tokens_ratio", "best_method", "best_tokens_ratio_is_upper_bound"]) assert.ok(field in s, field);
  assert.deepEqual(Object.keys(s.methods as object), ["grpo", "ghpo", "guide", "ampo", "ahpo"]);
});

test("divergence-passk reports pass@64 end ÷ start for each divergence", () => {
  const s = summary("divergence-passk", "--quick");
  assert.equal(s.summary, "divergence-passk");
  assert.deepEqual(Object.keys(s.pass64_end_over_start as object), ["none", "reverseKl", "forwardKl", "js"]);
});

test("scale-out reports steps_per_s per worker count and transport, nats_overhead_pct, batches lost and duplicated, decode throughput and the projection", () => {
  const s = summary("scale-out", "--quick");
  assert.equal(s.summary, "scale-out");
  for (const field of ["steps_per_s", "nats_overhead_pct", "batches_lost", "batches_duplicated", "decode_transitions_per_s", "projection_per_workers"]) assert.ok(field in s, field);
  assert.deepEqual(Object.keys(s.steps_per_s as object), ["none", "local1", "nats1", "local1_lag1", "nats1_lag1"]);
  assert.deepEqual(Object.keys(s.lag_speedup as object), ["local1_lag1", "nats1_lag1"]);
  assert.deepEqual(Object.keys(s.grpo_sampling as object), ["none", "local1", "local2", "nats1", "nats2"]);
  assert.ok((s.grpo_speedup_local2 as number) > 0);
  assert.equal(s.batches_lost, 0);
  assert.equal(s.batches_duplicated, 0);
});

test("gpu reports each figure of the tfjs engine beside the kernels' (here on wasm: no adapter)", () => {
  const s = summary("gpu", "--smoke");
  assert.equal(s.summary, "gpu");
  const ratios = s.tfjs_engine_over_kernels as Record<string, number>;
  for (const what of ["train tokens/s", "sampling tokens/s", "PPO CartPole"]) {
    assert.ok(Object.entries(ratios).some(([k, v]) => k.includes(what) && v > 0), what);
  }
});

test("gpu-carry.sh builds the folder a GPU machine gets and gpu-run.sh runs it end to end: carried node, bundle, Dawn, Vulkan loader, PyTorch beside", () => {
  const out = join(root, "test-output", "gpu-carry-test");
  const carry = join(out, "carry");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const built = spawnSync("bash", [join(root, "scripts/gpu-carry.sh"), carry], { encoding: "utf8", cwd: root });
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stdout, /gpu-carry: \d+M in /);
  const foreign = join(out, "foreign");
  mkdirSync(foreign);
  writeFileSync(join(foreign, "keep.txt"), "mine");
  const refused = spawnSync("bash", [join(root, "scripts/gpu-carry.sh"), foreign], { encoding: "utf8", cwd: root });
  assert.equal(refused.status, 2, "a folder the script did not make is not replaced");
  assert.match(refused.stderr, /was not made by this script/);
  assert.equal(readFileSync(join(foreign, "keep.txt"), "utf8"), "mine");
  for (const f of ["app/gpu.js", "app/worker.js", "app/tfjs-transformer-ops.js", "app/tfjs-network-ops.js", "node.gz", "app/node_modules/webgpu/dist/linux-x64/dawn.node.gz"]) assert.ok(existsSync(join(carry, f)), f);
  assert.ok(existsSync(join(carry, "vulkan/usr/lib/x86_64-linux-gnu/libvulkan.so.1")), "the Vulkan loader is unpacked");
  const python = join(root, ".venv/bin/python");
  const ran = spawnSync("bash", [join(root, "scripts/gpu-run.sh"), "--smoke"], {
    encoding: "utf8", cwd: root, env: { ...process.env, GPU_CARRY: carry, OUT: out, PYTHON: python, PATH: "/usr/bin:/bin" },
  });
  assert.equal(ran.status, 0, `${ran.stdout}\n${readFileSync(join(out, "gpu.err"), "utf8").slice(-2000)}`);
  const diagnostics = readFileSync(join(out, "diagnostics.txt"), "utf8");
  assert.match(diagnostics, /node: \/tmp\/\S+\/node v20/, "the carried node ran, unpacked outside the carried folder");
  assert.ok(!existsSync(join(carry, "bin")) && !existsSync(join(carry, "app/node_modules/webgpu/dist/linux-x64/dawn.node")), "the carried folder is left as built");
  assert.match(diagnostics, /dawn adapter: /, "the carried dawn.node loaded");
  const lines = readFileSync(join(out, "gpu.jsonl"), "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
  // the bundle counts the webgpu backend as present (TRELLIS_BUNDLED): Dawn is asked and finds no adapter here
  const webgpu = (lines[0]!.skipped as { backend: string; reason: string }[]).find((k) => k.backend === "webgpu");
  assert.match(webgpu?.reason ?? "", /no WebGPU adapter found|software WebGPU adapter/, JSON.stringify(lines[0]));
  const s = lines.at(-1)!;
  assert.equal(s.summary, "gpu");
  assert.equal(s.torch_device, "torch/cpu");
  const vsTorch = s.tfjs_engine_over_torch as Record<string, number>;
  for (const what of ["matmul f32 64×64", "train tokens/s", "sampling tokens/s", "PPO CartPole"]) {
    assert.ok(Object.entries(vsTorch).some(([k, v]) => k.includes(what) && v > 0), `ratio to PyTorch for ${what}`);
  }
  // the results stay for a look; the 150 MB of carried binaries do not
  rmSync(carry, { recursive: true, force: true });
});
