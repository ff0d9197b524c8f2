// RLG's guided sampler on token policies and the reward–KL measurement:
// the mixed logits at every decoding step and in a full forward, w = 0 and
// w = 1 sampling exactly the base and the tuned policy, and the Monte Carlo
// KL against the exact KL of a one-token distribution.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl } from "../../lib/rl.js";
import { GuidedPolicy } from "../../lib/steer/guided-policy.js";
import { rewardAndKl } from "../../lib/steer/reward-kl.js";
import { sampleBatch } from "../../lib/seq/policies/sample.js";
import { logSoftmax } from "../../lib/seq/policies/logprobs.js";
import { Rng } from "../../lib/random/rng.js";
import { tiny, tok } from "../helpers/tiny-sequence-run.js";

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe("RLG's guided policy", () => {
  test("every decoding step's logits are z_base + w (z_tuned − z_base); a forward too", () => {
    const base = tiny(1);
    const tuned = tiny(2);
    const w = 1.6;
    const g = rl.steer.guided(base, tuned, { w });
    const rows = 2;
    const V = tok.vocabSize;
    const [dg, da, db] = [g.decoder(rows), base.decoder(rows), tuned.decoder(rows)];
    const [lg, la, lb] = [new Float64Array(rows * V), new Float64Array(rows * V), new Float64Array(rows * V)];
    for (const step of [tok.encode("12"), tok.encode("3+"), tok.encode("4=")]) {
      const tokens = Int32Array.from([step[0]!, step[1]!]);
      dg.step(tokens, null, lg);
      da.step(tokens, null, la);
      db.step(tokens, null, lb);
      for (let i = 0; i < lg.length; i++) near(lg[i]!, la[i]! + w * (lb[i]! - la[i]!), 1e-9, `logit ${i}`);
    }
    assert.equal(dg.position, 3);
    const seq = tok.encode("12+3=4");
    const f = g.forward(seq, 1, seq.length);
    const fa = base.forward(seq, 1, seq.length);
    const fb = tuned.forward(seq, 1, seq.length);
    for (let i = 0; i < f.length; i++) near(f[i]!, fa[i]! + w * (fb[i]! - fa[i]!), 1e-9, `forward ${i}`);
  });

  test("w = 0 samples the base policy and w = 1 the tuned one, token for token", () => {
    const base = tiny(3);
    const tuned = tiny(4);
    const prompts = Array.from({ length: 6 }, (_, i) => tok.encode(`${i}+${i}=`));
    const opts = () => ({ maxNewTokens: 3, stopToken: tok.eos, rng: Rng.fromSeed(9) });
    for (const [w, p] of [[0, base], [1, tuned]] as const) {
      const a = sampleBatch(rl.steer.guided(base, tuned, { w }), prompts, opts());
      const b = sampleBatch(p, prompts, opts());
      assert.deepEqual(a.map((c) => [...c.tokens]), b.map((c) => [...c.tokens]), `w = ${w}`);
      a.forEach((c, i) => c.logprobs.forEach((x, t) => near(x, b[i]!.logprobs[t]!, 1e-9, `w = ${w} logprob`)));
    }
  });

  test("it only samples; bad inputs are named", () => {
    const g = new GuidedPolicy(tiny(1), tiny(2), 2);
    assert.throws(() => g.backward(), /only samples: train the tuned policy/);
    assert.equal(g.params.length, 0);
    assert.equal(g.clone().w, 2);
    assert.throws(() => rl.steer.guided(tiny(1), tiny(2), { w: NaN }), /w must be a finite number/);
    assert.throws(() => rl.steer.guided(tiny(1), {} as never, { w: 1 }), /must be token policies/);
    const other = rl.seq.policy("transformer", { vocabSize: 5, layers: 1, dModel: 8, heads: 2, mlpHidden: 16, context: 8 }, { seed: 1 });
    assert.throws(() => rl.steer.guided(tiny(1), other, { w: 1 }), /15 tokens, the tuned one 5/);
  });
});

describe("reward and KL of a sampler", () => {
  const items = Array.from({ length: 4000 }, (_, i) => ({ id: `x/${i}`, prompt: "7+", answer: "", solution: "", level: 0 }));

  test("the KL estimate of one-token completions matches the exact KL; a policy against itself is 0", () => {
    const p = tiny(5);
    const q = tiny(6);
    const prompt = tok.encode("7+");
    const V = tok.vocabSize;
    const lp = new Float64Array(V);
    const lq = new Float64Array(V);
    logSoftmax(p.forward(prompt, 1, prompt.length), (prompt.length - 1) * V, V, 1, lp);
    logSoftmax(q.forward(prompt, 1, prompt.length), (prompt.length - 1) * V, V, 1, lq);
    let exact = 0;
    let second = 0;
    for (let v = 0; v < V; v++) {
      exact += Math.exp(lp[v]!) * (lp[v]! - lq[v]!);
      second += Math.exp(lp[v]!) * (lp[v]! - lq[v]!) ** 2;
    }
    const se = Math.sqrt((second - exact * exact) / items.length);
    const r = rewardAndKl(p, q, tok, items, { samples: 1, maxNewTokens: 1, score: (c) => c.length, seed: 2 });
    assert.equal(r.completions, 4000);
    near(r.kl, exact, 4 * se, `KL (exact ${exact}, standard error ${se})`);
    near(rewardAndKl(p, p, tok, items.slice(0, 50), { maxNewTokens: 3, score: () => 0 }).kl, 0, 1e-9, "KL to itself");
    near(rewardAndKl(rl.steer.guided(p, q, { w: 0 }), p, tok, items.slice(0, 50), { maxNewTokens: 3, score: () => 0 }).kl, 0, 1e-9, "w = 0 to the base");
  });

  test("the reward is the mean score; bad inputs are named", () => {
    const p = tiny(5);
    const r = rewardAndKl(p, p, tok, items.slice(0, 10), { samples: 3, maxNewTokens: 2, score: () => 0.25 });
    assert.equal(r.reward, 0.25);
    assert.equal(r.completions, 30);
    assert.throws(() => rewardAndKl(p, p, tok, [], { maxNewTokens: 2, score: () => 0 }), /items must be a non-empty array/);
    assert.throws(() => rewardAndKl(p, p, tok, items.slice(0, 2), { maxNewTokens: 2, score: () => NaN }), /returned NaN/);
  });
});
