import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../../lib/rl.js";
import { RunConfigError } from "../../../lib/run/builder.js";
import { createComponent } from "../../../lib/pg/component.js";
import { OutputGrads, type LossTerm, type TermRows } from "../../../lib/pg/rows.js";
import { Transformer } from "../../../lib/seq/policies/index.js";
import { Rng } from "../../../lib/random/rng.js";

const tok = rl.tokenizer.char("0123456789+=");
const tiny = (seed = 1) => Transformer.create({ vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 12 }, { rng: Rng.fromSeed(seed) });
const quiet = { progress() {} };
const grpo = () => rl.grpo({ prompts: 6, groupSize: 4, maxNewTokens: 4, lr: 1e-2 });
// 2-digit addition: an untrained policy writes a correct sum almost never, so every group fails and is re-posed with hints
/** The run's metrics rows (each metric's value per step). */
const rows = (r: { metricsLog: { length: number; column(n: string): Float64Array; names(): string[] } }) =>
  Array.from({ length: r.metricsLog.length }, (_, i) => Object.fromEntries(r.metricsLog.names().map((n) => [n, r.metricsLog.column(n)[i]!])));
const run = (spec: ReturnType<typeof grpo>, seed = 0) => rl.seq(rl.tasks.addition, { level: 2, policy: tiny(), tokenizer: tok, seed }).algo(spec).build();

test("GHPO hints: all-fail groups are sampled again after the first ω of the solution, trained in the hinted context", async () => {
  const r = run(grpo().guidance(rl.guide.hints({ levels: [0.5, 1] })));
  await r.train({ steps: 3, display: quiet });
  const ms = rows(r);
  assert.equal(ms[0]!["guide/failed_groups"], 6, "the random policy fails every group");
  assert.equal(ms[0]!.correct, 0);
  const rescued = ms.reduce((n, m) => n + m["guide/rescued_groups"]!, 0);
  assert.ok(rescued >= 1, `rescued ${rescued}`);
  assert.ok(ms.some((m) => m["guide/frac_reward_zero_std"]! < m.frac_reward_zero_std!), "hints give groups a signal");
  const hinted = r.learner.last.filter((s) => s.source === "hint");
  assert.ok(hinted.length >= 4);
  for (const s of hinted) {
    const plain = tok.encode(s.item.prompt);
    const hintText = tok.decode(s.prompt.subarray(plain.length));
    // the prompt is the plain prompt followed by a prefix of the reference solution, which the verifier read first
    assert.deepEqual([...s.prompt.subarray(0, plain.length)], [...plain]);
    assert.ok(s.item.solution.startsWith(hintText) && hintText.length > 0, `hint ${hintText} of ${s.item.solution}`);
    assert.ok(s.text.startsWith(hintText));
    assert.equal(s.offPolicy, undefined, "GHPO trains the continuation on-policy");
    assert.equal(s.logp.length, s.tokens.length);
  }
  // a rescued group has a success, so its advantages are not all 0
  for (const id of new Set(hinted.map((s) => s.group))) {
    const g = hinted.filter((s) => s.group === id);
    if (g.some((s) => s.correct)) assert.ok(g.some((s) => s.advantage !== 0));
  }
  // the hinted completions are in the table with their source
  const sources = r.completions().getChild("source")!.toArray() as string[];
  assert.ok(sources.includes("hint") && sources.includes("online"));
});

test("Guide hints: the hint's tokens join the completion on the plain prompt, off-policy with behavior log-prob 0; rl.loss.offPolicy() is required", async () => {
  assert.throws(() => run(grpo().guidance(rl.guide.hints({ levels: [0.5], context: "plain" }))), (e: unknown) => e instanceof RunConfigError && /rl\.loss\.offPolicy\(\)/.test(e.message));
  const r = run(grpo().guidance(rl.guide.hints({ levels: [0.5, 1], context: "plain", filter: true })).addLoss(rl.loss.offPolicy()));
  await r.train({ steps: 3, display: quiet });
  const hinted = r.learner.last.filter((s) => s.source === "hint");
  assert.ok(hinted.length > 0);
  assert.ok(rows(r).every((m) => Number.isFinite(m.reward)), "the unguided samples' reward is logged");
  for (const s of hinted) {
    assert.deepEqual([...s.prompt], [...tok.encode(s.item.prompt)], "trained on the plain prompt");
    const off = s.offPolicy!;
    const h = off.indexOf(0) < 0 ? off.length : off.indexOf(0);
    assert.ok(h > 0);
    assert.ok(s.item.solution.startsWith(tok.decode(s.tokens.subarray(0, h))));
    for (let t = 0; t < h; t++) assert.equal(s.logp[t], 0);
    for (let t = h; t < off.length; t++) assert.equal(off[t], 0);
    // filter: a kept hinted group has both a success and a failure
    const group = hinted.filter((x) => x.group === s.group);
    if (s.status !== "dropped") assert.ok(group.some((x) => x.correct) && group.some((x) => !x.correct));
  }
  const m = rows(r).find((x) => x.trainedTokens! > 0 && Number.isFinite(x.offPolicyGamma));
  assert.ok(m && m.offPolicyTokens! > 0, JSON.stringify(rows(r)));
});

