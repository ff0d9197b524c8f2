// SFT of the grpo-addition transformer (bench/grpo-addition.json: 2 layers,
// d 64, 4 heads, MLP 256; batches of 64 fresh 2-digit additions, Adam, loss on
// the completion) for a fixed number of steps: tokens per second, ours and
// the PyTorch reference (bench/reference/sft_addition.py) side by side, seed
// by seed, then a summary with the ratio.
//
//   npm run bench -- sft-addition [--seeds 3] [--steps 300] [--threads 1|2] [--no-torch]
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rl } from "../lib/rl.js";
import { emit, median, round } from "./stats.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const config = JSON.parse(readFileSync(join(root, "bench/grpo-addition.json"), "utf8"));
const seeds = arg("seeds", 3);
const steps = arg("steps", 300);

function ours(seed: number): number {
  const tokenizer = rl.tokenizer.char(config.vocab.alphabet, { unk: true });
  const m = config.model;
  const policy = rl.seq.policy("transformer", { vocabSize: tokenizer.vocabSize, layers: m.layers, dModel: m.dModel, heads: m.heads, mlpHidden: m.mlp, context: m.context }, { seed, threads: arg("threads", 2) === 1 ? 1 : 2 });
  const r = rl.seq.sft(policy, tokenizer, rl.tasks.addition, { level: 2, steps, batch: config.sft.batch, lr: config.sft.lr, maxGradNorm: config.sft.gradClip, seed: seed + 1000 });
  const tokensPerS = r.tokens / r.seconds;
  emit({ impl: `trellis-${policy.constructor.name}-threads${(policy as { threads?: number }).threads ?? 1}`, seed, steps, seconds: round(r.seconds), tokensPerS: Math.round(tokensPerS), lossFirst: round(r.losses[0]!), lossLast: round(r.losses[steps - 1]!) });
  return tokensPerS;
}

function torch(seed: number): number | null {
  const python = join(root, ".venv/bin/python");
  if (process.argv.includes("--no-torch") || !existsSync(python)) return null;
  const p = spawnSync(python, [join(root, "bench/reference/sft_addition.py"), "--config", join(root, "bench/grpo-addition.json"), "--seed", String(seed), "--sft-steps", String(steps)], { encoding: "utf8" });
  if (p.status !== 0) {
    emit({ impl: "torch", seed, error: (p.stderr || p.stdout).slice(-2000) });
    return null;
  }
  const r = JSON.parse(p.stdout.trim().split("\n").pop()!) as { sftTokensPerS: number; sftSeconds: number };
  emit({ impl: "torch", seed, steps, seconds: round(r.sftSeconds), tokensPerS: Math.round(r.sftTokensPerS) });
  return r.sftTokensPerS;
}

const a: number[] = [];
const b: number[] = [];
for (let seed = 0; seed < seeds; seed++) {
  a.push(ours(seed));
  const t = torch(seed);
  if (t !== null) b.push(t);
}
emit({
  summary: "sft-addition",
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((x) => round(x, 2)) },
  steps,
  tokens_per_s: Math.round(median(a)),
  torch_tokens_per_s: b.length ? Math.round(median(b)) : null,
  speedup_vs_torch: b.length ? round(median(a) / median(b)) : null,
});
