// GPU training cells: what TensorFlow.js on WebGPU (Dawn, in Node) gives
// against the CPU fast path (the fused wasm kernels) and against PyTorch
// CUDA on the same machine. Four figures:
//   1. f32 matmul throughput through tfjs at several sizes (the backend the
//      host picked, and wasm);
//   2. the sequence transformer's training (forward + backward) and sampling
//      (KV-cache decode) tokens/s, tiny (the GRPO policy) and large
//      (6 layers × d 512), engine "tfjs" (WebGPU where present) vs "kernels";
//   3. PPO on CartPole with a 2 × 1024 MLP, engine "tfjs" vs "kernels";
//   4. with --torch FILE (bench/reference/gpu_torch.py's output), PyTorch's
//      figures beside ours, as ratios.
// Runs end to end on a CPU machine too (no adapter: the tfjs engine runs on
// wasm); scripts/gpu-run.sh runs it on the lent GPU machine.
//
//   npm run bench -- gpu [--quick | --smoke] [--torch torch.jsonl] [--skip-large]
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { initBackend, type DeviceReport } from "../native/backend.js";
import { TfjsHost } from "../native/tfjs-host/host.js";
import { rl } from "../lib/rl.js";
import { Rng } from "../lib/random/rng.js";
import type { TransformerConfig } from "../lib/seq/policies/config.js";
import { FastTransformer } from "../lib/seq/policies/fast-transformer.js";
import { HostedTransformer } from "../lib/seq/policies/hosted-transformer.js";
import { initTransformerParams, paramLayout } from "../lib/seq/policies/layout.js";
import type { TokenPolicy } from "../lib/seq/policies/token-policy.js";
import { emit, option, round } from "./stats.js";

/** --smoke: the smallest sizes (CI checks that the bundled program runs end to end); --quick: small sizes. */
const SMOKE = process.argv.includes("--smoke");
const QUICK = SMOKE || process.argv.includes("--quick");
const SKIP_LARGE = process.argv.includes("--skip-large");
const TORCH = option("torch", "");
/** Seconds each timed case runs for (at least 2 samples after a warm-up). */
const BUDGET_S = Number(option("budget-s", SMOKE ? "0.05" : QUICK ? "0.5" : "3"));
/** Hidden widths of PPO's actor and critic. */
const PPO_HIDDEN = SMOKE ? 64 : 1024;

interface Figure {
  readonly what: string;
  readonly impl: string;
  readonly value: number;
  readonly unit: string;
}
const figures: Figure[] = [];
function record(what: string, impl: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  figures.push({ what, impl, value, unit });
  emit({ bench: "gpu", what, impl, value: round(value, 1), unit, ...extra });
}

/** Best seconds per call of `fn` over about BUDGET_S after one warm-up call. */
async function best(fn: () => unknown): Promise<number> {
  await fn();
  let min = Infinity;
  const end = performance.now() + 1000 * BUDGET_S;
  let n = 0;
  while (n < 2 || performance.now() < end) {
    const t0 = performance.now();
    await fn();
    min = Math.min(min, (performance.now() - t0) / 1000);
    n++;
  }
  return min;
}

function describe(d: DeviceReport): string {
  return d.gpu ? `${d.backend} on ${d.gpu.name}${d.gpu.driver ? ` (${d.gpu.driver})` : ""}` : d.backend;
}

// --- 1. matmul ---------------------------------------------------------------
async function matmul(backend: "auto" | "wasm", label: string): Promise<void> {
  const report = await initBackend({ backend });
  const sizes = SMOKE ? [64] : QUICK ? [128, 256] : report.backend === "webgpu" ? [256, 512, 1024, 2048, 4096] : [256, 512, 1024];
  for (const n of sizes) {
    const a = tf.randomNormal([n, n], 0, 1, "float32", 1);
    const b = tf.randomNormal([n, n], 0, 1, "float32", 2);
    // as gpu_torch.py: ~20 GFLOP per timed chain on a CPU, 20× that on a GPU
    const reps = Math.max(1, Math.min(50, Math.round(2e10 / (2 * n ** 3)))) * (report.backend === "webgpu" ? 20 : 1);
    const s = await best(async () => {
      let c: tf.Tensor | null = null;
      for (let r = 0; r < reps; r++) {
        c?.dispose();
        c = tf.matMul(a, b);
      }
      // one scalar read back waits for every queued product
      const sum = tf.sum(c!);
      await sum.data();
      tf.dispose([sum, c!]);
    });
    record(`matmul f32 ${n}×${n}`, `trellis/tfjs-${label}`, (2 * n ** 3 * reps) / s / 1e9, "GFLOP/s", { backend: report.backend, reps });
    tf.dispose([a, b]);
  }
}

// --- 2. transformer ------------------------------------------------------------
interface Size {
  readonly name: string;
  readonly config: TransformerConfig;
  readonly batch: number;
  readonly length: number;
}

const TINY: Size = {
  name: "tiny (2 layers × d 64, GRPO policy)",
  config: { vocabSize: 16, context: 16, layers: 2, dModel: 64, heads: 4, mlpHidden: 256, positions: "learned", tieEmbeddings: true, layerNormEps: 1e-5 },
  batch: SMOKE ? 16 : 256, length: 10,
};
const LARGE: Size = {
  name: "large (6 layers × d 512)",
  config: { vocabSize: 256, context: 64, layers: 6, dModel: 512, heads: 8, mlpHidden: 2048, positions: "learned", tieEmbeddings: true, layerNormEps: 1e-5 },
  batch: QUICK ? 2 : 32, length: 64,
};

