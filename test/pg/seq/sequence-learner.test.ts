import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../../lib/rl.js";
import { configProblems } from "../../helpers/config-problems.js";
import { packSequences } from "../../../lib/pg/seq/pack.js";
import { packPrefixed } from "../../../lib/pg/seq/prefix-pack.js";
import { completionLogits } from "../../../lib/pg/seq/completion-logits.js";
import { FastTransformer } from "../../../lib/seq/policies/fast-transformer.js";
import { clipRatios, isClipped, sampleMetrics, withSignal, type SampledCompletion } from "../../../lib/pg/seq/learner.js";
import { gatherLogProbs, gatherTokenLogProbs, gatherTokenLogProbsBackward, tokenLogProbs, tokenLogProbsBackward, Transformer, type TokenPolicy } from "../../../lib/seq/policies/index.js";
import { Rng } from "../../../lib/random/rng.js";

import { quiet, startsWithOne, tiny, tok } from "../../helpers/tiny-sequence-run.js";

test("packSequences: prompt ++ completion rows, right-padded; completion tokens scored from the position before each", () => {
  const p = packSequences([{ prompt: Int32Array.of(5, 6), tokens: Int32Array.of(7, 2) }, { prompt: Int32Array.of(4), tokens: Int32Array.of(9, 9, 2) }], 0);
  assert.equal(p.length, 4);
  assert.deepEqual([...p.tokens], [5, 6, 7, 2, 4, 9, 9, 2]);
  // row 0: tokens 7, 2 predicted from positions 1, 2; row 1: 9, 9, 2 from positions 4+0, 4+1, 4+2
  assert.deepEqual([...p.positions], [1, 2, 4, 5, 6]);
});

test("gatherTokenLogProbs and its backward equal the full-grid versions at the chosen positions", () => {
  const m = tiny();
  const p = packSequences([{ prompt: Int32Array.of(5, 6), tokens: Int32Array.of(7, 2) }, { prompt: Int32Array.of(4, 8, 3), tokens: Int32Array.of(9, 2) }], 0);
  const logits = m.forward(p.tokens, p.batch, p.length);
  const n = p.positions.length;
  const logp = new Float32Array(n), entropy = new Float32Array(n);
  gatherTokenLogProbs(logits, p.tokens, p.positions, tok.vocabSize, 0.7, logp, entropy);
  const full = tokenLogProbs(logits, p.tokens, p.batch, p.length, tok.vocabSize, 0.7);
  const T = p.length - 1;
  const rowOf = (at: number) => Math.floor(at / p.length) * T + (at % p.length);
  p.positions.forEach((at, i) => {
    assert.ok(Math.abs(logp[i]! - full.logp[rowOf(at)]!) < 1e-6);
    assert.ok(Math.abs(entropy[i]! - full.entropy[rowOf(at)]!) < 1e-6);
  });
  const dLogp = Float32Array.from({ length: n }, (_, i) => 0.3 - 0.2 * i);
  const dEnt = Float32Array.from({ length: n }, (_, i) => 0.1 * i);
  const mine = new Float32Array(logits.length);
  gatherTokenLogProbsBackward(logits, p.tokens, p.positions, tok.vocabSize, 0.7, dLogp, dEnt, mine);
  const gl = new Float64Array(p.batch * T), ge = new Float64Array(p.batch * T);
  p.positions.forEach((at, i) => ((gl[rowOf(at)] = dLogp[i]!), (ge[rowOf(at)] = dEnt[i]!)));
  const ref = tokenLogProbsBackward(logits, p.tokens, p.batch, p.length, tok.vocabSize, gl, ge, 0.7);
  ref.forEach((v, i) => assert.ok(Math.abs(v - mine[i]!) < 1e-5, `dLogits[${i}]: ${mine[i]} vs ${v}`));
});

