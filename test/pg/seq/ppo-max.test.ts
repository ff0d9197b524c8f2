import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../../lib/rl.js";
import { RunConfigError } from "../../../lib/run/builder.js";
import { configProblems } from "../../helpers/config-problems.js";
import { TokenCritic } from "../../../lib/pg/seq/token-critic.js";
import { criticCredit } from "../../../lib/pg/seq/critic-credit.js";
import { scaleScores, whitenTokens, type TokenGaeRuntime } from "../../../lib/pg/advantage/token-gae.js";
import { createComponent } from "../../../lib/pg/component.js";
import { completionGae } from "../../../lib/credit/rlhf-token-rewards.js";
import { INITIAL_MOMENTS, mergeMoments } from "../../../lib/credit/running-moments.js";
import type { SampledCompletion } from "../../../lib/pg/seq/learner.js";
import { FastTransformer } from "../../../lib/seq/policies/fast-transformer.js";
import { Transformer, type TokenPolicy } from "../../../lib/seq/policies/index.js";
import { Rng } from "../../../lib/random/rng.js";

import { quiet, startsWithOne, tiny, tok } from "../../helpers/tiny-sequence-run.js";
const seqs = [
  { prompt: Int32Array.of(1, 10, 2, 11), tokens: Int32Array.of(3, 4, 2) },
  { prompt: Int32Array.of(1, 10, 2, 11), tokens: Int32Array.of(5) },
  { prompt: Int32Array.of(3, 10, 4, 11, 5), tokens: Int32Array.of(6, 7) },
];

function gaeRuntime(options: Parameters<typeof rl.adv.tokenGae>[0] = {}): TokenGaeRuntime {
  return createComponent<TokenGaeRuntime, unknown>(rl.adv.tokenGae(options), {});
}

test("the token critic starts at V = 0 (head at zero) from a copy of the policy, and its backward matches finite differences", () => {
  const policy = tiny(3);
  const critic = new TokenCritic(policy);
  assert.notEqual(critic.body.params, policy.params);
  assert.deepEqual(critic.body.params, policy.params);
  assert.ok(critic.values(seqs, tok.pad).every((v) => v === 0));
  const rng = Rng.fromSeed(4);
  for (let j = 0; j < critic.head.length; j++) critic.head[j] = rng.normal() * 0.3;
  // L = Σ_i c_i V_i
  const coef = Float32Array.from({ length: 6 }, (_, i) => 0.5 - 0.3 * i);
  const loss = () => critic.values(seqs, tok.pad).reduce((a, v, i) => a + coef[i]! * v, 0);
  critic.values(seqs, tok.pad);
  critic.zeroGrads();
  critic.backward(coef);
  const h = 1e-3;
  const check = (arr: Float32Array, grad: Float32Array, i: number, what: string) => {
    const x = arr[i]!;
    arr[i] = x + h;
    const up = loss();
    arr[i] = x - h;
    const down = loss();
    arr[i] = x;
    const numeric = (up - down) / (2 * h);
    assert.ok(Math.abs(numeric - grad[i]!) < 2e-3 * Math.max(1, Math.abs(numeric)), `${what}[${i}]: ${grad[i]} vs numeric ${numeric}`);
  };
  for (const i of [0, 5, tok.vocabSize]) check(critic.head, critic.headGrads, i, "head");
  for (let k = 0; k < 12; k++) {
    const i = rng.int(critic.body.params.length);
    check(critic.body.params, critic.body.grads, i, "body");
  }
});

test("the token critic of a fast transformer (shared prompts run once) gives the values of the reference one, and its step moves both body and head", () => {
  const ref = tiny(5);
  const a = new TokenCritic(ref);
  const b = new TokenCritic(FastTransformer.from(ref));
  const rng = Rng.fromSeed(1);
  for (let j = 0; j < a.head.length; j++) b.head[j] = a.head[j] = rng.normal() * 0.2;
  const va = a.values(seqs, tok.pad), vb = b.values(seqs, tok.pad);
  va.forEach((v, i) => assert.ok(Math.abs(v - vb[i]!) < 1e-4, `value ${i}: ${v} vs ${vb[i]}`));
  const before = { body: b.body.params.slice(), head: b.head.slice() };
  b.zeroGrads();
  b.backward(Float32Array.of(1, -1, 0.5, 0.2, 0.1, -0.4));
  const norm = b.step(1e-2, 1e-8, 1);
  assert.ok(norm > 0);
  assert.ok(b.body.params.some((p, i) => p !== before.body[i]) && b.head.some((p, i) => p !== before.head[i]));
  assert.equal(b.bodyAdam.t, 1);
  assert.throws(() => b.backward([1]), /values\(\) call before it/);
});

