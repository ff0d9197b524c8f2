import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../../lib/rl.js";
import { RunConfigError } from "../../../lib/run/builder.js";
import { createComponent } from "../../../lib/pg/component.js";
import { hgpoAdvantages } from "../../../lib/pg/advantage/hgpo.js";
import type { StepAdvantageRuntime } from "../../../lib/pg/advantage/step-credit.js";
import { hybridGroupAdvantages } from "../../../lib/credit/hybrid-thinking.js";
import { tokenLogProbs } from "../../../lib/seq/policies/logprobs.js";
import { Transformer } from "../../../lib/seq/policies/index.js";
import { completionMode } from "../../../lib/seq/tasks/think-or-not.js";
import { Rng } from "../../../lib/random/rng.js";

const tok = rl.tokenizer.char("0123456789+=,;td");
const tiny = () => Transformer.create({ vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 24 }, { rng: Rng.fromSeed(3) });
const quiet = { progress() {} };
const grpo = () => rl.grpo({ prompts: 4, groupSize: 6, maxNewTokens: 6, lr: 1e-2 });
const run = (spec: ReturnType<typeof grpo>) => rl.seq(rl.tasks.thinkOrNot, { levels: [0, 1], policy: tiny(), tokenizer: tok, seed: 2 }).algo(spec).build();
const rows = (r: { metricsLog: { length: number; column(n: string): Float64Array; names(): string[] } }) =>
  Array.from({ length: r.metricsLog.length }, (_, i) => Object.fromEntries(r.metricsLog.names().map((n) => [n, r.metricsLog.column(n)[i]!])));

test("rl.guide.modes(): every group is half thinking, half direct, the mode token first, its behavior log-prob π_old(mode | prompt)", async () => {
  const r = run(grpo().guidance(rl.guide.modes()));
  await r.train({ steps: 1, display: quiet });
  assert.equal(r.learner.sampled, 4 * 6, "the plain round is not sampled and thrown away");
  const last = r.learner.last;
  assert.equal(last.length, 24);
  const before = tiny();
  const V = tok.vocabSize;
  for (let g = 0; g < 4; g++) {
    const group = last.slice(g * 6, (g + 1) * 6);
    assert.deepEqual(group.map((s) => s.mode), ["think", "think", "think", "no_think", "no_think", "no_think"]);
    for (const s of group) {
      assert.equal(s.group, group[0]!.group);
      assert.deepEqual([...s.prompt], [...tok.encode(s.item.prompt)], "trained on the plain prompt");
      assert.equal(s.tokens[0], tok.encode(s.mode === "think" ? "t" : "d")[0]);
      assert.equal(completionMode(s.text), s.mode, "the verifier read the mode token first");
      assert.equal(s.correct, rl.tasks.thinkOrNot.verify(s.text, s.item).correct);
      assert.equal(s.offPolicy, undefined);
      assert.equal(s.logp.length, s.tokens.length);
      assert.equal(s.entropy.length, s.tokens.length);
      // π_old is the initial policy (one update has happened since): the mode token's log-prob and a continuation token's are its
      const seq = Int32Array.from([...s.prompt, ...s.tokens]);
      const lp = tokenLogProbs(before.forward(seq, 1, seq.length), seq, 1, seq.length, V).logp;
      assert.ok(Math.abs(s.logp[0]! - lp[s.prompt.length - 1]!) < 1e-4, `mode token logp ${s.logp[0]} vs ${lp[s.prompt.length - 1]}`);
      assert.ok(Math.abs(s.logp[1]! - lp[s.prompt.length]!) < 1e-4, "the continuation was sampled after prompt + mode token");
      assert.ok(s.logp[0]! < 0);
    }
  }
  const m = rows(r)[0]!;
  for (const k of ["guide/think_prob_mean", "guide/think_correct", "guide/direct_correct"]) assert.ok(m[k]! >= 0 && m[k]! <= 1, `${k} ${m[k]}`);
  assert.ok(m["guide/think_prob_mean"]! > 0);
});

