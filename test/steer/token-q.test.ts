// V-GPS on tokens: the token-level Q's regression (gradient by finite
// differences, what it learns from logged rewards) and value-guided decoding
// (K = 1 is plain sampling, the best candidate at β = 0, a reward it steers toward).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl } from "../../lib/rl.js";
import { TokenQ, sampleValueGuided } from "../../lib/steer/token-q.js";
import { steeredDecode } from "../../lib/seq/policies/steered-decode.js";
import { Rng } from "../../lib/random/rng.js";
import { tiny, tok } from "../helpers/tiny-sequence-run.js";

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** Completions of a tiny policy, rewarded 1 when they start with "1". */
function logged(n: number, seed: number) {
  const policy = tiny(11);
  const prompts = Array.from({ length: n }, (_, i) => tok.encode(`${i % 10}+${(i * 3) % 10}=`));
  const rng = Rng.fromSeed(seed);
  const out = steeredDecode(policy, [], prompts, { maxNewTokens: 3, stopToken: tok.eos }, (s) => rng.categorical(Float64Array.from(s.logp, Math.exp)));
  return out.map((c, i) => ({ prompt: prompts[i]!, tokens: c.tokens, reward: tok.decode(c.tokens).startsWith("1") ? 1 : 0 }));
}

describe("V-GPS on tokens", () => {
  test("the Q regression's gradient matches finite differences; training lowers it", () => {
    const data = logged(40, 1);
    const q = rl.steer.tokenQ(tiny(12), tok);
    const m = q.model;
    const before = Float32Array.from(m.params);
    q.train(data.slice(0, 8), { steps: 1, batch: 8, maxGradNorm: null });
    const grads = Float64Array.from(m.grads);
    m.params.set(before);
    const rng = Rng.fromSeed(2);
    let checked = 0;
    for (let n = 0; n < 30 && checked < 5; n++) {
      const i = rng.int(before.length);
      if (Math.abs(grads[i]!) < 1e-4) continue;
      const e = 1e-4;
      m.params[i] = before[i]! + e;
      const up = q.loss(data.slice(0, 8));
      m.params[i] = before[i]! - e;
      const down = q.loss(data.slice(0, 8));
      m.params[i] = before[i]!;
      near(grads[i]!, (up - down) / (2 * e), 2e-3 * Math.max(1, Math.abs(grads[i]!)), `param ${i}`);
      checked++;
    }
    assert.ok(checked >= 3);
    const l0 = q.loss(data);
    q.train(data, { steps: 80, batch: 16, lr: 3e-3 });
    assert.ok(q.loss(data) < l0 / 2, `loss ${l0} → ${q.loss(data)}`);
    assert.equal(q.metricsLog.length, 81);
  });

  test("K = 1 samples the policy; a learned Q steers toward the reward; β = 0 takes the best candidate", () => {
    const policy = tiny(11);
    const q = rl.steer.tokenQ(tiny(12), tok);
    q.train(logged(200, 3), { steps: 150, batch: 32, lr: 3e-3 });
    const prompts = Array.from({ length: 60 }, (_, i) => `${i % 10}+${(i * 7) % 10}=`);
    const plain = steeredDecode(policy, [], prompts.map((p) => tok.encode(p)), { maxNewTokens: 3, stopToken: tok.eos }, ((rng) => (s) => rng.categorical(Float64Array.from(s.logp, Math.exp)))(Rng.fromSeed(5)));
    const k1 = sampleValueGuided(policy, q, tok, prompts, { k: 1, maxNewTokens: 3, rng: Rng.fromSeed(5) });
    assert.deepEqual(k1.map((c) => [...c.tokens]), plain.map((c) => [...c.tokens]));
    const ones = (cs: { text: string }[]) => cs.filter((c) => c.text.startsWith("1")).length;
    const steered = sampleValueGuided(policy, q, tok, prompts, { k: 8, beta: 0, maxNewTokens: 3, rng: Rng.fromSeed(6) });
    assert.ok(ones(steered) > ones(k1) + 10, `completions starting with "1": ${ones(steered)} steered vs ${ones(k1)} plain of 60`);
  });

  test("bad inputs are named", () => {
    const q = new TokenQ(tiny(1), tok);
    assert.throws(() => rl.steer.tokenQ(tiny(1), rl.tokenizer.char("ab")), /15 outputs, the tokenizer 5 tokens/);
    assert.throws(() => sampleValueGuided(tiny(1), q, tok, ["1+1="], { k: 0, maxNewTokens: 2, rng: Rng.fromSeed(1) }), /k must be a positive integer/);
    assert.throws(() => sampleValueGuided(tiny(1), {} as never, tok, ["1+1="], { k: 2, maxNewTokens: 2, rng: Rng.fromSeed(1) }), /q must be a TokenQ/);
    assert.throws(() => q.train([{ prompt: tok.encode("1="), tokens: tok.encode("1"), reward: NaN }], { steps: 1 }), /reward NaN/);
    assert.throws(() => steeredDecode(tiny(1), [], [tok.encode("12345678")], { maxNewTokens: 2, stopToken: tok.eos }, () => 0), /no room left in the context of 8/);
    assert.throws(() => steeredDecode(tiny(1), [], [tok.encode("1=")], { maxNewTokens: 2, stopToken: tok.eos }, () => 99), /choose returned 99/);
  });
});
