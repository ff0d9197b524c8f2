import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rl } from "../../../lib/rl.js";
import { Transformer } from "../../../lib/seq/policies/index.js";
import { Rng } from "../../../lib/random/rng.js";
import type { RewardFunction } from "../../../lib/seq/tasks/rewards.js";

const tok = rl.tokenizer.char("0123456789+=");
const quiet = { progress() {} };
const tiny = () => Transformer.create({ vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 10 }, { rng: Rng.fromSeed(4) });
const verdict = (ok: boolean) => ({ reward: ok ? 1 : 0, components: {}, verdict: { correct: ok, format: true, reward: ok ? 1 : 0 } });
/** Correct when the completion starts with "1" (rare for a random policy: a learning signal). */
const startsWithOne: RewardFunction = (text) => verdict(text.startsWith("1"));
/** Correct unless the completion starts with "1": the reference solves most prompts, so the rehearsal set is large. */
const notOne: RewardFunction = (text) => verdict(!text.startsWith("1"));
const build = (div: ReturnType<typeof rl.div.forwardKl>, reward: RewardFunction, seed = 0) =>
  rl.seq(rl.tasks.addition, { level: 1, policy: tiny(), tokenizer: tok, seed, reward }).algo(rl.grpo({ prompts: 8, groupSize: 4, maxNewTokens: 3, lr: 3e-2 }).divergence(div)).eval({ problems: 20 }).build();
const column = (r: { metricsLog: { column(n: string): Float64Array } }, name: string) => [...r.metricsLog.column(name)];

test("DPH-RL rehearsal: the reference's correct samples of the prompts it solves are stored before the first update and replayed every minibatch", async () => {
  const r = build(rl.div.forwardKl({ prompts: 12, samples: 4, solved: 2, batch: 6 }), notOne);
  await r.train({ steps: 4, display: quiet });
  const store = r.learner.rehearsal!;
  assert.ok(store.prompts > 0 && store.prompts <= 12);
  assert.ok(store.size >= 2 * store.prompts && store.size <= 4 * store.prompts);
  for (const s of store.samples) {
    assert.equal(s.refLogp.length, s.tokens.length);
    assert.ok(!tok.decode(s.tokens).startsWith("1"), "only correct samples are stored");
  }
  const div = column(r, "divergence");
  // at the first update the policy is the reference: u = 1 up to float rounding, so D ≈ 0
  assert.ok(Math.abs(div[0]!) < 1e-5, String(div[0]));
  assert.ok(div.at(-1)! > 0 && Number.isFinite(div.at(-1)!));
  assert.deepEqual(column(r, "rehearsalPrompts"), new Array(4).fill(store.prompts));
});

test("the divergence holds the policy near the reference: a larger coefficient ends with a smaller forward KL on the stored samples", async () => {
  const end = async (coef: number) => {
    const r = build(rl.div.forwardKl({ coef, prompts: 16, samples: 4, solved: 1, batch: 16 }), startsWithOne, 2);
    await r.train({ steps: 12, display: quiet });
    return column(r, "divergence").at(-1)!;
  };
  const free = await end(0);
  const held = await end(5);
  assert.ok(held < free * 0.8, `coef 5: ${held}, coef 0: ${free}`);
});

test("a run with a rehearsal store resumes bit for bit (the store is part of the checkpoint)", async () => {
  const spec = () => rl.div.js({ prompts: 8, samples: 4, solved: 2, batch: 4 });
  const whole = build(spec(), notOne, 5);
  await whole.train({ steps: 4, display: quiet });
  const first = build(spec(), notOne, 5);
  await first.train({ steps: 2, display: quiet });
  const dir = await mkdtemp(join(tmpdir(), "trellis-rehearsal-"));
  try {
    await first.save(dir);
    const loaded = await rl.seq.load(dir, { task: rl.tasks.addition, reward: notOne });
    assert.equal(loaded.learner.rehearsal!.size, first.learner.rehearsal!.size);
    await loaded.train({ steps: 2, display: quiet });
    assert.deepEqual(loaded.policy.params, whole.policy.params);
    assert.deepEqual(column(loaded, "divergence"), column(whole, "divergence"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("rehearsal divergences are checked: solved ≤ samples, and env runs refuse them", () => {
  assert.throws(() => build(rl.div.js({ samples: 2, solved: 3 }), notOne), /algo\.divergence\.solved/);
  assert.throws(() => rl.env("CartPole-v1", { seed: 0 }).algo(rl.ppo().divergence(rl.div.forwardKl())).build(), /stored samples of the reference/);
});
