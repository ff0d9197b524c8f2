import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../lib/rl.js";
import { evaluateSequences } from "../../lib/seq/eval/evaluate.js";
import { defineTask } from "../../lib/seq/tasks/define.js";
import { Rng } from "../../lib/random/rng.js";

const tok = rl.tokenizer.char("0123456789+=");
const policy = () => rl.seq.policy("transformer", { vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 10 }, { seed: 1 });
const judged = (verdict: (completion: string) => boolean) =>
  defineTask({ id: "judged", levels: [1, 2], generate: (rng, level) => ({ prompt: `${rng.int(10)}+${level}=`, answer: "" }), verify: (completion) => verdict(completion) });
const items = (task: ReturnType<typeof judged>) => [1, 2, 1, 2, 1].map((level, i) => task.generate(Rng.fromSeed(i), level));

test("evaluateSequences: greedy pass@1, unbiased pass@k and maj@k per level, from what the verifier says", () => {
  const all = judged(() => true);
  const e = evaluateSequences(policy(), tok, all, { items: items(all), maxNewTokens: 3, samples: 4, k: [1, 4], rng: Rng.fromSeed(0) });
  assert.deepEqual([e.problems, e.pass1, e.passAtK[1], e.passAtK[4], e.majAtK[4]], [5, 1, 1, 1, 1]);
  assert.deepEqual(Object.keys(e.byLevel), ["1", "2"]);
  assert.equal(e.byLevel[1]!.problems, 3);
  const none = judged(() => false);
  const z = evaluateSequences(policy(), tok, none, { items: items(none), maxNewTokens: 3, samples: 2, rng: Rng.fromSeed(0) });
  assert.deepEqual([z.pass1, z.passAtK[1], z.passAtK[2], z.majAtK[2]], [0, 0, 0, 0]);
  // a verdict that depends on the sample: pass@k grows with k and pass@1 of samples is the fraction correct
  const odd = judged((c) => c.length % 2 === 1);
  const s = evaluateSequences(policy(), tok, odd, { items: items(odd), maxNewTokens: 3, samples: 6, k: [1, 3, 6], rng: Rng.fromSeed(2) });
  assert.ok(s.passAtK[1]! <= s.passAtK[3]! && s.passAtK[3]! <= s.passAtK[6]!);
});

test("evaluateSequences refuses bad options with the reason", () => {
  const all = judged(() => true);
  assert.throws(() => evaluateSequences(policy(), tok, all, { items: [], maxNewTokens: 3 }), /non-empty/);
  assert.throws(() => evaluateSequences(policy(), tok, all, { items: items(all), maxNewTokens: 3, samples: 2, k: [3], rng: Rng.fromSeed(0) }), /each k must be an integer in \[1, samples = 2\]/);
  assert.throws(() => evaluateSequences(policy(), tok, all, { items: items(all), maxNewTokens: 3, samples: 2 }), /needs an rng/);
});

test("sftOnTask lowers the loss on a task's reference solutions; the same seed gives the same weights", () => {
  const a = policy(), b = policy();
  const r = rl.seq.sft(a, tok, rl.tasks.addition, { level: 1, steps: 60, batch: 32, lr: 3e-3, seed: 4 });
  rl.seq.sft(b, tok, rl.tasks.addition, { level: 1, steps: 60, batch: 32, lr: 3e-3, seed: 4 });
  assert.equal(r.losses.length, 60);
  assert.ok(r.losses[59]! < 0.6 * r.losses[0]!, `loss ${r.losses[0]} → ${r.losses[59]}`);
  assert.ok(r.tokens > 60 * 32 * 5);
  assert.deepEqual(a.params, b.params);
  assert.throws(() => rl.seq.sft(a, tok, rl.tasks.addition, { level: 11, steps: 1 }), /level 11 is not one of/);
});

test("sftOnTask with completions \"all\" trains every style of a problem's reference completions (a hybrid cold start)", () => {
  const t = rl.tokenizer.char("0123456789+=,;td");
  const thinkProb = (completions: "solution" | "all") => {
    const p = rl.seq.policy("transformer", { vocabSize: t.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 36 }, { seed: 1 });
    rl.seq.sft(p, t, rl.tasks.thinkOrNot, { levels: [0, 1], steps: 40, batch: 32, lr: 1e-2, seed: 2, completions });
    const prompt = t.encode("3+4=");
    const logits = p.forward(prompt, 1, prompt.length);
    const V = t.vocabSize, o = (prompt.length - 1) * V;
    const z = Array.from({ length: V }, (_, v) => Math.exp(logits[o + v]!));
    return z[t.encode("t")[0]!]! / z.reduce((a, b) => a + b, 0);
  };
  assert.ok(thinkProb("solution") > 0.9, "the solution alone is the thinking form");
  const mixed = thinkProb("all");
  assert.ok(mixed > 0.25 && mixed < 0.75, `π(think) ${mixed} after training on both forms`);
  assert.throws(() => rl.seq.sft(policy(), tok, rl.tasks.addition, { level: 1, steps: 1, completions: "both" as "all" }), /completions must be "solution" or "all"/);
});
