// Preference runs: the list losses of rl.pref.dpo() and rl.pref.lipo(), NDCG,
// the sequence log-probabilities and their gradient through a real token
// policy, training that learns a preference, seeded determinism, lists built
// from a task's samples, and clear errors on bad options.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl } from "../../lib/rl.js";
import { RunConfigError } from "../../lib/run/builder.js";
import { dpoListLoss, listPairs } from "../../lib/pg/preference/dpo.js";
import { lipoListLoss } from "../../lib/pg/preference/lipo.js";
import { pairPreferenceLoss } from "../../lib/pg/preference/pair-loss.js";
import { lambdaLoss } from "../../lib/pg/preference/lambda-loss.js";
import { ndcg } from "../../lib/seq/eval/ndcg.js";
import { completionLogits } from "../../lib/pg/seq/completion-logits.js";
import { sequenceLogProbs } from "../../lib/seq/preference-run.js";
import { tokenLogProbs } from "../../lib/seq/policies/logprobs.js";
import { Rng } from "../../lib/random/rng.js";
import { tiny, tok, quiet } from "../helpers/tiny-sequence-run.js";

const near = (a: number, b: number, tol = 1e-9, what = "") => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

describe("preference list losses", () => {
  test("DPO on a list: its pairs, the mean pair loss, the gradient per completion", () => {
    const scores = [0.5, 1, 0.5, 0];
    assert.deepEqual(listPairs(scores, "best-worst"), [[1, 3]]);
    assert.deepEqual(listPairs(scores, "all"), [[0, 3], [1, 0], [1, 2], [1, 3], [2, 3]]);
    assert.deepEqual(listPairs([2, 2], "best-worst"), []);
    const logp = [-3, -2, -4, -6];
    const ref = [-3, -4, -4, -5];
    // best-worst: h = (−2 + 4) − (−6 + 5) = 3, card 7's pair: 0.554355.
    const bw = dpoListLoss(logp, ref, scores, 0.1, "sigmoid", "best-worst");
    near(bw.loss, 0.554355, 1e-6, "card 7");
    near(bw.dLogp[1]!, pairPreferenceLoss({ chosen: -2, refChosen: -4, rejected: -6, refRejected: -5 }, 0.1).dH, 1e-12);
    assert.equal(bw.dLogp[0], 0);
    near(bw.dLogp[3]!, -bw.dLogp[1]!, 1e-12);
    // all: the mean of five pair losses.
    const all = dpoListLoss(logp, ref, scores, 0.1, "sigmoid", "all");
    const pair = (w: number, l: number) => pairPreferenceLoss({ chosen: logp[w]!, refChosen: ref[w]!, rejected: logp[l]!, refRejected: ref[l]! }, 0.1).loss;
    near(all.loss, (pair(0, 3) + pair(1, 0) + pair(1, 2) + pair(1, 3) + pair(2, 3)) / 5, 1e-12, "mean of the pairs");
    assert.deepEqual(dpoListLoss(logp.slice(0, 2), ref.slice(0, 2), [1, 1], 0.1, "sigmoid", "all"), { loss: 0, dLogp: new Float64Array(2) });
  });

  test("LiPO on a list: lambdaLoss of s = β (log π − log π_ref); the card-8 list", () => {
    // card 8: ψ = [1, 0.5, 0], s = [0.2, 0.5, −0.1] → L = 0.347897; with β = 0.5 and log π_ref = 0, log π = s / β.
    const r = lipoListLoss([0.4, 1, -0.2], [0, 0, 0], [1, 0.5, 0], 0.5);
    near(r.loss, 0.347897, 1e-6, "card 8");
    const l = lambdaLoss([0.2, 0.5, -0.1], [1, 0.5, 0]);
    for (let k = 0; k < 3; k++) near(r.dLogp[k]!, 0.5 * l.dScores[k]!, 1e-12, `dLogp[${k}]`);
  });

  test("both list losses' gradients match finite differences", () => {
    const rng = Rng.fromSeed(7);
    for (let n = 0; n < 30; n++) {
      const k = 2 + rng.int(6);
      const logp = Array.from({ length: k }, () => rng.uniform(-10, -1));
      const ref = Array.from({ length: k }, () => rng.uniform(-10, -1));
      const scores = Array.from({ length: k }, () => rng.int(3) / 2);
      const beta = rng.uniform(0.05, 0.5);
      const losses: [string, (lp: number[]) => { loss: number; dLogp: Float64Array }][] = [
        ["dpo all", (lp) => dpoListLoss(lp, ref, scores, beta, "sigmoid", "all")],
        ["ipo best-worst", (lp) => dpoListLoss(lp, ref, scores, beta, "ipo", "best-worst")],
        ["lipo", (lp) => lipoListLoss(lp, ref, scores, beta)],
      ];
      for (const [name, f] of losses) {
        const g = f(logp).dLogp;
        for (let i = 0; i < k; i++) {
          const e = 1e-6;
          const up = [...logp];
          const down = [...logp];
          up[i] = up[i]! + e;
          down[i] = down[i]! - e;
          const fd = (f(up).loss - f(down).loss) / (2 * e);
          // LiPO's ranks are constants: a step that reorders two scores is skipped.
          if (name === "lipo" && Math.abs(fd - g[i]!) > 1e-4) {
            const s = logp.map((x, j) => beta * (x - ref[j]!));
            if (s.some((a, j) => s.some((b, m) => j !== m && Math.abs(a - b) < 1e-5))) continue;
          }
          near(g[i]!, fd, 1e-5, `${name} completion ${i}`);
        }
      }
    }
  });

  test("NDCG: a hand-worked ranking, the ideal order is 1, all-zero gains are NaN", () => {
    // labels [1, 0.5, 0], scores rank item 1 first, then 0, then 2:
    // DCG = (√2 − 1)/1 + 1/log₂3 = 0.414214 + 0.630930 = 1.045144; ideal = 1 + 0.414214/log₂3 = 1.261340.
    near(ndcg([0.2, 0.5, -0.1], [1, 0.5, 0]), 1.045144 / 1.26134, 1e-5, "ndcg");
    assert.equal(ndcg([3, 2, 1], [1, 0.5, 0]), 1);
    near(ndcg([3, 2, 1], [0, 0, 1], 2), 0, 1e-12, "the only gain below k");
    assert.ok(Number.isNaN(ndcg([1, 2], [0, 0])));
    assert.throws(() => ndcg([1], [1, 2]), /1 scores and 2 labels/);
    assert.throws(() => ndcg([1, NaN], [1, 2]), /item 1/);
  });
});