test("packPrefixed: each distinct prompt once, completions less their last token as suffixes; a completion's first token scored from its prompt's last row", () => {
  const a = Int32Array.of(5, 6), b = Int32Array.of(4);
  const p = packPrefixed([
    { prompt: a, tokens: Int32Array.of(7, 2) },
    { prompt: b, tokens: Int32Array.of(9, 9, 2) },
    { prompt: Int32Array.of(5, 6), tokens: Int32Array.of(3) },
    { prompt: b, tokens: new Int32Array(0) },
  ]);
  assert.deepEqual([...p.input.prefixTokens], [5, 6, 4]);
  assert.deepEqual([...p.input.prefixStarts], [0, 2, 3]);
  assert.deepEqual([...p.input.sequencePrefix], [0, 1, 0, 1]);
  assert.deepEqual([...p.input.suffixTokens], [7, 9, 9]);
  assert.deepEqual([...p.input.suffixStarts], [0, 1, 3, 3, 3]);
  // rows 0–2 are the prefixes' tokens, rows 3–5 the suffixes'
  assert.deepEqual([...p.rows], [1, 3, 2, 4, 5, 1]);
  assert.throws(() => packPrefixed([{ prompt: new Int32Array(0), tokens: Int32Array.of(1) }]), (e: unknown) => e instanceof RangeError && /sequence 0 has an empty prompt/.test(e.message));
});

test("completionLogits: the fast transformer's prefixed log-probs equal the packed rows' (the reference Transformer takes the packed path)", () => {
  const ref = tiny(3);
  const fast = FastTransformer.from(ref);
  assert.equal((ref as TokenPolicy).forwardPrefixed, undefined);
  const rng = Rng.fromSeed(2);
  const prompts = [Int32Array.of(1, 10, 2, 11), Int32Array.of(3, 10, 4, 11, 5)];
  const seqs = Array.from({ length: 10 }, (_, i) => ({ prompt: prompts[i % 2]!, tokens: Int32Array.from({ length: rng.int(4) }, () => rng.int(tok.vocabSize)) }));
  const score = (policy: TokenPolicy) => {
    const { logits, rows, targets } = completionLogits(policy, seqs, tok.pad);
    const logp = new Float32Array(rows.length), entropy = new Float32Array(rows.length);
    gatherLogProbs(logits, rows, targets, tok.vocabSize, 0.8, logp, entropy);
    return { logp, entropy, rows: logits.length / tok.vocabSize };
  };
  const expected = score(ref), actual = score(fast);
  assert.equal(expected.rows, 10 * 8, "the packed grid: 10 rows of the longest sequence (5 + 3)");
  assert.ok(actual.rows < expected.rows / 2, `the prefixed rows: ${actual.rows}`);
  expected.logp.forEach((v, i) => assert.ok(Math.abs(actual.logp[i]! - v) < 1e-4, `logp[${i}]: ${actual.logp[i]} vs ${v}`));
  expected.entropy.forEach((v, i) => assert.ok(Math.abs(actual.entropy[i]! - v) < 1e-4, `entropy[${i}]`));
});

test("withSignal keeps the groups whose rewards differ; sampleMetrics and clip ratios on hand data", () => {
  const c = (reward: number, tokens: number, truncated = false) => ({ reward, correct: reward > 0, truncated, tokens: new Int32Array(tokens), entropy: new Float32Array(tokens).fill(0.5), logp: new Float32Array(tokens).fill(-0.25 * reward - 0.5) }) as unknown as SampledCompletion;
  const batch = [c(1, 2), c(0, 3), c(1, 2), c(1, 4, true), c(0, 1), c(0, 1)];
  assert.deepEqual(withSignal(batch, 2).map((s) => batch.indexOf(s)), [0, 1]);
  const m = sampleMetrics(batch, 2);
  assert.equal(m.reward, 0.5);
  assert.equal(m.frac_reward_zero_std, 2 / 3);
  // group stds (sample): [1,0] → 0.7071, [1,1] → 0, [0,0] → 0
  assert.ok(Math.abs(m.reward_std! - Math.SQRT1_2 / 3) < 1e-12);
  assert.equal(m["completions/mean_length"], 13 / 6);
  assert.equal(m["completions/max_length"], 4);
  assert.equal(m["completions/min_length"], 1);
  assert.equal(m["completions/clipped_ratio"], 1 / 6);
  assert.equal(m.sampledEntropy, 0.5);
  // −log π_old: 0.75 on the 8 tokens of reward 1, 0.5 on the 5 of reward 0
  assert.ok(Math.abs(m.sampledNll! - (8 * 0.75 + 5 * 0.5) / 13) < 1e-7);
  // ratios 1.3 (Â +), 0.7 (Â −), 0.7 (Â +), 1.3 (Â −), 1.1 (Â +); ε 0.2: only the first two are held at a bound
  const logRatio = Float32Array.of(Math.log(1.3), Math.log(0.7), Math.log(0.7), Math.log(1.3), Math.log(1.1));
  const adv = Float32Array.of(1, -1, 1, -1, 1);
  const r = clipRatios(logRatio, new Float32Array(5), adv, { low: 0.2, high: 0.2 });
  assert.deepEqual(r, { "clip_ratio/low_mean": 1 / 5, "clip_ratio/high_mean": 1 / 5, "clip_ratio/region_mean": 2 / 5 });
  assert.equal(isClipped(Math.log(1.25), 1, { low: 0.2, high: 0.28 }), false);
});

