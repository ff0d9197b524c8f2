import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../lib/random/rng.js";
import { logSoftmax, sample, sampleBatch, tokenLogProbs, Transformer, truncatedWeights } from "../../../lib/seq/policies/index.js";

const CONFIG = { vocabSize: 6, context: 12, layers: 2, dModel: 16, heads: 2, mlpHidden: 32 };
const model = Transformer.create(CONFIG, { rng: Rng.fromSeed(21), std: 0.6 });
const prompts = [Int32Array.from([1, 2, 3]), Int32Array.from([4]), Int32Array.from([0, 5, 5, 1, 2])];

test("greedy is deterministic, needs no rng, and equals top-k = 1 sampling", () => {
  const a = sample(model, prompts, { maxNewTokens: 6, greedy: true });
  const b = sample(model, prompts, { maxNewTokens: 6, greedy: true });
  assert.deepEqual(a, b);
  const k1 = sample(model, prompts, { maxNewTokens: 6, topK: 1, rng: Rng.fromSeed(3) });
  assert.deepEqual(k1.map((c) => [...c.tokens]), a.map((c) => [...c.tokens]));
  for (const c of a) assert.equal(c.tokens.length, 6);
});

test("same seed, same samples; another seed differs; log-probs and entropies are the temperature-scaled policy's (= tokenLogProbs)", () => {
  const opts = { maxNewTokens: 7, temperature: 1.5 };
  const a = sample(model, prompts, { ...opts, rng: Rng.fromSeed(8) });
  assert.deepEqual(sample(model, prompts, { ...opts, rng: Rng.fromSeed(8) }), a);
  assert.notDeepEqual(sample(model, prompts, { ...opts, rng: Rng.fromSeed(9) }).map((c) => [...c.tokens]), a.map((c) => [...c.tokens]));
  prompts.forEach((p, i) => {
    const c = a[i]!;
    const seq = Int32Array.from([...p, ...c.tokens]);
    const logits = model.forward(seq, 1, seq.length);
    const { logp, entropy } = tokenLogProbs(logits, seq, 1, seq.length, 6, 1.5);
    for (let t = 0; t < c.tokens.length; t++) {
      assert.ok(Math.abs(logp[p.length - 1 + t]! - c.logprobs[t]!) < 1e-9);
      assert.ok(Math.abs(entropy[p.length - 1 + t]! - c.entropies[t]!) < 1e-9);
    }
  });
});

test("stopToken ends a row (included) and the context bounds the length", () => {
  const greedy = sample(model, prompts, { maxNewTokens: 6, greedy: true });
  const stop = greedy[0]!.tokens[2]!;
  const first = greedy[0]!.tokens.indexOf(stop);
  const c = sample(model, [prompts[0]!], { maxNewTokens: 6, greedy: true, stopToken: stop })[0]!;
  assert.deepEqual([...c.tokens], [...greedy[0]!.tokens.subarray(0, first + 1)]);
  assert.equal(c.finish, "stop");
  const long = sample(model, [prompts[2]!], { maxNewTokens: 100, greedy: true })[0]!;
  assert.equal(long.tokens.length, 12 - 5, "prompt + completion fill the context and no more (so the completion trains in one forward)");
  assert.equal(long.finish, "length");
  const full = sample(model, [new Int32Array(12).fill(1)], { maxNewTokens: 3, greedy: true })[0]!;
  assert.equal(full.tokens.length, 0, "a prompt that fills the context leaves no room");
  const batch = sampleBatch(model, [prompts[2]!, new Int32Array(12).fill(1)], { maxNewTokens: 100, greedy: true });
  assert.deepEqual([...batch[0]!.tokens], [...long.tokens]);
  assert.equal(batch[1]!.tokens.length, 0);
  assert.throws(() => sample(model, prompts, { maxNewTokens: 2 }), /pass an rng/);
  assert.throws(() => sample(model, prompts, { maxNewTokens: 2, greedy: true, topP: 0 }), /topP must be in \(0, 1\]/);
  assert.throws(() => sample(model, [new Int32Array(13)], { maxNewTokens: 2, greedy: true }), /more than the context/);
});

