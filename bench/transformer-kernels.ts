// The fast float32 transformer (lib/seq/policies/fast-transformer.ts) against
// the float64 reference on the GRPO benchmark's policy: 2-digit addition with
// 2 layers × d 64 × 4 heads × MLP 256, context 16, vocab 16, tied embeddings,
// learned positions. One GRPO step samples 256 sequences (6 prompt + 4 new
// tokens: 9 decoder steps, the last token is drawn, not fed) and runs one
// forward + backward over 256 × 10 tokens. Each line: one implementation and
// operation, ms per call (wall min/median/p90 and CPU-time median: the box is
// shared, so wall time swings with the neighbours), GFLOP/s from the analytic
// count; the summary compares them.
//
// The fast model is measured twice: as started, and in a child Node with
// --experimental-wasm-relaxed-simd, where its GEMMs use relaxed_madd (FMA);
// each also with forward+backward split over a helper thread (threads: 2).
//
//   npm run bench -- transformer-kernels [--quick]
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { transformerKernelsUseFma } from "../native/transformer/module.js";
import { Rng } from "../lib/random/rng.js";
import { FastTransformer } from "../lib/seq/policies/fast-transformer.js";
import { sampleBatch } from "../lib/seq/policies/sample.js";
import type { TokenPolicy } from "../lib/seq/policies/token-policy.js";
import { Transformer } from "../lib/seq/policies/transformer.js";
import { emit, median, round } from "./stats.js";

const QUICK = process.argv.includes("--quick");
/** Set in the child run: only the fast model, its lines passed back on stdout. */
const FAST_ONLY = process.argv.includes("--fast-only");
const CONFIG = { vocabSize: 16, context: 16, layers: 2, dModel: 64, heads: 4, mlpHidden: 256, positions: "learned" as const, tieEmbeddings: true };
const ROWS = 256, PROMPT = 6, NEW = 4, LENGTH = PROMPT + NEW;
const DECODE_STEPS = PROMPT + NEW - 1;

interface Timing {
  min: number;
  median: number;
  p90: number;
  cpuMedian: number;
}

/** ms per call over samples of one call each, for about `budgetMs` (at least `minSamples`), after two warm-up calls. */
function time(fn: () => void, budgetMs: number, minSamples = 5): Timing {
  fn();
  fn();
  const wall: number[] = [], cpu: number[] = [];
  const end = performance.now() + budgetMs * (QUICK ? 0.2 : 1);
  while (performance.now() < end || wall.length < minSamples) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  wall.sort((a, b) => a - b);
  return { min: wall[0]!, median: median(wall), p90: wall[Math.floor(0.9 * (wall.length - 1))]!, cpuMedian: median(cpu) };
}

/** Forward FLOPs of one token at position t (0-based): 2 per multiply-add of every linear layer, the LM head and attention. */
function tokenFlops(t: number): number {
  const { layers, dModel: D, mlpHidden: H, vocabSize: V } = CONFIG;
  return 2 * (layers * (3 * D * D + D * D + 2 * D * H + 2 * (t + 1) * D) + D * V);
}
let decodeFlops = 0, forwardFlops = 0;
for (let t = 0; t < DECODE_STEPS; t++) decodeFlops += ROWS * tokenFlops(t);
for (let t = 0; t < LENGTH; t++) forwardFlops += ROWS * tokenFlops(t);
// the backward of a linear layer is two GEMMs of its size (input and weight gradients)
const trainFlops = 3 * forwardFlops;

const rng = Rng.fromSeed(1);
const reference = Transformer.create(CONFIG, { rng });
const fast = FastTransformer.from(reference);
const tokens = Int32Array.from({ length: ROWS * LENGTH }, () => rng.int(CONFIG.vocabSize));
const dLogits = Float32Array.from({ length: ROWS * LENGTH * CONFIG.vocabSize }, () => 0.01 * rng.normal());
const prompts = Array.from({ length: ROWS }, (_, r) => tokens.slice(r * LENGTH, r * LENGTH + PROMPT));
const stepInputs = Array.from({ length: DECODE_STEPS }, (_, s) => Int32Array.from({ length: ROWS }, (_, r) => tokens[r * LENGTH + s]!));