test("rl.adv.hgpo(): the mode token gets A_intra + α A_inter, the other tokens A_intra, per group", async () => {
  const r = run(grpo().guidance(rl.guide.modes()).advantage(rl.adv.hgpo({ alpha: 2, delta: 0.1 })));
  await r.train({ steps: 3, display: quiet });
  const last = r.learner.last;
  for (let g = 0; g < 4; g++) {
    const group = last.slice(g * 6, (g + 1) * 6);
    const want = hybridGroupAdvantages(group.map((s) => s.reward), group.map((s) => s.mode!), { alpha: 2, delta: 0.1 });
    group.forEach((s, i) => {
      const a = s.tokenAdvantages!;
      assert.equal(a.length, s.tokens.length);
      assert.ok(Math.abs(a[0]! - want.modeToken[i]!) < 1e-6);
      for (let t = 1; t < a.length; t++) assert.ok(Math.abs(a[t]! - want.answer[i]!) < 1e-6);
      assert.ok(Math.abs(s.advantage - want.answer[i]!) < 1e-12);
    });
  }
  for (const m of rows(r)) assert.ok(m["hgpo/prefer_think"]! >= 0 && m["hgpo/prefer_think"]! <= 1);
});

test("hgpoAdvantages reproduces card 13's worked example and needs both modes in every group", () => {
  const s = (reward: number, mode: "think" | "no_think", group = 0) => ({ group, reward, mode, tokens: new Int32Array(2), entropy: new Float32Array(2) });
  const a = hgpoAdvantages([s(0.9, "think"), s(0.7, "think"), s(0.6, "no_think"), s(0.5, "no_think")], { alpha: 1, delta: 0.2 });
  // A_intra ±0.7071 (within each mode), A_inter ±0.8660 (think preferred: 0.8 > 0.55 + 0.2)
  assert.deepEqual([...a.modeToken].map((x) => +x.toFixed(4)), [1.5731, 0.1589, -0.1589, -1.5731]);
  assert.deepEqual([...a.answer].map((x) => +x.toFixed(4)), [0.7071, -0.7071, 0.7071, -0.7071]);
  assert.equal(a.preferThink, 1);
  assert.throws(() => hgpoAdvantages([s(1, "think"), s(0, "think")], { alpha: 1, delta: 0.2 }), /group 0 has 2 thinking and 0 direct/);
  assert.throws(() => hgpoAdvantages([{ group: 0, reward: 1, tokens: new Int32Array(1), entropy: new Float32Array(1) }], { alpha: 1, delta: 0.2 }), /no thinking mode.*rl\.guide\.modes/);
  const runtime = createComponent<StepAdvantageRuntime, unknown>(rl.adv.hgpo(), {});
  assert.throws(() => runtime.groups(new Float64Array(2), new Int32Array(2)), /rl\.guide\.modes/);
});

test("configuration errors: hgpo without modes, an odd group, a mode that is not one token", async () => {
  assert.throws(() => run(grpo().advantage(rl.adv.hgpo())), (e: unknown) => e instanceof RunConfigError && /rl\.guide\.modes\(\)/.test(e.message));
  assert.throws(() => run(grpo().guidance(rl.guide.hints()).advantage(rl.adv.hgpo())), (e: unknown) => e instanceof RunConfigError && /not rl\.guide\.hints/.test(e.message));
  assert.throws(() => run(rl.grpo({ prompts: 2, groupSize: 5, maxNewTokens: 4 }).guidance(rl.guide.modes())), (e: unknown) => e instanceof RunConfigError && /groupSize must be even/.test(e.message));
  assert.throws(() => run(grpo().guidance(rl.guide.modes({ think: "t", direct: "t" }))), (e: unknown) => e instanceof RunConfigError && /different tokens/.test(e.message));
  assert.throws(() => run(grpo().guidance(rl.guide.modes({ think: "" }))), (e: unknown) => e instanceof RunConfigError && /non-empty/.test(e.message));
  const r = run(grpo().guidance(rl.guide.modes({ think: "tt" })));
  await assert.rejects(r.train({ steps: 1, display: quiet }), /think mode "tt" must be one token/);
});