test("scores are scaled by the running std after merging the step (left unscaled while it is 0); whitening gives mean 0, std 1", () => {
  const s = scaleScores([1, 0, 0, 1], INITIAL_MOMENTS, "std");
  // std of [1, 0, 0, 1] (n − 1) = √(1/3)
  assert.ok(Math.abs(s.scaled[0]! - Math.sqrt(3)) < 1e-9 && s.scaled[1] === 0);
  const norm = scaleScores([1, 0, 0, 1], INITIAL_MOMENTS, "norm");
  assert.ok(Math.abs(norm.scaled[0]! - 0.5 * Math.sqrt(3)) < 1e-6 && Math.abs(norm.scaled[1]! + 0.5 * Math.sqrt(3)) < 1e-6);
  const zero = scaleScores([0, 0, 0], INITIAL_MOMENTS, "std");
  assert.deepEqual([...zero.scaled], [0, 0, 0]);
  assert.deepEqual([...scaleScores([2, 4], mergeMoments(INITIAL_MOMENTS, [0, 1]), "none").scaled], [2, 4]);
  const rows = [Float32Array.of(1, 2), Float32Array.of(3), Float32Array.of(6)];
  whitenTokens(rows);
  const all = rows.flatMap((r) => [...r]);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
  assert.ok(Math.abs(mean) < 1e-6 && Math.abs(std - 1) < 1e-6);
});

test("tokenGae's score clip bounds the scaled score in the reward, and its advantage clip bounds every token's advantage", () => {
  const runtime = gaeRuntime({ rewardScaling: "none", rewardClip: 0.5, advantageClip: 0.3, lambda: 1 });
  const r = runtime.credit({ scores: [2, -3], kl: null, klCoef: 0, values: [Float32Array.of(0, 0), Float32Array.of(0.1)] }, INITIAL_MOMENTS);
  assert.deepEqual([...r.scaled], [0.5, -0.5]);
  // unclipped: [0.5, 0.5] and [−0.6]
  assert.deepEqual([...r.advantages[0]!], [0.30000001192092896, 0.30000001192092896]);
  assert.ok(Math.abs(r.advantages[1]![0]! + 0.3) < 1e-7);
  // returns keep the unclipped advantages: G = Â + V
  assert.ok(Math.abs(r.returns[1]![0]! + 0.5) < 1e-7);
});

test("criticCredit puts the KL on each sampled token and the scaled score on the last, then GAE over V_old (hand-worked)", () => {
  const critic = new TokenCritic(tiny(2));
  // V = b = 0.1 everywhere: the head's weights stay zero
  critic.head[tok.vocabSize] = 0.1;
  const completion = (tokens: Int32Array, reward: number, logp: number[], refLogp: number[], offPolicy?: number[]): SampledCompletion => ({
    group: 0, item: { prompt: "1+2=", answer: "3" } as never, prompt: Int32Array.of(1, 10, 2, 11), tokens, logp: Float32Array.from(logp), entropy: new Float32Array(tokens.length),
    text: "", reward, correct: reward > 0, truncated: false, advantage: 0, status: "trained", policyVersion: 0, refLogp: Float32Array.from(refLogp),
    ...(offPolicy ? { offPolicy: Uint8Array.from(offPolicy) } : {}),
  });
  const a = completion(Int32Array.of(3, 2), 1, [-0.5, -0.2], [-0.7, -0.1]);
  const b = completion(Int32Array.of(5, 6, 2), 0, [-1, -1, -1], [-0.5, -1, -2], [1, 0, 0]);
  const runtime = gaeRuntime({ gamma: 1, lambda: 0.5 });
  const r = criticCredit([a, b], critic, runtime, INITIAL_MOMENTS, { coef: 0.1, estimator: "k1" }, tok.pad);
  // scores [1, 0]: running std √(1/2) → a's score √2, b's 0
  const s = Math.SQRT2;
  const expectA = completionGae([-0.1 * 0.2, -0.1 * -0.1 + s], [0.1, 0.1], 1, 0.5);
  const expectB = completionGae([0, 0, -0.1 * 1], [0.1, 0.1, 0.1], 1, 0.5);
  a.tokenAdvantages!.forEach((x, t) => assert.ok(Math.abs(x - expectA.advantages[t]!) < 1e-5, `a[${t}]: ${x} vs ${expectA.advantages[t]}`));
  b.tokenAdvantages!.forEach((x, t) => assert.ok(Math.abs(x - expectB.advantages[t]!) < 1e-5, `b[${t}]: ${x} vs ${expectB.advantages[t]}`));
  a.returns!.forEach((x, t) => assert.ok(Math.abs(x - expectA.returns[t]!) < 1e-5));
  assert.ok(Math.abs(a.values![0]! - 0.1) < 1e-6 && a.advantage === a.tokenAdvantages![0]);
  // KL: mean of the four sampled tokens' k1 = (0.2 − 0.1 + 0 + 1) / 4
  assert.ok(Math.abs(r.metrics.kl! - 1.1 / 4) < 1e-6, String(r.metrics.kl));
  assert.ok(Math.abs(r.metrics["critic/value_mean"]! - 0.1) < 1e-6);
  assert.ok(Math.abs(r.moments.mean - 0.5) < 1e-9);
});

function ppoMaxRun(spec = rl.ppoMax({ prompts: 64, maxNewTokens: 3, lr: 1e-2 }), seed = 0, policy: TokenPolicy = tiny()) {
  return rl.seq(rl.tasks.addition, { level: 1, policy, tokenizer: tok, seed, reward: startsWithOne }).algo(spec).eval({ problems: 20 }).build();
}

