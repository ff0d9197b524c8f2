// Register-tile shapes of the wasm gemm (native/wasm/gemm.ts) on the hidden
// layer of CleanRL's CartPole nets (128 × 64 · 64 × 64): forward with tanh,
// forward linear, and the weight gradient Xᵀ·dZ. Variants run interleaved so
// that a busy machine slows them alike; the minimum is the cleanest number.
//
//   npm run bench -- mlp-tiling
import { webAssembly } from "../native/wasm/api.js";
import { compileMlpModule, INIT, ACT, type GemmTiling, type MlpExports } from "../native/wasm/mlp-module.js";
import { emit, median, round } from "./stats.js";

const TILINGS: Record<string, GemmTiling> = {
  "4x8": { rows: [4, 1], vecs: 2 },
  "6x8": { rows: [6, 4, 1], vecs: 2 },
  "5x8": { rows: [5, 4, 1], vecs: 2 },
  "4x12": { rows: [4, 1], vecs: 3 },
  "3x16": { rows: [3, 1], vecs: 4 },
  "8x4": { rows: [8, 1], vecs: 1 },
  "2x8": { rows: [2, 1], vecs: 2 },
  "3x8": { rows: [3, 1], vecs: 2 },
  "4x4": { rows: [4, 1], vecs: 1 },
  "2x16": { rows: [2, 1], vecs: 4 },
};
const B = 128, H = 64;
// byte addresses of X [B×H], W [H×H], Y [B×H], b [H]
const X = 64, W = X + 4 * B * H, Y = W + 4 * H * H, BIAS = Y + 4 * B * H;

const kernels = Object.entries(TILINGS).map(([name, tiling]) => {
  const memory = new webAssembly!.Memory({ initial: 4 });
  const f32 = new Float32Array(memory.buffer);
  for (let i = 16; i < f32.length; i++) f32[i] = Math.sin(i) * 0.5;
  const k = new webAssembly!.Instance(compileMlpModule(tiling), { env: { memory } }).exports as unknown as MlpExports;
  return { name, k };
});
const ops: Record<string, (k: MlpExports) => void> = {
  "forward tanh": (k) => k.gemm(B, H, H, X, H, 1, W, Y, BIAS, ACT.tanh, INIT.bias),
  "forward linear": (k) => k.gemm(B, H, H, X, H, 1, W, Y, BIAS, ACT.linear, INIT.bias),
  "weight grad": (k) => k.gemm(H, H, B, X, 1, H, Y, W, 0, ACT.linear, INIT.zero),
};
const samples: Record<string, Record<string, number[]>> = {};
const CALLS = 200;
for (let round_ = 0; round_ < 45; round_++) {
  for (const [op, run] of Object.entries(ops)) {
    for (const { name, k } of kernels) {
      const t0 = performance.now();
      for (let i = 0; i < CALLS; i++) run(k);
      const us = ((performance.now() - t0) / CALLS) * 1000;
      if (round_ >= 5) ((samples[op] ??= {})[name] ??= []).push(us);
    }
  }
}
const summary: Record<string, Record<string, number>> = {};
for (const [op, byTiling] of Object.entries(samples)) {
  for (const [name, s] of Object.entries(byTiling)) {
    const min = Math.min(...s);
    (summary[op] ??= {})[name] = round(min, 2);
    emit({ bench: "mlp-tiling", op, tiling: name, us_min: round(min, 2), us_median: round(median(s), 2), gmac_per_s: round((B * H * H) / min / 1000, 2) });
  }
}
emit({ summary: "mlp-tiling", us_min: summary, default: "4x8" });
