// The reward model: Bradley–Terry on a hand-worked pair, the scalar head read
// where the docs say, the gradient through the backbone by finite
// differences, training that learns a preference, its use as a sequence
// run's reward, and the inverse of decode it scores sampled text with.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl } from "../../lib/rl.js";
import { bradleyTerryLoss } from "../../lib/seq/reward-model.js";
import { encodeDecoded } from "../../lib/seq/tokenizers/decoded-text.js";
import { Rng } from "../../lib/random/rng.js";
import { tiny, tok, quiet } from "../helpers/tiny-sequence-run.js";

const near = (a: number, b: number, tol = 1e-9, what = "") => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/** Completions starting with "1" are better; lists of three graded 1 / 0.5 / 0. */
function ones(prompts: number, seed: number) {
  const rng = Rng.fromSeed(seed);
  return rl.preferences.lists(
    Array.from({ length: prompts }, () => {
      const a = 1 + rng.int(9);
      const b = rng.int(10);
      return { prompt: `${a}+${b}=`, completions: [`1${b}`, `${2 + rng.int(8)}${b}`, `${2 + rng.int(8)}`], scores: [1, 0.5, 0] };
    }),
  );
}

describe("reward model", () => {
  test("Bradley–Terry: r_w = 2, r_l = −1 gives log(1 + e^{−3}) = 0.048587 and slopes ∓σ(−3)", () => {
    const r = bradleyTerryLoss(2, -1);
    near(r.loss, 0.048587, 1e-5, "loss");
    near(r.dChosen, -1 / (1 + Math.exp(3)), 1e-12, "dChosen");
    near(r.dRejected, 1 / (1 + Math.exp(3)), 1e-12, "dRejected");
    assert.throws(() => bradleyTerryLoss(NaN, 0), /finite/);
  });

  test("the reward is the head token's logit at the end token", () => {
    const backbone = tiny(3);
    const rm = rl.seq.rewardModel(backbone, tok);
    assert.equal(rm.headToken, tok.pad);
    const seq = Int32Array.from([...tok.encode("12+3="), ...tok.encode("15", { eos: true })]);
    const logits = backbone.forward(seq, 1, seq.length);
    near(rm.score("12+3=", "15"), logits[(seq.length - 1) * tok.vocabSize + tok.pad]!, 1e-12, "r");
    // Batched scores equal one by one, whatever the padding.
    const items = [{ prompt: "1+1=", completion: "2" }, { prompt: "12+3=", completion: "15" }, { prompt: "9+9=", completion: "" }];
    const batched = rm.scores(items);
    items.forEach((x, i) => near(batched[i]!, rm.score(x.prompt, x.completion), 1e-9, `item ${i}`));
  });

  test("a training step's gradient matches finite differences of the Bradley–Terry loss", async () => {
    const data = ones(3, 1);
    const rm = rl.seq.rewardModel(tiny(4), tok);
    const pairs = data.pairs({ from: "all" });
    const lossAt = () => pairs.reduce((s, p) => s + bradleyTerryLoss(rm.score(p.prompt, p.chosen), rm.score(p.prompt, p.rejected)).loss, 0) / pairs.length;
    const before = Float32Array.from(rm.backbone.params);
    await rm.train(data, { steps: 1, batch: pairs.length, maxGradNorm: null, display: quiet });
    const grads = Float64Array.from(rm.backbone.grads);
    rm.backbone.params.set(before);
    near(rm.metricsLog.last()!.loss!, lossAt(), 1e-9, "the step's loss");
    const rng = Rng.fromSeed(3);
    let checked = 0;
    for (let n = 0; n < 16 && checked < 6; n++) {
      const i = rng.int(before.length);
      if (Math.abs(grads[i]!) < 1e-4) continue;
      const e = 1e-4;
      rm.backbone.params[i] = before[i]! + e;
      const up = lossAt();
      rm.backbone.params[i] = before[i]! - e;
      const down = lossAt();
      rm.backbone.params[i] = before[i]!;
      near(grads[i]!, (up - down) / (2 * e), 2e-3, `param ${i}`);
      checked++;
    }
    assert.ok(checked >= 3, `checked ${checked}`);
  });

  test("training learns the preference; held-out pair accuracy rises from chance", async () => {
    const rm = rl.seq.rewardModel(tiny(5), tok);
    const heldOut = ones(40, 9);
    const before = rm.evaluate(heldOut);
    assert.equal(before.pairs, 120);
    await rm.train(ones(200, 2), { steps: 120, batch: 32, lr: 3e-3, display: quiet });
    const after = rm.evaluate(heldOut);
    assert.ok(after.accuracy >= 0.95 && after.accuracy > before.accuracy + 0.2, `accuracy ${before.accuracy} → ${after.accuracy}`);
    assert.equal(rm.metricsLog.length, 120);
    assert.equal(rm.step, 120);
  });

  test("as a sequence run's reward: the model's score, the task's verdict; special tokens in sampled text are scored as tokens", async () => {
    const rm = rl.seq.rewardModel(tiny(6), tok);
    const task = rl.tasks.addition;
    const item = task.generate(Rng.fromSeed(1), 1);
    const reward = rm.reward(task);
    const r = reward(item.answer, item);
    near(r.reward, rm.score(item.prompt, item.answer), 0, "reward");
    assert.equal(r.verdict.correct, true);
    assert.deepEqual(r.components, { rewardModel: r.reward });
    const odd = reward("<bos>7", item);
    assert.equal(odd.verdict.format, false);
    assert.ok(Number.isFinite(odd.reward));
    const run = rl.seq(task, { level: 1, policy: tiny(7), tokenizer: tok, seed: 0, reward, test: [item] }).algo(rl.grpo({ prompts: 2, groupSize: 4, maxNewTokens: 3 })).build();
    await run.train({ steps: 2, display: quiet });
    assert.ok(run.metricsLog.column("reward").every((x) => x !== null && Number.isFinite(x)));
  });

  test("decoded text with special tokens' names encodes back to the same ids", () => {
    const rng = Rng.fromSeed(8);
    for (let n = 0; n < 50; n++) {
      const ids = Int32Array.from({ length: rng.int(10) }, () => rng.int(tok.vocabSize));
      assert.deepEqual(encodeDecoded(tok, tok.decode(ids)), ids, tok.decode(ids));
    }
  });

  test("bad backbones, heads and training options are named", async () => {
    assert.throws(() => rl.seq.rewardModel({} as never, tok), /expected a token policy as the backbone/);
    assert.throws(() => rl.seq.rewardModel(tiny(1), rl.tokenizer.char("ab")), /vocabulary has 15 tokens, the tokenizer's 5/);
    assert.throws(() => rl.seq.rewardModel(tiny(1), tok, { headToken: 99 }), /headToken must be a token id in \[0, 15\)/);
    const rm = rl.seq.rewardModel(tiny(1), tok);
    await assert.rejects(rm.train(ones(2, 1), { steps: 0 }), /steps must be a positive integer/);
    await assert.rejects(rm.train(ones(2, 1), { steps: 1, lr: -1 }), /lr must be a number > 0/);
    await assert.rejects(rm.train(rl.preferences.lists([{ prompt: "1=", completions: ["1", "2"], scores: [0, 0] }]), { steps: 1 }), /no pair of different scores/);
    assert.throws(() => rm.score("1+1=", "1234567"), /more than the backbone's context of 8/);
  });

  test("save, load, train on: the numbers of a model that never stopped; a wrong format is refused by name", async () => {
    const { mkdtemp, rm, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "trellis-rm-"));
    try {
      const data = ones(20, 4);
      const whole = rl.seq.rewardModel(tiny(7), tok, { id: "rm" });
      await whole.train(data, { steps: 3, batch: 8, seed: 1, display: quiet });
      await whole.train(data, { steps: 3, batch: 8, seed: 2, display: quiet });
      const first = rl.seq.rewardModel(tiny(7), tok, { id: "rm" });
      await first.train(data, { steps: 3, batch: 8, seed: 1, display: quiet });
      await first.save(join(dir, "rm"));
      const loaded = await rl.seq.loadRewardModel(join(dir, "rm"));
      assert.equal(loaded.score("3+4=", "7"), first.score("3+4=", "7"));
      await loaded.train(data, { steps: 3, batch: 8, seed: 2, display: quiet });
      assert.deepEqual(loaded.backbone.params, whole.backbone.params);
      assert.deepEqual(loaded.metricsLog.column("loss"), whole.metricsLog.column("loss"));
      assert.equal(loaded.step, 6);
      await writeFile(join(dir, "rm", "model.json"), JSON.stringify({ format: "something", version: 1 }));
      await assert.rejects(rl.seq.loadRewardModel(join(dir, "rm")), /expected format "trellis.reward-model" version 1/);
      await assert.rejects(rl.seq.loadRewardModel(join(dir, "none")), /not a reward model checkpoint/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