test("PPO-max raises the reward of a signal the initial policy rarely finds, with its critic tracking the returns and the KL to the initial policy reported", async () => {
  const run = ppoMaxRun();
  await run.train({ steps: 15, display: quiet });
  const reward = Array.from(run.metricsLog.column("reward") as ArrayLike<number>);
  const first = (reward[0]! + reward[1]! + reward[2]!) / 3;
  const last = (reward[12]! + reward[13]! + reward[14]!) / 3;
  assert.ok(last > first + 0.25, `reward ${first.toFixed(3)} → ${last.toFixed(3)}: ${reward.map((x) => x.toFixed(2)).join(" ")}`);
  const row = run.metricsLog.last()!;
  for (const k of ["kl", "valueLoss", "critic/value_mean", "critic/explainedVariance", "critic/gradNorm", "reward/running_std", "reward/scaled_mean", "policyLoss"]) assert.ok(Number.isFinite(row[k]), k);
  assert.ok(row.kl! > 0, "the policy moved away from the initial one");
  assert.ok(row["critic/value_mean"]! > 0.3, `the critic learned that completions succeed: V ${row["critic/value_mean"]}`);
  // the first token decides the reward: from the second token on, V_old should be close to the return
  const s = run.learner.last.find((x) => x.tokens.length >= 2 && x.correct)!;
  assert.ok(s.values && s.returns && s.tokenAdvantages && s.tokenAdvantages.length === s.tokens.length);
  const table = run.completions({ lastSteps: 1 });
  assert.equal(table.numRows, 64);
  const adv = table.getChild("token_adv")!.get(run.learner.last.indexOf(s))!.toArray() as Float32Array;
  assert.deepEqual([...adv], [...s.tokenAdvantages]);
});

test("without the KL penalty and reward scaling PPO-max is the plain token PPO: no reference, scores unscaled", async () => {
  const run = ppoMaxRun(rl.ppoMax({ prompts: 16, maxNewTokens: 3, lr: 1e-2, klCoef: 0, rewardScaling: "none" }));
  assert.equal(run.learner.reference, null);
  await run.train({ steps: 2, display: quiet });
  const last = run.learner.last;
  const mean = last.reduce((a, s) => a + s.reward, 0) / last.length;
  assert.ok(Math.abs(run.metricsLog.last()!["reward/scaled_mean"]! - mean) < 1e-9);
  assert.equal(run.metricsLog.last()!.kl, undefined);
});

test("a token critic needs rl.loss.value(), refuses guidance, and only it lets a sequence run use a value loss", () => {
  const codes = (f: () => unknown) => configProblems(f);
  assert.deepEqual(codes(() => ppoMaxRun(rl.grpo().advantage(rl.adv.tokenGae()))), ["algo.loss missing"]);
  assert.deepEqual(codes(() => ppoMaxRun(rl.ppoMax().guidance(rl.guide.hints()))), ["algo.guidance incompatible"]);
  assert.deepEqual(codes(() => ppoMaxRun(rl.grpo().addLoss(rl.loss.value()))), ["algo.loss[1] incompatible"]);
  assert.deepEqual(codes(() => ppoMaxRun(rl.ppoMax({ lambda: 2 }))), ["algo.lambda out-of-range"]);
  const ok = ppoMaxRun(rl.grpo().advantage(rl.adv.tokenGae()).addLoss(rl.loss.value({ clip: 0.2 })));
  assert.ok(ok.learner.critic);
  // an env run refuses the sequence-only estimator
  assert.throws(() => rl.env("CartPole-v1").algo(rl.ppo().advantage(rl.adv.tokenGae())).build(), RunConfigError);
});

test("a checkpoint of a PPO-max run holds the critic and the score moments, and a damaged one is refused by name", async () => {
  const run = ppoMaxRun(rl.ppoMax({ prompts: 8, maxNewTokens: 3 }));
  await run.train({ steps: 2, display: quiet });
  const state = run.learner.saveState();
  for (const k of ["criticParams", "criticHead", "criticAdamM", "criticAdamV", "criticHeadAdamM", "criticHeadAdamV"]) assert.ok(state.arrays[k], k);
  assert.equal(state.json.criticAdamT, 2);
  const fresh = ppoMaxRun(rl.ppoMax({ prompts: 8, maxNewTokens: 3 }));
  fresh.learner.loadState(state);
  assert.deepEqual(fresh.learner.critic!.head, run.learner.critic!.head);
  assert.deepEqual(fresh.learner.scoreMoments, run.learner.scoreMoments);
  const { criticHead: _, ...missing } = state.arrays;
  assert.throws(() => fresh.learner.loadState({ json: state.json, arrays: missing }), /criticHead must hold 16 float32 values, got undefined/);
  assert.throws(() => fresh.learner.loadState({ json: { ...state.json, scoreMoments: { mean: 0, variance: -1, count: 2 } }, arrays: state.arrays }), /scoreMoments must be/);
  assert.throws(() => fresh.learner.loadState({ json: { ...state.json, criticAdamT: 1.5 }, arrays: state.arrays }), /criticAdamT must be an integer/);
});