test("guided runs repeat bit for bit with the same seed", async () => {
  const spec = grpo().guidance(rl.guide.hints({ levels: [0.25, 0.5, 0.75] }));
  const a = run(spec, 3), b = run(spec, 3);
  await a.train({ steps: 2, display: quiet });
  await b.train({ steps: 2, display: quiet });
  assert.deepEqual(a.learner.policy.params, b.learner.policy.params);
  assert.deepEqual(a.learner.last.map((s) => s.text), b.learner.last.map((s) => s.text));
});

test("the clipped surrogate leaves off-policy rows to rl.loss.offPolicy(): equal to the surrogate of the on-policy rows alone", () => {
  const clipped = createComponent<LossTerm, unknown>(rl.loss.clipped(), {});
  const base = { size: 2, logp: Float32Array.of(-0.5, -3), entropy: new Float32Array(2), values: new Float32Array(2), oldLogp: Float32Array.of(-0.6, 0), oldValues: new Float32Array(2), advantages: Float32Array.of(1, 1), returns: new Float32Array(2) } satisfies TermRows;
  const g = new OutputGrads();
  g.reset(2);
  const mixed = clipped.compute({ ...base, offPolicy: Uint8Array.of(0, 1) }, { divisor: 2, weights: null }, g);
  // row 0: r = e^0.1 = 1.105171 inside the clip: ℓ = −1.105171, /2
  assert.ok(Math.abs(mixed.value + 1.105171 / 2) < 1e-6);
  assert.equal(g.logp[1], 0);
  assert.equal(mixed.metrics.clipfrac, 0);
  const off = createComponent<LossTerm, unknown>(rl.loss.offPolicy({ gamma: 1 }), {});
  const g2 = new OutputGrads();
  g2.reset(2);
  const o = off.compute({ ...base, offPolicy: Uint8Array.of(0, 1) }, { divisor: 2, weights: null }, g2);
  // row 1: r = e^−3 = 0.049787, r/(r + 1) = 0.047426, /2
  assert.ok(Math.abs(o.value + 0.047426 / 2) < 1e-6, String(o.value));
  assert.equal(g2.logp[0], 0);
});

