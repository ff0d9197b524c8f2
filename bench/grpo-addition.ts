// GRPO on 2-digit addition, the setup of bench/grpo-addition.json (shared
// with the PyTorch reference bench/reference/grpo_addition.py): SFT a tiny
// transformer to a greedy pass@1 of 0.2–0.5, then GRPO (32 prompts × 8
// completions, temperature 1, clip 0.2, no KL, Adam, token mean) until
// pass@1 gains 20 points. One JSON line per implementation and seed, then a
// summary with the ratios measured side by side in this run.
//
//   npm run bench -- grpo-addition [--seeds 3] [--max-steps 400] [--threads 1|2] [--no-torch] [--quick]
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rl } from "../lib/rl.js";
import { Rng } from "../lib/random/rng.js";
import { fastTransformer } from "../lib/seq/policies/fast-transformer.js";
import { SftTrainer, sftBatch } from "../lib/seq/policies/sft.js";
import type { TaskItem } from "../lib/seq/tasks/task.js";
import { emit, median, round } from "./stats.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const QUICK = process.argv.includes("--quick");
const config = JSON.parse(readFileSync(join(root, "bench/grpo-addition.json"), "utf8"));
const seeds = arg("seeds", QUICK ? 1 : 3);
const maxSteps = arg("max-steps", QUICK ? 20 : config.grpo.maxSteps);
const g = config.grpo;
const THREADS = arg("threads", 2) === 1 ? 1 : 2;

interface Result {
  impl: string;
  seed: number;
  sftSteps: number;
  sftSeconds: number;
  sftTokensPerS: number;
  pass1Before: number;
  pass1After: number;
  stepsToGain20: number | null;
  secondsToGain20: number | null;
  stepsPerS: number;
  tokensPerSSampled: number;
  tokensPerSTrained: number;
  peakRssMB: number;
}