function seqRun(spec = rl.grpo({ prompts: 8, groupSize: 8, maxNewTokens: 3, lr: 1e-2 }), seed = 0, policy: TokenPolicy = tiny()) {
  return rl.seq(rl.tasks.addition, { level: 1, policy, tokenizer: tok, seed, reward: startsWithOne }).algo(spec).eval({ problems: 20 }).build();
}

test("GRPO raises the reward of a signal the initial policy rarely finds, and every completion is recorded with its credit", async () => {
  const run = seqRun();
  await run.train({ steps: 15, display: quiet });
  const reward = Array.from(run.metrics.getChild("reward")!.toArray() as Float64Array);
  const first = (reward[0]! + reward[1]! + reward[2]!) / 3;
  const last = (reward[12]! + reward[13]! + reward[14]!) / 3;
  assert.ok(last > first + 0.25, `reward ${first.toFixed(3)} → ${last.toFixed(3)}: ${reward.map((x) => x.toFixed(2)).join(" ")}`);
  const table = run.completions();
  assert.equal(table.numRows, 15 * 64);
  for (const name of ["tokens", "token_logp", "token_adv", "token_clipped", "group_id", "reward", "source", "policy_version", "prompt_id"]) assert.ok(table.getChild(name), name);
  const last1 = run.completions({ lastSteps: 1 });
  assert.equal(last1.numRows, 64);
  assert.ok([...(last1.getChild("policy_version")!.toArray() as Int32Array)].every((v) => v === 14));
  // a trained completion's token advantages are its group-relative advantage
  const s = run.learner.last.find((x) => x.status === "trained" && x.advantage !== 0)!;
  const row = run.learner.last.indexOf(s);
  const adv = last1.getChild("token_adv")!.get(row)!.toArray() as Float32Array;
  assert.ok(adv.every((a) => Math.abs(a - s.advantage) < 1e-6));
  for (const k of ["reward_std", "frac_reward_zero_std", "completions/mean_length", "completions/clipped_ratio", "clip_ratio/region_mean", "policyLoss", "gradNorm", "learningRate"]) {
    assert.ok(Number.isFinite(run.metricsLog.last()![k]), k);
  }
});

test("the same seed gives the same parameters and metrics; another seed does not", async () => {
  const a = seqRun(undefined, 3), b = seqRun(undefined, 3), c = seqRun(undefined, 4);
  for (const r of [a, b, c]) await r.train({ steps: 3, display: quiet });
  assert.deepEqual(a.policy.params, b.policy.params);
  assert.deepEqual(a.metricsLog.column("reward"), b.metricsLog.column("reward"));
  assert.notDeepEqual(a.policy.params, c.policy.params);
});

