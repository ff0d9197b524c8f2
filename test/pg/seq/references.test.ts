import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../../lib/rl.js";
import { Transformer } from "../../../lib/seq/policies/index.js";
import { Rng } from "../../../lib/random/rng.js";

const tok = rl.tokenizer.char("0123456789+=");
const config = { vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 8 };
const policy = (seed: number) => Transformer.create(config, { rng: Rng.fromSeed(seed) });
const build = (ref: ReturnType<typeof rl.ref.initial>, p = policy(1)) =>
  rl.seq(rl.tasks.addition, { level: 1, policy: p, tokenizer: tok, seed: 0 }).algo(rl.grpo({ prompts: 2, groupSize: 2, maxNewTokens: 2 }).divergence(rl.div.kl()).reference(ref)).eval({ problems: 10 }).build();

test("rl.ref.run(x) on a sequence run: the reference is another run's or policy's parameters, frozen (MPO's stage-2 reference)", async () => {
  const stage1 = build(rl.ref.initial(), policy(2));
  await stage1.train({ steps: 2, display: { progress() {} } });
  const r = build(rl.ref.run(stage1));
  assert.deepEqual(r.learner.reference!.copy.params, stage1.policy.params);
  assert.notDeepEqual(r.learner.reference!.copy.params, r.policy.params);
  const fromPolicy = build(rl.ref.run(policy(3)));
  assert.deepEqual(fromPolicy.learner.reference!.copy.params, policy(3).params);
});

test("rl.ref.soup([a, b]): the reference is the (weighted) average of the parameters (SALSA)", () => {
  const a = policy(2), b = policy(3);
  const r = build(rl.ref.soup([a, b]));
  const ref = r.learner.reference!.copy.params;
  for (const i of [0, 17, ref.length - 1]) assert.ok(Math.abs(ref[i]! - (a.params[i]! + b.params[i]!) / 2) < 1e-7);
  const w = build(rl.ref.soup([a, b], { weights: [0.25, 0.75] })).learner.reference!.copy.params;
  assert.ok(Math.abs(w[5]! - (0.25 * a.params[5]! + 0.75 * b.params[5]!)) < 1e-7);
  assert.throws(() => build(rl.ref.soup([a, Transformer.create({ ...config, dModel: 8 }, { rng: Rng.fromSeed(1) })])), /one architecture/);
  assert.throws(() => build(rl.ref.soup([a, b], { weights: [0.5, 0.6] })), /sum to 1/);
  assert.throws(() => rl.ref.soup([]), /non-empty list/);
  assert.throws(() => build(rl.ref.run(Transformer.create({ ...config, dModel: 8 }, { rng: Rng.fromSeed(1) }))), /architectures differ/);
});
