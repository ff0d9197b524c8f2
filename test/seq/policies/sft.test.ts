import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../lib/random/rng.js";
import { charTokenizer } from "../../../lib/seq/tokenizers/index.js";
import { sample, sftBatch, sftLoss, SftTrainer, Transformer } from "../../../lib/seq/policies/index.js";

const tok = charTokenizer("ab=");

test("sftBatch: prompt, completion and eos, right-padded; the targets are the predictions of the completion and its eos", () => {
  const b = sftBatch(tok, [{ prompt: "ab=", completion: "ba" }, { prompt: "a=", completion: "a" }], 8);
  const id = (c: string) => tok.tokenToId(c)!;
  assert.equal(b.length, 6);
  assert.deepEqual(Array.from(b.tokens), [id("a"), id("b"), id("="), id("b"), id("a"), tok.eos, id("a"), id("="), id("a"), tok.eos, tok.pad, tok.pad]);
  // Row 0: position 2 ("=") predicts "b", 3 predicts "a", 4 predicts eos. Row 1: position 1 predicts "a", 2 predicts eos.
  assert.deepEqual(Array.from(b.targets), [0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0]);
  assert.throws(() => sftBatch(tok, [{ prompt: "abab=", completion: "baba" }], 8), /pair 0 is 10 tokens, more than the context of 8/);
  assert.throws(() => sftBatch(tok, [{ prompt: "a=", completion: 3 as never }], 8), /pair 0: expected \{ prompt: string, completion: string \}/);
  assert.throws(() => sftBatch(tok, [], 8), /no \(prompt, completion\) pairs/);
});

test("sftLoss: mean −log p of the targets; its gradient matches finite differences of the logits", () => {
  const b = sftBatch(tok, [{ prompt: "ab=", completion: "ba" }, { prompt: "a=", completion: "a" }], 8);
  const V = tok.vocabSize;
  const rng = Rng.fromSeed(5);
  const logits = Float64Array.from({ length: b.batch * b.length * V }, () => rng.normal());
  const { loss, dLogits, targets } = sftLoss(logits, b, V);
  assert.equal(targets, 5);
  assert.ok(loss > 0);
  for (const i of [2 * V + 1, 3 * V + tok.eos, 7 * V, 4 * V + 2, 10 * V + 1]) {
    const h = 1e-5;
    const up = logits.slice();
    up[i]! += h;
    const down = logits.slice();
    down[i]! -= h;
    const fd = (sftLoss(up, b, V).loss - sftLoss(down, b, V).loss) / (2 * h);
    assert.ok(Math.abs(fd - dLogits[i]!) < 1e-6, `logit ${i}: ${fd} vs ${dLogits[i]}`);
  }
});

test("SFT teaches a tiny transformer to reverse every string of 2 and 3 letters over {a, b}; the same seed gives the same losses", () => {
  const words = ["aa", "ab", "ba", "bb", "aaa", "aab", "aba", "abb", "baa", "bab", "bba", "bbb"];
  const pairs = words.map((w) => ({ prompt: `${w}=`, completion: [...w].reverse().join("") }));
  const batch = sftBatch(tok, pairs, 8);
  const train = () => {
    const model = Transformer.create({ vocabSize: tok.vocabSize, context: 8, layers: 1, dModel: 16, heads: 2, mlpHidden: 32 }, { rng: Rng.fromSeed(3) });
    const trainer = new SftTrainer(model, { lr: 1e-2 });
    const losses: number[] = [];
    for (let s = 0; s < 300; s++) losses.push(trainer.step(batch).loss);
    return { model, losses };
  };
  const { model, losses } = train();
  assert.ok(losses[0]! > 1 && losses.at(-1)! < 0.05, `loss ${losses[0]} → ${losses.at(-1)}`);
  const outs = sample(model, pairs.map((p) => tok.encode(p.prompt)), { maxNewTokens: 4, greedy: true, stopToken: tok.eos });
  assert.deepEqual(outs.map((o) => tok.decode(o.tokens, { skipSpecial: true })), pairs.map((p) => p.completion));
  assert.deepEqual(train().losses.slice(0, 20), losses.slice(0, 20));
});
