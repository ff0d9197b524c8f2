// SePPO on token policies: the pair loss on card 9's worked example (and the
// always-loser ablation), the component, and runs that keep reference
// checkpoints, draw among them, repeat with a seed and learn the winners.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl } from "../../lib/rl.js";
import { RunConfigError } from "../../lib/run/builder.js";
import { seppoPairLoss } from "../../lib/pg/preference/seppo.js";
import { createComponent } from "../../lib/pg/component.js";
import type { PreferenceTerm } from "../../lib/pg/preference/term.js";
import { completionLogits } from "../../lib/pg/seq/completion-logits.js";
import { sequenceLogProbs } from "../../lib/seq/preference-run.js";
import { Rng } from "../../lib/random/rng.js";
import { tiny, tok, quiet } from "../helpers/tiny-sequence-run.js";
import type { TokenPolicy } from "../../lib/seq/policies/token-policy.js";

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe("SePPO's pair loss (card 9, β T ω folded to 10)", () => {
  test("the anchor decides: a loser when the policy fits the winner better, else a second positive", () => {
    // Δ_w = −(log π(w) − log π_ref(w)) = −0.10, Δ_l = +0.05 → s = +1, ℓ = log(1 + e^{−1.5}) = 0.201413.
    const a = seppoPairLoss(-1.9, -2.0, -3.05, -3.0, 10, "adaptive");
    assert.equal(a.sign, 1);
    near(a.loss, 0.201413, 1e-6, "loser");
    // Δ_w = +0.10 → s = −1, ℓ = log(1 + e^{1.5}) = 1.701413.
    const b = seppoPairLoss(-2.1, -2.0, -3.05, -3.0, 10, "adaptive");
    assert.equal(b.sign, -1);
    near(b.loss, 1.701413, 1e-6, "flipped");
    // SPIN's rule keeps s = +1: ℓ = log(1 + e^{−10 (0.10 − 0.05)·(−1)}) = log(1 + e^{0.5}) = 0.974077.
    near(seppoPairLoss(-2.1, -2.0, -3.05, -3.0, 10, "always-loser").loss, 0.974077, 1e-6, "always loser");
  });

  test("the slopes match finite differences (the sign held)", () => {
    const rng = Rng.fromSeed(3);
    for (let n = 0; n < 40; n++) {
      const x = [rng.uniform(-5, -1), rng.uniform(-5, -1), rng.uniform(-5, -1), rng.uniform(-5, -1)] as const;
      const flip = n % 2 ? "adaptive" : "always-loser";
      if (Math.abs(x[0] - x[1]) < 1e-3) continue;
      const r = seppoPairLoss(x[0], x[1], x[2], x[3], 2, flip);
      const e = 1e-6;
      near(r.dWinner, (seppoPairLoss(x[0] + e, x[1], x[2], x[3], 2, flip).loss - seppoPairLoss(x[0] - e, x[1], x[2], x[3], 2, flip).loss) / (2 * e), 1e-5, `${flip} d/dlogπ(w)`);
      near(r.dSample, (seppoPairLoss(x[0], x[1], x[2] + e, x[3], 2, flip).loss - seppoPairLoss(x[0], x[1], x[2] - e, x[3], 2, flip).loss) / (2 * e), 1e-5, `${flip} d/dlogπ(l)`);
    }
  });

  test("the component takes a winner and a sample", () => {
    const term = createComponent<PreferenceTerm, undefined>(rl.pref.seppo({ beta: 10 }), undefined);
    const r = term.list(Float64Array.from([-1.9, -3.05]), Float64Array.from([-2.0, -3.0]), [1, 0]);
    near(r.loss, 0.201413, 1e-6, "loss");
    assert.throws(() => term.list(new Float64Array(3), new Float64Array(3), [1, 0, 0]), /a winner and a reference sample \(2 completions\), got 3/);
  });
});

describe("SePPO runs", () => {
  const task = rl.tasks.addition;
  const make = (seed: number, extra: object = {}) => rl.seq.seppo(task, { policy: tiny(1), tokenizer: tok, level: 1, batch: 8, maxNewTokens: 3, lr: 3e-3, seed, every: 2, keep: 3, ...extra });

  test("checkpoints every `every` steps, the newest `keep` kept; references drawn among them (or the latest)", async () => {
    const run = make(1);
    await run.train({ steps: 9, display: quiet });
    assert.equal(run.checkpoints, 3);
    assert.deepEqual(Array.from(run.metricsLog.column("checkpoints"), Number), [1, 2, 2, 3, 3, 3, 3, 3, 3]);
    const ages = Array.from(run.metricsLog.column("referenceAge"), Number);
    ages.forEach((a, i) => assert.ok(a >= 0 && a < Math.min(3, 1 + Math.floor(i / 2)), `step ${i + 1}: age ${a}`));
    assert.ok(ages.some((a) => a > 0), "older checkpoints are drawn too");
    const latest = make(1, { reference: "latest" });
    await latest.train({ steps: 6, display: quiet });
    assert.ok(Array.from(latest.metricsLog.column("referenceAge"), Number).every((a) => a === 0));
  });

  test("the same seed repeats; training raises the winners' likelihood", async () => {
    const a = make(4);
    const b = make(4);
    await a.train({ steps: 5, display: quiet });
    await b.train({ steps: 5, display: quiet });
    assert.deepEqual(a.policy.params, b.policy.params);
    const items = Array.from({ length: 30 }, (_, i) => task.generate(Rng.fromSeed(500 + i), 1));
    const seqs = items.map((it) => ({ prompt: tok.encode(it.prompt), tokens: tok.encode(it.solution, { eos: true }) }));
    const meanLogp = (p: TokenPolicy) => {
      const f = completionLogits(p, seqs, tok.pad);
      return sequenceLogProbs(f.logits, f.rows, f.targets, seqs, p.vocabSize).reduce((s, x) => s + x, 0) / seqs.length;
    };
    const run = make(5);
    const before = meanLogp(run.policy);
    await run.train({ steps: 40, display: quiet });
    const after = meanLogp(run.policy);
    assert.ok(after > before + 1, `mean log π(solution) ${before} → ${after}`);
    assert.ok(run.metricsLog.last()!.winnerGain! > 0, "the policy fits the winners better than its drawn reference");
  });

  test("bad options are problems naming their path", () => {
    const codes = (o: object) => {
      try {
        rl.seq.seppo(task, { policy: tiny(1), tokenizer: tok, maxNewTokens: 3, ...o } as never);
      } catch (e) {
        assert.ok(e instanceof RunConfigError, String(e));
        return e.problems.map((p) => `${p.path} ${p.code}`);
      }
      return [];
    };
    assert.deepEqual(codes({ loss: rl.pref.dpo() }), ["loss unsupported"]);
    assert.deepEqual(codes({ maxNewTokens: undefined }), ["maxNewTokens out-of-range"]);
    assert.deepEqual(codes({ every: 0, reference: "oldest" }), ["every out-of-range", "reference not-one-of"]);
    assert.deepEqual(codes({ level: 99 }), ["level not-one-of"]);
  });
});
