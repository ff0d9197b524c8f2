import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { rl } from "../../lib/index.js";

test("a shared actor-critic network trains PPO", async () => {
  // Slower than separate networks on CartPole (value gradients dominate the shared trunk) but it learns.
  const run = rl.env("CartPole-v1", { n: 4, seed: 2 }).policy(rl.mlp([64, 64], { shared: true })).algo(rl.ppo()).build();
  await run.train({ steps: 60_000 });
  const meanReturn = run.metricsLog.last()!.meanReturn!;
  assert.ok(meanReturn > 38, `shared network learns (mean return ${meanReturn}; random play ≈ 22)`);
});

test("a Gaussian policy trains on a continuous env and its log σ is learned", async () => {
  const run = rl.env("Pendulum-v1", { n: 4, seed: 1 }).algo(rl.ppo({ numSteps: 64 })).build();
  await run.train({ steps: 4096 });
  const t = run.metrics;
  assert.equal(t.numRows, 16);
  const entropy = Array.from(t.getChild("entropy")!.toArray() as Float64Array);
  assert.ok(entropy.every(Number.isFinite));
  assert.notEqual(entropy[0], entropy.at(-1), "the entropy (a function of log σ only) changes as log σ is trained");
});

test("any tfjs LayersModel can be the actor; each run trains its own copy", async () => {
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 16, activation: "tanh" }), tf.layers.dense({ units: 2 })],
  });
  const builder = rl.env("CartPole-v1", { n: 4, seed: 3 }).policy(rl.model(model, { critic: [16] })).algo(rl.ppo({ numSteps: 32 }));
  const run = builder.build();
  const sibling = builder.build();
  const userWeights = model.getWeights().map((w) => Array.from(w.dataSync()));
  const actor = (r: typeof run) => (r.algo as unknown as { policy: { actor: { params: Float32Array } } }).policy.actor.params;
  assert.deepEqual(Array.from(actor(run)), userWeights.flat(), "the copy starts from the model's weights");
  await run.train({ steps: 512 });
  assert.notDeepEqual(Array.from(actor(run)), userWeights.flat(), "the run's copy was trained");
  assert.deepEqual(Array.from(actor(sibling)), userWeights.flat(), "a sibling run is untouched");
  assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), userWeights, "the user's model is untouched");
  const ev = await run.evaluate({ episodes: 2 });
  assert.equal(ev.returns.length, 2);
});

test("a model with the wrong input or output size is rejected with both shapes", () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 })] });
  assert.throws(() => rl.env("CartPole-v1").policy(rl.model(model)).algo(rl.ppo()).build(), /maps 3 → 2 values, but this env needs 4 observations → 2 logits/);
});

test("a shared network's value column gets the critic's init gain (1.0), the logits the actor's (0.01)", async () => {
  const { ActorCritic } = await import("../../lib/policy/actor-critic.js");
  const { discrete } = await import("../../lib/envs/space.js");
  const { Rng } = await import("../../lib/random/rng.js");
  const ac = new ActorCritic(rl.mlp([8, 8], { shared: true }), 4, discrete(2), Rng.fromSeed(1));
  const p = ac.actor.params;
  const out = 3;
  const w = p.length - (8 * out + out);
  const norm = (c: number) => Math.hypot(...Array.from({ length: 8 }, (_, r) => p[w + r * out + c]!));
  assert.ok(Math.abs(norm(0) - 0.01) < 1e-6 && Math.abs(norm(1) - 0.01) < 1e-6, `logit columns ${norm(0)}, ${norm(1)}`);
  assert.ok(Math.abs(norm(2) - 1) < 1e-5, `value column ${norm(2)}`);
});
