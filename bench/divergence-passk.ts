// divergence-passk: GRPO with no divergence, reverse KL (k3, in the loss),
// and DPH-RL's forward KL and Jensen–Shannon on stored reference samples;
// pass@1 and pass@k (k up to 64) at the start and end, per seed. DPH-RL's
// claim: mass-covering divergences keep pass@k at large k at or above the
// base model's, where no-KL and reverse-KL runs fall below it.
//
//   node dist/bench/divergence-passk.js [--seeds 3] [--steps 80] [--quick]
import { rl } from "../lib/rl.js";
import type { PgSpec } from "../lib/pg/spec.js";
import { emit, median, option, round } from "./stats.js";

const arg = option;
const QUICK = process.argv.includes("--quick");
const seeds = Number(arg("seeds", QUICK ? "1" : "3"));
const steps = Number(arg("steps", QUICK ? "2" : "80"));
const sftSteps = Number(arg("sft", QUICK ? "20" : "900"));
const problems = QUICK ? 20 : 100;
const K = [1, 8, 64];
const setup = { prompts: 16, groupSize: 8, maxNewTokens: 5, lr: 1e-4 };
const store = { prompts: QUICK ? 8 : 128, samples: 8, solved: 4, batch: 32 };
const VARIANTS: Record<string, () => PgSpec> = {
  none: () => rl.grpo(setup),
  reverseKl: () => rl.grpo({ ...setup, beta: 0.05 }),
  forwardKl: () => rl.grpo(setup).divergence(rl.div.forwardKl({ coef: 0.05, ...store })),
  js: () => rl.grpo(setup).divergence(rl.div.js({ coef: 0.1, ...store })),
};

const tok = rl.tokenizer.char("0123456789+=");
const task = rl.tasks.addition;
const test = rl.tasks.split(task, { seed: 2000, levels: [2], train: 0, test: problems }).test;
const rows: { variant: string; seed: number; start: Record<number, number>; end: Record<number, number> }[] = [];
for (let seed = 0; seed < seeds; seed++) {
  const base = rl.seq.policy("transformer", { vocabSize: tok.vocabSize, layers: 2, dModel: 64, heads: 4, mlpHidden: 256, context: 16 }, { seed });
  rl.seq.sft(base, tok, task, { level: 2, steps: sftSteps, batch: 64, lr: 1e-3, seed });
  for (const [variant, make] of Object.entries(VARIANTS)) {
    const run = rl.seq(task, { level: 2, policy: base.clone(), tokenizer: tok, seed, test }).algo(make()).build();
    const passK = () => {
      const e = run.evaluate({ samples: 64, k: K });
      return Object.fromEntries(K.map((k) => [k, round(e.passAtK[k]!)]));
    };
    const start = passK();
    for (let s = 0; s < steps; s++) run.learner.step();
    const end = passK();
    rows.push({ variant, seed, start, end });
    emit({ variant, seed, start, end, sampledTokens: run.learner.sampledTokens, rehearsalSamples: run.learner.rehearsal?.size ?? null });
  }
}
emit({
  summary: "divergence-passk",
  task: "addition level 2",
  seeds,
  steps,
  k: K,
  // per variant: median over seeds of pass@k at the end ÷ at the start
  pass64_end_over_start: Object.fromEntries(Object.keys(VARIANTS).map((v) => [v, round(median(rows.filter((r) => r.variant === v).map((r) => r.end[64]! / Math.max(1e-9, r.start[64]!))))])),
  pass1_end: Object.fromEntries(Object.keys(VARIANTS).map((v) => [v, round(median(rows.filter((r) => r.variant === v).map((r) => r.end[1]!)))])),
  pass64_start: round(median(rows.map((r) => r.start[64]!))),
});