function trellis(seed: number): Result {
  const tokenizer = rl.tokenizer.char(config.vocab.alphabet, { unk: true });
  const m = config.model;
  // two threads, as the reference's torch.set_num_threads(2)
  const policy = fastTransformer({ vocabSize: tokenizer.vocabSize, layers: m.layers, dModel: m.dModel, heads: m.heads, mlpHidden: m.mlp, context: m.context }, { rng: Rng.fromSeed(seed), threads: THREADS });
  const task = rl.tasks.addition;
  const test: TaskItem[] = config.task.testProblems.map(([a, b]: [number, number]) => ({ id: `addition/2/${a}+${b}=`, prompt: `${a}+${b}=`, answer: String(a + b), solution: String(a + b), level: 2 }));
  const sftSteps = QUICK ? 50 : config.sft.steps;
  const sft = new SftTrainer(policy, { lr: config.sft.lr, maxGradNorm: config.sft.gradClip });
  const rng = Rng.fromSeed(seed + 1000);
  let sftTokens = 0;
  const t0 = performance.now();
  for (let i = 0; i < sftSteps; i++) {
    const items = Array.from({ length: config.sft.batch }, () => task.generate(rng, 2));
    const pairs = items.map((x) => ({ prompt: x.prompt, completion: x.solution }));
    for (const p of pairs) sftTokens += p.prompt.length + p.completion.length + 1;
    sft.step(sftBatch(tokenizer, pairs, m.context));
  }
  const sftSeconds = (performance.now() - t0) / 1000;
  const run = rl
    .seq(task, { level: 2, policy, tokenizer, seed, test })
    .algo(rl.grpo({ prompts: g.promptsPerStep, groupSize: g.completionsPerPrompt, maxNewTokens: g.maxNewTokens, temperature: g.temperature, clip: g.clipEps, lr: g.lr, maxGradNorm: g.gradClip, adamEps: g.adamEps, epochs: g.epochs, minibatches: g.minibatches }))
    .eval({ every: g.evalEvery })
    .build();
  const pass1Before = run.evaluate().pass1;
  let stepsToGain20: number | null = null;
  let secondsToGain20: number | null = null;
  let trainSeconds = 0, sampleSeconds = 0, updateSeconds = 0, sampledTokens = 0, trainedTokens = 0, steps = 0;
  for (let s = 0; s < maxSteps; s++) {
    const metrics = run.learner.step();
    steps++;
    sampleSeconds += metrics.sampleSeconds!;
    updateSeconds += metrics.updateSeconds!;
    trainSeconds += metrics.sampleSeconds! + metrics.updateSeconds!;
    for (const c of run.learner.last) sampledTokens += c.prompt.length + c.tokens.length;
    trainedTokens += run.learner.last.filter((c) => c.status === "trained").reduce((n, c) => n + c.prompt.length + c.tokens.length, 0);
    if (steps % g.evalEvery === 0) {
      const p = run.evaluate().pass1;
      if (p >= pass1Before + g.gainTarget) {
        stepsToGain20 = steps;
        secondsToGain20 = trainSeconds;
        break;
      }
    }
  }
  return {
    impl: `trellis-${policy.constructor.name}-threads${(policy as { threads?: number }).threads ?? 1}`,
    seed,
    sftSteps,
    sftSeconds: round(sftSeconds),
    sftTokensPerS: Math.round(sftTokens / sftSeconds),
    pass1Before,
    pass1After: run.evaluate().pass1,
    stepsToGain20,
    secondsToGain20: secondsToGain20 === null ? null : round(secondsToGain20),
    stepsPerS: round(steps / trainSeconds),
    tokensPerSSampled: Math.round(sampledTokens / sampleSeconds),
    tokensPerSTrained: Math.round(trainedTokens / updateSeconds),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function torch(seed: number): Result | null {
  const python = join(root, ".venv/bin/python");
  if (process.argv.includes("--no-torch") || !existsSync(python)) return null;
  const p = spawnSync(python, [join(root, "bench/reference/grpo_addition.py"), "--config", join(root, "bench/grpo-addition.json"), "--seed", String(seed), "--max-steps", String(maxSteps), ...(QUICK ? ["--sft-steps", "50"] : [])], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (p.status !== 0) {
    emit({ impl: "torch", seed, error: (p.stderr || p.stdout).slice(-2000) });
    return null;
  }
  const line = p.stdout.trim().split("\n").pop()!;
  const r = JSON.parse(line) as Result & { curve?: unknown };
  delete r.curve;
  return r;
}

const ours: Result[] = [];
const theirs: Result[] = [];
for (let seed = 0; seed < seeds; seed++) {
  const a = trellis(seed);
  ours.push(a);
  emit(a as unknown as Record<string, unknown>);
  const b = torch(seed);
  if (b) {
    theirs.push(b);
    emit({ ...b, impl: "torch" });
  }
}
const med = (rs: Result[], f: (r: Result) => number | null) => {
  const v = rs.map(f).filter((x): x is number => x !== null);
  return v.length ? median(v) : null;
};
const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? round(a / b) : null);
emit({
  summary: "grpo-addition",
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg().map((x) => round(x, 2)) },
  seeds,
  pass1_before: med(ours, (r) => r.pass1Before),
  pass1_after: med(ours, (r) => r.pass1After),
  steps_to_gain20: med(ours, (r) => r.stepsToGain20),
  seconds_to_gain20: med(ours, (r) => r.secondsToGain20),
  tokens_per_s_sampled: med(ours, (r) => r.tokensPerSSampled),
  tokens_per_s_trained: med(ours, (r) => r.tokensPerSTrained),
  steps_per_s: med(ours, (r) => r.stepsPerS),
  sft_tokens_per_s: med(ours, (r) => r.sftTokensPerS),
  peak_rss_mb: Math.max(...ours.map((r) => r.peakRssMB)),
  torch: theirs.length
    ? { steps_to_gain20: med(theirs, (r) => r.stepsToGain20), seconds_to_gain20: med(theirs, (r) => r.secondsToGain20), steps_per_s: med(theirs, (r) => r.stepsPerS), tokens_per_s_sampled: med(theirs, (r) => r.tokensPerSSampled), tokens_per_s_trained: med(theirs, (r) => r.tokensPerSTrained), sft_tokens_per_s: med(theirs, (r) => r.sftTokensPerS) }
    : null,
  speedup_vs_torch: theirs.length ? ratio(med(ours, (r) => r.stepsPerS), med(theirs, (r) => r.stepsPerS)) : null,
  sft_speedup_vs_torch: theirs.length ? ratio(med(ours, (r) => r.sftTokensPerS), med(theirs, (r) => r.sftTokensPerS)) : null,
});