async function transformer(size: Size, engine: "kernels" | "tfjs", host: TfjsHost): Promise<void> {
  const { config, batch, length } = size;
  const rng = Rng.fromSeed(1);
  const params = initTransformerParams(config, paramLayout(config), { rng });
  const policy: TokenPolicy = engine === "tfjs" ? new HostedTransformer(config, params, host) : new FastTransformer(config, params);
  const impl = engine === "tfjs" ? `trellis/tfjs-${host.device.backend}` : "trellis/kernels-wasm";
  const tokens = Int32Array.from({ length: batch * length }, () => rng.int(config.vocabSize));
  const dLogits = Float32Array.from({ length: batch * length * config.vocabSize }, () => 0.01 * rng.normal());
  const train = await best(() => {
    policy.zeroGrads();
    policy.forward(tokens, batch, length);
    policy.backward(dLogits);
  });
  record(`${size.name}: train tokens/s (forward + backward, ${batch}×${length})`, impl, (batch * length) / train, "tokens/s");
  const steps = length - 1;
  const out = new Float32Array(batch * config.vocabSize);
  const inputs = Array.from({ length: steps }, (_, s) => Int32Array.from({ length: batch }, (_, r) => tokens[r * length + s]!));
  const sample = await best(() => {
    const dec = policy.decoder(batch);
    for (const input of inputs) dec.step(input, null, out);
    dec.close?.();
  });
  record(`${size.name}: sampling tokens/s (KV-cache decode, ${batch} rows × ${steps} steps)`, impl, (batch * steps) / sample, "tokens/s");
  if (policy instanceof HostedTransformer) policy.dispose();
  if (policy instanceof FastTransformer) policy.close();
}

// --- 3. PPO with a 2 × 1024 MLP -----------------------------------------------
async function ppo(engine: "kernels" | "tfjs", host: TfjsHost): Promise<void> {
  const steps = QUICK ? 1024 : 8192;
  const run = rl.env("CartPole-v1", { n: 8, seed: 1 }).policy(rl.mlp([PPO_HIDDEN, PPO_HIDDEN], { engine })).algo(rl.ppo({ numSteps: 128 })).build();
  // one update first: the timed part is steady state
  await run.train({ steps: 1024 });
  const t0 = performance.now();
  await run.train({ steps });
  const s = (performance.now() - t0) / 1000;
  record(`PPO CartPole, actor and critic 2 × ${PPO_HIDDEN} (tanh): env steps/s`, engine === "tfjs" ? `trellis/tfjs-${host.device.backend}` : "trellis/kernels-wasm", steps / s, "steps/s");
  run.dispose();
}

// --- 4. PyTorch's figures -----------------------------------------------------
function torchFigures(): Figure[] {
  if (!TORCH) return [];
  if (!existsSync(TORCH)) {
    emit({ bench: "gpu", warning: `--torch ${TORCH}: no such file; PyTorch ratios left out` });
    return [];
  }
  return readFileSync(TORCH, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Figure).filter((f) => typeof f.what === "string" && typeof f.value === "number");
}

const host = new TfjsHost();
emit({ bench: "gpu", device: describe(host.device), reason: host.device.reason, skipped: host.device.skipped });
await matmul("auto", (await initBackend()).backend);
if ((await initBackend()).backend !== "wasm") await matmul("wasm", "wasm");
for (const size of SKIP_LARGE || SMOKE ? [TINY] : [TINY, LARGE]) {
  await transformer(size, "tfjs", host);
  await transformer(size, "kernels", host);
}
await ppo("tfjs", host);
await ppo("kernels", host);
const torch = torchFigures();
for (const f of torch) emit({ bench: "gpu", what: f.what, impl: f.impl, value: round(f.value, 1), unit: f.unit });

/** ours / theirs for each figure both measured; > 1: ours is faster. */
function ratios(ours: string, theirs: Figure[], theirImpl: (impl: string) => boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of figures.filter((g) => g.impl === ours)) {
    const t = theirs.find((g) => g.what === f.what && theirImpl(g.impl));
    if (t) out[f.what] = round(f.value / t.value, 3);
  }
  return out;
}
const tfjsImpl = `trellis/tfjs-${host.device.backend}`;
emit({
  summary: "gpu",
  device: describe(host.device),
  machine: `${cpus().length}× ${cpus()[0]?.model ?? "?"}`,
  load_avg_1m: round(loadavg()[0]!, 2),
  tfjs_engine_over_kernels: ratios(tfjsImpl, figures, (i) => i === "trellis/kernels-wasm"),
  ...(torch.length ? {
    tfjs_engine_over_torch: ratios(tfjsImpl, torch, (i) => i.startsWith("torch/")),
    kernels_over_torch: ratios("trellis/kernels-wasm", torch, (i) => i.startsWith("torch/")),
    torch_device: torch.find((f) => f.impl.startsWith("torch/"))?.impl,
  } : {}),
});
host.close();
// Dawn's device on this thread would keep the process alive
process.exit(0);