test("guidance is checked as data: bad levels, and an env run", () => {
  const bad = (levels: unknown) => {
    try {
      run(grpo().guidance(rl.guide.hints({ levels: levels as number[] })));
      return "";
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(bad([0.5, 0.25]), /algo\.guidance\.levels.*ascending/);
  assert.match(bad([0, 0.5]), /algo\.guidance\.levels/);
  assert.match(bad([]), /non-empty list/);
  assert.throws(() => rl.env("CartPole-v1", { seed: 0 }).algo(rl.ppo().guidance(rl.guide.hints())).build(), /needs a sequence run/);
});

test("AMPO teachers: a group with no correct sample gets the task's reference solutions in place of k samples, off-policy, ranked by comprehension", async () => {
  const ctok = rl.tokenizer.char("0123456789+-*/=,: abcdefghijklmnopqrstuvwxyz");
  const policy = Transformer.create({ vocabSize: ctok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 64 }, { rng: Rng.fromSeed(2) });
  const spec = rl.grpo({ prompts: 4, groupSize: 4, maxNewTokens: 6, lr: 1e-2, normalize: "none" }).guidance(rl.guide.teachers({ k: 2 })).addLoss(rl.loss.offPolicy({ shape: "likelihood" }));
  const r = rl.seq(rl.tasks.countdown, { level: 3, policy, tokenizer: ctok, seed: 1 }).algo(spec).build();
  await r.train({ steps: 2, display: quiet });
  const m = rows(r);
  assert.equal(m[0]!["guide/failed_groups"], 4);
  const teachers = r.learner.last.filter((s) => s.source === "teacher");
  const failed = m.at(-1)!["guide/failed_groups"]!;
  assert.ok(teachers.length >= failed && teachers.length <= 2 * failed, `${teachers.length} teachers for ${failed} failed groups`);
  for (const s of teachers) {
    assert.equal(s.correct, true);
    assert.ok(s.text === s.item.solution || s.item.solutions?.includes(s.text));
    assert.equal(ctok.decode(s.tokens.subarray(0, -1)), s.text);
    assert.equal(s.tokens.at(-1), ctok.eos);
    assert.deepEqual([...s.offPolicy!], new Array(s.tokens.length).fill(1));
    // mean-only advantages: a group of 4 with 1 or 2 teachers → +0.75 or +0.5
    assert.ok(s.advantage === 0.75 || s.advantage === 0.5, String(s.advantage));
  }
  assert.ok(m.at(-1)!["guide/comprehension_mean"]! > 0 && m.at(-1)!["guide/comprehension_mean"]! <= 1);
  // the teachers' tokens reach the table as "teacher"
  assert.ok((r.completions().getChild("source")!.toArray() as string[]).includes("teacher"));
});

test("teacherReasoning: the solution before its final answer", async () => {
  const { teacherReasoning } = await import("../../../lib/pg/guide/teacher-guidance.js");
  const item = { id: "x", prompt: "reach 97 from 25,4,3:", answer: "97", solution: "25*4=100,100-3=97", level: 3 };
  assert.equal(teacherReasoning("25*4=100,100-3=97", item), "25*4=100,100-3=");
  assert.equal(teacherReasoning("85", { ...item, answer: "85" }), "");
  assert.equal(teacherReasoning("4*25=100", item), "4*25=100");
});

test("AHPO expert: a group below the success threshold gets its reference solution beside its samples, trained by likelihood, outside the group's baseline", async () => {
  const spec = grpo().guidance(rl.guide.expert({ threshold: 0.5 })).addLoss(rl.loss.offPolicy({ shape: "nll" }));
  const r = run(spec);
  await r.train({ steps: 2, display: quiet });
  const ms = rows(r);
  assert.equal(ms[0]!["guide/expert_groups"], 6);
  const experts = r.learner.last.filter((s) => s.source === "reference");
  assert.equal(experts.length, ms.at(-1)!["guide/expert_groups"]);
  for (const s of experts) {
    assert.equal(s.text, s.item.solution);
    assert.equal(s.advantage, 0);
    assert.equal(s.status, "trained");
    assert.deepEqual([...s.offPolicy!], new Array(s.tokens.length).fill(1));
    const members = r.learner.last.filter((x) => x.group === s.group && x.source !== "reference");
    assert.equal(members.length, 4, "the group keeps its own samples");
  }
  // the imitation term's value is the mean −log π over the expert tokens
  assert.ok(ms.every((m) => m.offPolicyLoss! > 0 && m.offPolicyTokens! > 0), JSON.stringify(ms.map((m) => m.offPolicyLoss)));
  // on one fixed problem, imitation alone raises the likelihood of its reference solution step after step
  const item = rl.tasks.addition.generate(Rng.fromSeed(9), 2);
  const alone = rl.seq(rl.tasks.addition, { level: 2, policy: tiny(), tokenizer: tok, seed: 0, train: [item] }).algo(grpo().loss(rl.loss.offPolicy({ shape: "nll" })).guidance(rl.guide.expert({ threshold: 0.5 }))).build();
  await alone.train({ steps: 6, display: quiet });
  const nll = rows(alone).map((m) => m.offPolicyLoss!);
  assert.ok(nll.at(-1)! < 0.7 * nll[0]!, JSON.stringify(nll));
});

test("rl.loss.offPolicy({ shape: \"nll\" }): the mean −log π over the off-policy rows, gradient −1/n on each, ignoring the aggregation", () => {
  const term = createComponent<LossTerm, unknown>(rl.loss.offPolicy({ shape: "nll" }), {});
  const g = new OutputGrads();
  g.reset(3);
  const rowsIn = { size: 3, logp: Float32Array.of(Math.log(0.5), -7, Math.log(0.25)), entropy: new Float32Array(3), values: new Float32Array(3), oldLogp: new Float32Array(3), oldValues: new Float32Array(3), advantages: Float32Array.of(5, 5, 5), returns: new Float32Array(3), offPolicy: Uint8Array.of(1, 0, 1) } satisfies TermRows;
  const r = term.compute(rowsIn, { divisor: 3, weights: null }, g);
  // (ln 2 + ln 4)/2 = 1.039721
  assert.ok(Math.abs(r.value - 1.039721) < 1e-6);
  assert.deepEqual([...g.logp], [-0.5, 0, -0.5]);
});

test("a KL penalty in the reward counts only the tokens the policy sampled, not a hint's forced tokens", async () => {
  const coef = 0.1;
  const r = run(grpo().guidance(rl.guide.hints({ levels: [0.5, 1], context: "plain" })).addLoss(rl.loss.offPolicy()).divergence(rl.div.kl({ in: "reward", coef })));
  const hinted = [];
  for (let step = 0; step < 6 && hinted.length === 0; step++) {
    r.learner.step();
    hinted.push(...r.learner.last.filter((s) => s.source === "hint" && s.status !== "dropped"));
  }
  assert.ok(hinted.length > 0);
  for (const s of hinted) {
    let k = 0;
    for (let t = 0; t < s.tokens.length; t++) {
      if (s.offPolicy![t]) continue;
      const logR = s.refLogp![t]! - s.logp[t]!;
      k += Math.exp(logR) - 1 - logR;
    }
    assert.ok(Math.abs(s.reward - ((s.correct ? 1 : 0) - coef * k)) < 1e-5, `${s.reward} vs ${(s.correct ? 1 : 0) - coef * k}`);
  }
});