test("dynamic sampling trains only groups with signal and refills; truncated completions are masked or penalized", async () => {
  const dyn = rl.grpo({ prompts: 4, groupSize: 4, maxNewTokens: 3, lr: 1e-2 }).collect(rl.collect.completions({ prompts: 4, groupSize: 4, maxNewTokens: 3, dynamicSampling: true, maxRefills: 6 }));
  const run = seqRun(dyn);
  const m = run.learner.step();
  const trained = run.learner.last.filter((s) => s.status === "trained");
  const byGroup = new Map<number, number[]>();
  for (const s of trained) byGroup.set(s.group, [...(byGroup.get(s.group) ?? []), s.reward]);
  for (const rs of byGroup.values()) assert.ok(rs.some((r) => r !== rs[0]), "a trained group has differing rewards");
  assert.ok(m.samplingRounds! > 1, "the first round's zero-variance groups were refilled");
  assert.ok(run.learner.last.some((s) => s.status === "dropped"));
  assert.ok(byGroup.size <= 4 && m.trainedGroups === byGroup.size);

  // maxNewTokens 1: every completion that is not a bare end token is cut off
  const cut = (truncated: "mask" | "penalize") => seqRun(rl.grpo({ prompts: 4, groupSize: 4, maxNewTokens: 1 }).collect(rl.collect.completions({ prompts: 4, groupSize: 4, maxNewTokens: 1, truncated, truncatedReward: -1 })));
  const masked = cut("mask");
  const mm = masked.learner.step();
  const cutOff = masked.learner.last.filter((s) => s.truncated);
  assert.ok(cutOff.length > 0 && cutOff.every((s) => s.status === "masked"));
  assert.equal(mm.trainedTokens, masked.learner.last.filter((s) => !s.truncated).reduce((n, s) => n + s.tokens.length, 0));
  const penalized = cut("penalize");
  penalized.learner.step();
  assert.ok(penalized.learner.last.filter((s) => s.truncated).every((s) => s.reward === -1));
});

test("a KL to the initial policy is 0 on the first minibatch and positive once the policy moved; several epochs make ratios ≠ 1", async () => {
  const run = seqRun(rl.grpo({ prompts: 8, groupSize: 8, maxNewTokens: 3, lr: 1e-2, beta: 0.1, epochs: 3, minibatches: 2 }));
  await run.train({ steps: 3, display: quiet });
  const kl = run.metricsLog.column("kl");
  assert.ok(kl.every((v) => v >= 0) && kl[2]! > 0, `kl ${[...kl]}`);
  assert.ok(run.metricsLog.column("approxKl")[2]! > 0);
  const m = seqRun(rl.grpo({ prompts: 8, groupSize: 8, maxNewTokens: 3, beta: 0.1 })).learner.step();
  assert.equal(m.kl, 0);
});

test("a sequence run refuses what it cannot run, as problems naming the field", () => {
  const codes = (f: () => unknown) => configProblems(f);
  assert.deepEqual(codes(() => seqRun(rl.ppo() as never)), ["algo.collect incompatible", "algo.advantage incompatible", "algo.loss[1] incompatible"]);
  assert.deepEqual(codes(() => seqRun(rl.grpo().addLoss(rl.loss.value()))), ["algo.loss[1] incompatible"]);
  assert.deepEqual(codes(() => seqRun(rl.grpo({ groupSize: 0 }))), ["algo.groupSize out-of-range"]);
  assert.deepEqual(codes(() => seqRun(rl.grpo().collect(rl.collect.completions({ dynamicSampling: true, groupSize: 1 })))), ["algo.collect.groupSize incompatible"]);
  assert.deepEqual(codes(() => rl.seq(rl.tasks.addition, { level: 42, policy: tiny(), tokenizer: tok }).algo(rl.grpo()).build()), ["level not-one-of"]);
  assert.deepEqual(codes(() => rl.seq(rl.tasks.addition, { policy: tiny(), tokenizer: tok }).build()), ["algo missing"]);
  assert.deepEqual(codes(() => rl.seq(rl.tasks.addition, { level: 1, policy: tiny(), tokenizer: tok }).algo(rl.grpo()).eval({ samples: 5000, problems: -1 }).build()), ["eval.problems out-of-range", "eval.samples out-of-range"]);
  assert.deepEqual(codes(() => rl.seq(rl.tasks.addition, { level: 1, policy: tiny(), tokenizer: tok }).algo(rl.grpo()).eval({ samples: 2, k: [1, 3] }).build()), ["eval.k out-of-range"]);
  // an env run with a completions collector
  assert.deepEqual(codes(() => rl.env("CartPole-v1").algo(rl.grpo()).build()), ["algo.collect incompatible"]);
});