const results: Record<string, Record<string, Timing>> = {};
function record(impl: string, op: string, t: Timing, flops: number): void {
  (results[op] ??= {})[impl] = t;
  emit({
    bench: "transformer-kernels", impl, op,
    ms_min: round(t.min, 3), ms_median: round(t.median, 3), ms_p90: round(t.p90, 3), cpu_ms_median: round(t.cpuMedian, 3),
    gflops_per_s_best: round(flops / t.min / 1e6, 2), gflops_per_s_median: round(flops / t.median / 1e6, 2),
  });
}

function benchPolicy(impl: string, policy: TokenPolicy, budget: number, trainOnly = false): void {
  const out = new Float32Array(ROWS * CONFIG.vocabSize);
  const train = (): void => {
    policy.zeroGrads();
    policy.forward(tokens, ROWS, LENGTH);
    policy.backward(dLogits);
  };
  if (trainOnly) {
    record(impl, "forward+backward 256×10", time(train, 2 * budget), trainFlops);
    return;
  }
  record(impl, "decode pass 256 rows × 9 steps", time(() => {
    const dec = policy.decoder(ROWS);
    for (const input of stepInputs) dec.step(input, null, out);
  }, budget), decodeFlops);
  record(impl, "forward 256×10", time(() => policy.forward(tokens, ROWS, LENGTH), budget), forwardFlops);
  record(impl, "forward+backward 256×10", time(train, 2 * budget), trainFlops);
  const sampleRng = Rng.fromSeed(2);
  record(impl, "sampleBatch 256 × (6 + 4)", time(() => sampleBatch(policy, prompts, { maxNewTokens: NEW, rng: sampleRng }), budget), decodeFlops);
}

const FAST = `trellis/fast-f32-wasm${transformerKernelsUseFma() ? "+relaxed-fma" : ""}`;
benchPolicy(FAST, fast, 3000);
// the helper thread only splits forward and backward (the decoder runs on the caller's thread)
const twoThreads = FastTransformer.from(reference, { threads: 2 });
if (twoThreads.threads === 2) benchPolicy(`${FAST}+2-threads`, twoThreads, 3000, true);
twoThreads.close();
if (FAST_ONLY) process.exit(0);
let fma: string | null = null;
if (!transformerKernelsUseFma()) {
  const child = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", fileURLToPath(import.meta.url), "--fast-only", ...(QUICK ? ["--quick"] : [])], { encoding: "utf8" });
  for (const line of child.stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const row = JSON.parse(line) as { impl: string; op: string; ms_min: number; ms_median: number; ms_p90: number; cpu_ms_median: number };
    if (!row.impl.includes("+relaxed-fma")) continue;
    if (row.impl.endsWith("+relaxed-fma")) fma = row.impl;
    (results[row.op] ??= {})[row.impl] = { min: row.ms_min, median: row.ms_median, p90: row.ms_p90, cpuMedian: row.cpu_ms_median };
    console.log(line);
  }
}
benchPolicy("trellis/reference-f64", reference, 4000);

const f = FAST, r = "trellis/reference-f64";
const ms = (op: string, impl: string): number => results[op]![impl]!.min;
const grpoFast = ms("decode pass 256 rows × 9 steps", f) + ms("forward+backward 256×10", f);
const grpoRef = ms("decode pass 256 rows × 9 steps", r) + ms("forward+backward 256×10", r);
emit({
  summary: "transformer-kernels",
  machine: `${cpus().length}× ${cpus()[0]?.model ?? "?"}`,
  load_avg_1m: round(loadavg()[0]!, 2),
  speedup_vs_reference_best: Object.fromEntries(Object.keys(results).map((op) => [op, round(ms(op, r) / ms(op, f), 1)])),
  grpo_step_kernels_ms_best: { fast: round(grpoFast, 2), reference: round(grpoRef, 1), note: "decode pass + forward+backward; sampling, loss and Adam not included" },
  ...(fma === null ? {} : {
    speedup_fma_vs_reference_best: Object.fromEntries(Object.keys(results).map((op) => [op, round(ms(op, r) / ms(op, fma!), 1)])),
    grpo_step_kernels_ms_best_fma: round(ms("decode pass 256 rows × 9 steps", fma) + ms("forward+backward 256×10", fma), 2),
  }),
  target_ms: 25,
});