function frequencies(options: { temperature: number; topK?: number; topP?: number }, n: number): number[] {
  const counts = new Array<number>(6).fill(0);
  const rng = Rng.fromSeed(1234);
  const out = sample(model, Array.from({ length: n }, () => prompts[0]!), { maxNewTokens: 1, rng, ...options });
  for (const c of out) counts[c.tokens[0]!]!++;
  return counts;
}

test("sampling frequencies match softmax(logits/τ) restricted to top-k / top-p (chi-square, fixed seed, 3000 draws)", () => {
  const logits = model.forward(prompts[0]!, 1, 3).subarray(2 * 6);
  for (const options of [{ temperature: 1.3 }, { temperature: 0.9, topK: 3 }, { temperature: 1, topP: 0.7 }]) {
    const lp = new Float64Array(6);
    logSoftmax(logits, 0, 6, options.temperature, lp);
    const w = new Float64Array(6);
    truncatedWeights(lp, 6, options.topK ?? 0, options.topP ?? 1, w, new Int32Array(6));
    const total = w.reduce((a, b) => a + b, 0);
    const n = 3000;
    const counts = frequencies(options, n);
    let chi2 = 0;
    let kept = 0;
    for (let v = 0; v < 6; v++) {
      const expected = (n * w[v]!) / total;
      if (expected === 0) assert.equal(counts[v], 0, `token ${v} is outside the top-k/top-p set`);
      else {
        kept++;
        chi2 += (counts[v]! - expected) ** 2 / expected;
      }
    }
    // 99.9% quantile of χ² with ≤ 5 degrees of freedom is 20.5
    assert.ok(chi2 < 20.5, `${JSON.stringify(options)}: χ² ${chi2.toFixed(2)} over ${kept} tokens, counts ${counts}`);
    if (options.topK) assert.equal(kept, 3);
  }
});

test("truncatedWeights: top-k then the smallest nucleus reaching top-p; at least one token", () => {
  const lp = Float64Array.from([0.1, 0.4, 0.2, 0.3].map(Math.log));
  const w = new Float64Array(4);
  const order = new Int32Array(4);
  truncatedWeights(lp, 4, 0, 0.65, w, order);
  assert.deepEqual([...w].map((x) => +x.toFixed(6)), [0, 0.4, 0, 0.3]);
  truncatedWeights(lp, 4, 2, 1, w, order);
  assert.deepEqual([...w].map((x) => +x.toFixed(6)), [0, 0.4, 0, 0.3]);
  truncatedWeights(lp, 4, 0, 0.01, w, order);
  assert.deepEqual([...w].map((x) => +x.toFixed(6)), [0, 0.4, 0, 0]);
});

test("sampleBatch runs a prompt shared by a group once and gives the same completions as feeding every row", async () => {
  const { FastTransformer } = await import("../../../lib/seq/policies/fast-transformer.js");
  const { sampleBatch, Transformer } = await import("../../../lib/seq/policies/index.js");
  const { Rng } = await import("../../../lib/random/rng.js");
  const config = { vocabSize: 16, layers: 2, dModel: 16, heads: 4, mlpHidden: 32, context: 12 };
  const a = Int32Array.of(4, 5, 6, 7), b = Int32Array.of(8, 9, 10, 11), c = Int32Array.of(12, 13);
  const prompts = [a, a, a, b, b, c, a.slice(), c, Int32Array.of(5)];
  for (const policy of [Transformer.create(config, { rng: Rng.fromSeed(3) }), FastTransformer.create(config, { rng: Rng.fromSeed(3) })]) {
    const run = (sharePrompts: boolean) => sampleBatch(policy, prompts, { maxNewTokens: 5, temperature: 1.3, stopToken: 2, rng: Rng.fromSeed(9), sharePrompts });
    const shared = run(true), fed = run(false);
    assert.deepEqual(shared.map((x) => [...x.tokens]), fed.map((x) => [...x.tokens]));
    assert.deepEqual(shared.map((x) => [...x.logprobs]), fed.map((x) => [...x.logprobs]));
    assert.deepEqual(shared.map((x) => x.finish), fed.map((x) => x.finish));
  }
});