test("a sequence run's views: the credit of its last step (clipped tokens marked), the completions table, the reward and pass@1 curves", async () => {
  const run = seqRun(rl.grpo({ prompts: 4, groupSize: 4, maxNewTokens: 3, lr: 3e-2, epochs: 3 }));
  await run.train({ steps: 2, display: quiet });
  const credit = run.credit();
  const plain = credit.bundle()["text/plain"] as string;
  assert.match(plain, /16 completions/);
  assert.match(plain, /clipped token/);
  const table = run.completionsTable();
  const text = table.bundle()["text/plain"] as string;
  assert.match(text, /step/);
  assert.ok((table.bundle()["text/html"] as string).length > 1000);
  assert.ok(run.curve().bundle()["text/html"]);
});

test("the fast transformer on two threads trains to the same numbers as on one", async () => {
  const make = (threads: 1 | 2) => rl.seq.policy("transformer", { vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 8 }, { seed: 2, threads });
  const one = seqRun(undefined, 5, make(1)), two = seqRun(undefined, 5, make(2));
  await one.train({ steps: 3, display: quiet });
  await two.train({ steps: 3, display: quiet });
  assert.deepEqual(two.policy.params, one.policy.params);
  assert.throws(() => rl.seq.policy("transformer", { vocabSize: 16 }, { threads: 3 as never }), /threads must be 1 or 2/);
});

test("a diverged update throws TrainingDivergedError and leaves the policy and Adam as they were before the step", async () => {
  const { TrainingDivergedError } = await import("../../../lib/algos/errors.js");
  const run = seqRun(rl.grpo({ prompts: 8, groupSize: 8, maxNewTokens: 3, lr: 1e39, epochs: 4, maxGradNorm: null }));
  let diverged = false;
  for (let i = 0; i < 6 && !diverged; i++) {
    const params = run.policy.params.slice(), m = run.learner.adamState.m.slice(), t = run.learner.adamState.t, updates = run.learner.updates;
    try {
      run.learner.step();
    } catch (error) {
      assert.ok(error instanceof TrainingDivergedError, String(error));
      assert.deepEqual(run.policy.params, params);
      assert.deepEqual(run.learner.adamState.m, m);
      assert.equal(run.learner.adamState.t, t);
      assert.equal(run.learner.updates, updates);
      diverged = true;
    }
  }
  assert.ok(diverged, "lr 1e39 (float32 params overflow) diverges within 6 steps");
});

/** `policy` without its optional forwardPrefixed: the learner takes the packed path. */
function packedOnly(policy: TokenPolicy): TokenPolicy {
  return {
    kind: policy.kind, vocabSize: policy.vocabSize, context: policy.context, params: policy.params, grads: policy.grads,
    zeroGrads: () => policy.zeroGrads(),
    clone: () => packedOnly(policy.clone()),
    forward: (tokens, batch, length) => policy.forward(tokens, batch, length),
    backward: (dLogits) => policy.backward(dLogits),
    decoder: (rows) => policy.decoder(rows),
  };
}

test("a GRPO update of the fast transformer with each prompt computed once moves the params as the packed path does; the same seed twice is bit-identical", async () => {
  const spec = rl.grpo({ prompts: 8, groupSize: 8, maxNewTokens: 3, lr: 1e-3, epochs: 2, minibatches: 2, beta: 0.05 });
  const make = () => rl.seq.policy("transformer", { vocabSize: tok.vocabSize, layers: 2, dModel: 16, heads: 2, mlpHidden: 32, context: 8, positions: "rotary" }, { seed: 7 });
  const prefixed = seqRun(spec, 5, make()), again = seqRun(spec, 5, make()), packed = seqRun(spec, 5, packedOnly(make()));
  assert.ok(prefixed.policy instanceof FastTransformer && prefixed.policy.forwardPrefixed);
  const before = prefixed.policy.params.slice();
  for (const r of [prefixed, again, packed]) r.learner.step();
  assert.deepEqual(again.policy.params, prefixed.policy.params);
  let moved = 0, worst = 0;
  prefixed.policy.params.forEach((v, i) => {
    moved = Math.max(moved, Math.abs(v - before[i]!));
    worst = Math.max(worst, Math.abs(v - packed.policy.params[i]!));
  });
  assert.ok(moved > 1e-3, `the update moved the params (by up to ${moved})`);
  assert.ok(worst < 1e-5, `the two paths' params differ by up to ${worst} after one update of lr 1e-3`);
  assert.deepEqual(prefixed.learner.last.map((s) => s.refLogp!.length), packed.learner.last.map((s) => s.tokens.length));
});