describe("preference runs on a token policy", () => {
  const data = rl.preferences.lists([
    { prompt: "1+1=", completions: ["2", "3", "22"], scores: [1, 0, 0.5] },
    { prompt: "2+2=", completions: ["4", "5"], scores: [1, 0] },
    { prompt: "3+3=", completions: ["6", "9", "7"], scores: [1, 0, 0] },
    { prompt: "4+4=", completions: ["8", "1"], scores: [1, 0] },
  ]);

  test("sequence log-probabilities: the sum of the completion's token log-probs and its end token", () => {
    const policy = tiny(3);
    const seqs = [
      { prompt: tok.encode("1+1="), tokens: tok.encode("2", { eos: true }) },
      { prompt: tok.encode("12+3="), tokens: tok.encode("15", { eos: true }) },
    ];
    const f = completionLogits(policy, seqs, tok.pad);
    const lp = sequenceLogProbs(f.logits, f.rows, f.targets, seqs, policy.vocabSize);
    seqs.forEach((s, k) => {
      const all = Int32Array.from([...s.prompt, ...s.tokens]);
      const logits = policy.forward(all, 1, all.length);
      const per = tokenLogProbs(logits, all, 1, all.length, policy.vocabSize).logp;
      let sum = 0;
      for (let t = s.prompt.length - 1; t < all.length - 1; t++) sum += per[t]!;
      near(lp[k]!, sum, 1e-9, `sequence ${k}`);
    });
  });

  test("a step's loss is the data's loss, and its update lowers it (DPO and LiPO)", () => {
    for (const loss of [rl.pref.dpo({ beta: 0.5, pairs: "all" }), rl.pref.lipo({ beta: 0.5 })]) {
      const policy = tiny(5);
      const reference = tiny(6);
      const run = rl.seq.preference(data, { policy, tokenizer: tok, loss, reference, batch: 4, maxGradNorm: null, lr: 1e-3 });
      // The loss of the whole data at the current params, as the step computes it.
      const lossAt = () => {
        const s = run.implicitRewards();
        const term = loss.kind === "dpo" ? (l: number[], sc: number[]) => dpoListLoss(l, new Array(l.length).fill(0), sc, 1, "sigmoid", "all").loss : (l: number[], sc: number[]) => lipoListLoss(l, new Array(l.length).fill(0), sc, 1).loss;
        return data.lists().reduce((sum, l, i) => sum + term([...s[i]!], [...l.scores]), 0) / data.length;
      };
      const before = Float32Array.from(policy.params);
      const l0 = lossAt();
      run.trainStep();
      // Recover the gradient from Adam's first step: θ₁ = θ₀ − lr · g/|g| elementwise (m̂/√v̂ = sign g), so check signs and the loss's directional slope.
      const moved = policy.params.map((p, i) => p - before[i]!);
      policy.params.set(before);
      const row = run.metricsLog.last()!;
      near(row.loss!, l0, 1e-9, `${loss.kind}: the step's loss is the data's loss`);
      // The directional derivative along the update (−lr·sign g) is −lr·Σ|g| < 0: the loss goes down along it.
      const e = 1e-3;
      policy.params.set(before.map((p, i) => p + (e / 1e-3) * moved[i]!));
      const down = lossAt();
      policy.params.set(before.map((p, i) => p - (e / 1e-3) * moved[i]!));
      const up = lossAt();
      policy.params.set(before);
      assert.ok(down < l0 && l0 < up, `${loss.kind}: along the update the loss falls (${up} > ${l0} > ${down})`);
    }
  });

  test("the gradient of the summed log-probs matches finite differences on single parameters", () => {
    const policy = tiny(8);
    const run = rl.seq.preference(data, { policy, tokenizer: tok, loss: rl.pref.lipo({ beta: 1 }), reference: tiny(9), batch: 4, maxGradNorm: null, lr: 1e-3 });
    const lossAt = () => {
      const s = run.implicitRewards();
      return data.lists().reduce((sum, l, i) => sum + lipoListLoss([...s[i]!], new Array(l.scores.length).fill(0), [...l.scores], 1).loss, 0) / data.length;
    };
    // A step computes the gradient into policy.grads before Adam moves the params; keep the grads, undo the move.
    const before = Float32Array.from(policy.params);
    run.trainStep();
    const grads = Float64Array.from(policy.grads);
    policy.params.set(before);
    const rng = Rng.fromSeed(2);
    let checked = 0;
    for (let n = 0; n < 12; n++) {
      const i = rng.int(policy.params.length);
      if (Math.abs(grads[i]!) < 1e-4) continue;
      const e = 1e-4;
      policy.params[i] = before[i]! + e;
      const up = lossAt();
      policy.params[i] = before[i]! - e;
      const down = lossAt();
      policy.params[i] = before[i]!;
      near(grads[i]!, (up - down) / (2 * e), 2e-3, `param ${i}`);
      checked++;
    }
    assert.ok(checked >= 4, `checked ${checked} parameters`);
  });

  test("training learns the preferences: pair accuracy and NDCG on the data rise to the top", async () => {
    // DPO on every ordered pair (best-worst leaves the middle of a list of three untrained).
    for (const loss of [rl.pref.dpo({ beta: 0.5, pairs: "all" }), rl.pref.dpo({ beta: 0.5, type: "ipo", pairs: "all" }), rl.pref.dpo({ beta: 0.5, type: "hinge", pairs: "all" }), rl.pref.lipo({ beta: 0.5 })]) {
      const run = rl.seq.preference(data, { policy: tiny(1), tokenizer: tok, loss, batch: 4, lr: 3e-3 });
      const before = run.evaluate();
      assert.equal(before.pairAccuracy, 0, "π = π_ref: every implicit reward is 0");
      await run.train({ steps: 60, display: quiet });
      const after = run.evaluate();
      assert.ok(after.pairAccuracy >= 0.9, `${loss.kind}/${JSON.stringify(loss.config)}: pair accuracy ${after.pairAccuracy}`);
      assert.ok(after.ndcg > before.ndcg, `${loss.kind}: NDCG ${before.ndcg} → ${after.ndcg}`);
      assert.equal(run.metricsLog.length, 60);
      assert.equal(run.metricsLog.last()!.epoch, 60);
    }
  });

  test("the same seed gives the same numbers; another seed another order", async () => {
    const make = (seed: number) => rl.seq.preference(data, { policy: tiny(1), tokenizer: tok, batch: 2, seed });
    const a = make(4);
    const b = make(4);
    const c = make(5);
    for (const r of [a, b, c]) await r.train({ steps: 6, display: quiet });
    assert.deepEqual(a.policy.params, b.policy.params);
    assert.deepEqual(a.metricsLog.column("loss"), b.metricsLog.column("loss"));
    assert.notDeepEqual(a.metricsLog.column("loss"), c.metricsLog.column("loss"));
  });

  test("bad options are problems naming their path; data that does not fit the policy is named", () => {
    const problems = (o: object) => {
      try {
        rl.seq.preference(data, { policy: tiny(1), tokenizer: tok, ...o } as never);
      } catch (e) {
        assert.ok(e instanceof RunConfigError, String(e));
        return e.problems.map((p) => `${p.path} ${p.code}`);
      }
      return [];
    };
    assert.deepEqual(problems({ lr: -1 }), ["lr out-of-range"]);
    assert.deepEqual(problems({ batch: 1.5 }), ["batch out-of-range"]);
    assert.deepEqual(problems({ loss: rl.pref.dpo({ beta: 0 }) }), ["loss.beta out-of-range"]);
    assert.deepEqual(problems({ loss: rl.loss.entropy() }), ["loss wrong-type"]);
    assert.deepEqual(problems({ policy: {} }), ["policy wrong-type"]);
    assert.deepEqual(problems({ reference: rl.seq.policy("transformer", { vocabSize: tok.vocabSize, layers: 1, dModel: 8, heads: 2, mlpHidden: 16, context: 8 }, { seed: 1 }) }), ["reference incompatible"]);
    const long = rl.preferences.pairs([{ prompt: "1+1=", chosen: "2222222", rejected: "3" }]);
    assert.throws(() => rl.seq.preference(long, { policy: tiny(1), tokenizer: tok }), /row 0, completion 0: 12 tokens, more than the policy's context of 8/);
    const run = rl.seq.preference(data, { policy: tiny(1), tokenizer: tok });
    assert.rejects(run.train({}), /needs a budget/);
  });
});

describe("preference lists from a task's samples", () => {
  test("scores are the verifier's rewards or a given score; lists of equal scores are dropped unless kept", () => {
    const policy = tiny(2);
    const task = rl.tasks.addition;
    const graded = rl.preferences.fromTask(policy, tok, task, { level: 1, prompts: 20, completions: 3, maxNewTokens: 4, seed: 1, score: (c) => c.length, keepTies: true });
    assert.equal(graded.length, 20);
    for (const l of graded.lists()) {
      assert.equal(l.completions.length, 3);
      assert.deepEqual(l.scores, l.completions.map((c) => c.length));
      assert.match(l.prompt, /^\d\+\d=$/);
    }
    const again = rl.preferences.fromTask(policy, tok, task, { level: 1, prompts: 20, completions: 3, maxNewTokens: 4, seed: 1, score: (c) => c.length, keepTies: true });
    assert.deepEqual(again.lists(), graded.lists());
    const dropped = rl.preferences.fromTask(policy, tok, task, { level: 1, prompts: 20, completions: 3, maxNewTokens: 4, seed: 1, score: (c) => c.length });
    assert.deepEqual(dropped.lists(), graded.lists().filter((l) => l.scores.some((s) => s !== l.scores[0])));
    // Given problems are completed in order.
    const items = Array.from({ length: 6 }, (_, i) => task.generate(Rng.fromSeed(100 + i), 1));
    const mine = rl.preferences.fromTask(policy, tok, task, { items, completions: 2, maxNewTokens: 4, seed: 1, score: (c) => c.length, keepTies: true });
    assert.deepEqual(mine.lists().map((l) => l.prompt), items.map((x) => x.prompt));
    assert.throws(() => rl.preferences.fromTask(policy, tok, task, { items: [], completions: 2, maxNewTokens: 4 }), /items must be a non-empty array of task items/);
    assert.throws(() => rl.preferences.fromTask(policy, tok, task, { completions: 2, maxNewTokens: 4 }), /prompts must be a positive integer \(or give items\)/);
    // An untrained policy never solves addition: every verifier score is 0.
    assert.throws(() => rl.preferences.fromTask(policy, tok, task, { level: 1, prompts: 5, completions: 2, maxNewTokens: 4 }), /every one of the 5 lists has equal scores/);
    assert.throws(() => rl.preferences.fromTask(policy, tok, task, { level: 1, prompts: 5, completions: 2, maxNewTokens: 4, score: () => NaN }), /returned NaN, expected a finite number/);
    assert.throws(() => rl.preferences.fromTask(policy, tok, task, { level: 1, prompts: 5, completions: 1, maxNewTokens: 4 }), /completions must be an integer ≥ 2/);
    assert.throws(() => rl.preferences.fromTask(policy, tok, task, { level: 99, prompts: 5, completions: 2, maxNewTokens: 4 }), /level 99 is not one of/);
  });
});

describe("preference run checkpoints", () => {
  const data = rl.preferences.lists([
    { prompt: "1+1=", completions: ["2", "3", "22"], scores: [1, 0, 0.5] },
    { prompt: "2+2=", completions: ["4", "5"], scores: [1, 0] },
    { prompt: "3+3=", completions: ["6", "9", "7"], scores: [1, 0, 0] },
  ]);

  test("save mid-run, load, continue: the same numbers as an uninterrupted run, for every preference loss", async () => {
    const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "trellis-pref-ckpt-"));
    try {
      for (const loss of [rl.pref.dpo({ beta: 0.3, type: "ipo", pairs: "all" }), rl.pref.lipo({ beta: 0.2 })]) {
        const make = () => rl.seq.preference(data, { policy: tiny(2), reference: tiny(3), tokenizer: tok, loss, batch: 2, lr: 2e-3, seed: 7, id: "ckpt" });
        const whole = make();
        await whole.train({ steps: 5, display: quiet });
        const first = make();
        await first.train({ steps: 2, display: quiet });
        await first.save(join(dir, loss.kind));
        const loaded = await rl.seq.loadPreference(join(dir, loss.kind));
        assert.deepEqual(loaded.loss, loss);
        await loaded.train({ steps: 3, display: quiet });
        assert.deepEqual(loaded.policy.params, whole.policy.params, loss.kind);
        assert.deepEqual(loaded.reference.params, whole.reference.params);
        for (const name of ["loss", "accuracy", "margin", "epoch"]) assert.deepEqual(loaded.metricsLog.column(name), whole.metricsLog.column(name), `${loss.kind} ${name}`);
        assert.deepEqual(loaded.data.lists(), data.lists());
      }
      await writeFile(join(dir, "dpo", "run.json"), JSON.stringify({ format: "trellis.preference-run", version: 2 }));
      await assert.rejects(rl.seq.loadPreference(join(dir, "dpo")), /expected format "trellis.preference-run" version 1/);
      await assert.rejects(rl.seq.loadPreference(join(dir, "nothing")), /not a preference run checkpoint/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
