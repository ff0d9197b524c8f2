import assert from "node:assert/strict";
import { after, test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { rl } from "../../lib/rl.js";
import type { ActorCritic } from "../../lib/policy/actor-critic.js";
import { HostedNetwork, hostedMlp } from "../../lib/nn/hosted-network.js";
import { makeMlp } from "../../lib/nn/mlp.js";
import { wrapLayersModel } from "../../lib/nn/tfjs-network.js";
import { Rng } from "../../lib/random/rng.js";
import { initBackend } from "../../native/index.js";
import { TfjsHost } from "../../native/tfjs-host/host.js";

const host = new TfjsHost({ backend: "wasm" });
after(() => host.close());

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test("hostedMlp: makeMlp's initial params from the same draws; outputs, parameter and input gradients equal the fused kernels'", () => {
  for (const activation of ["tanh", "relu"] as const) {
    const sizes = [5, 32, 16, 3];
    const hosted = hostedMlp(sizes, { rng: Rng.fromSeed(2), activation, lastGain: 0.5, host });
    const kernels = makeMlp(sizes, { rng: Rng.fromSeed(2), activation, lastGain: 0.5 });
    assert.deepEqual(hosted.params, kernels.params);
    assert.equal(hosted.inputSize, 5);
    assert.equal(hosted.outputSize, 3);
    const rng = Rng.fromSeed(3);
    const batch = 17;
    const x = rng.fillUniform(new Float32Array(batch * 5), -2, 2) as Float32Array;
    const dOut = rng.fillUniform(new Float32Array(batch * 3), -1, 1) as Float32Array;
    close(hosted.predict(x, batch), kernels.predict(x, batch), 1e-4, `${activation} predict`);
    close(hosted.forward(x, batch), kernels.forward(x, batch), 1e-4, `${activation} forward`);
    const dxH = new Float32Array(batch * 5), dxK = new Float32Array(batch * 5);
    hosted.backward(dOut, dxH);
    kernels.backward(dOut, dxK);
    close(hosted.grads, kernels.grads, 1e-3, `${activation} grads`);
    close(dxH, dxK, 1e-3, `${activation} dInput`);
    // an optimizer's in-place change reaches the worker through paramsChanged
    hosted.params.fill(0);
    hosted.paramsChanged();
    assert.ok(hosted.predict(x, 1).every((v) => v === 0));
    const copy = hosted.clone();
    assert.notEqual(copy.params.buffer, hosted.params.buffer);
    hosted.dispose();
    copy.dispose();
    assert.throws(() => hosted.predict(x, 1), /disposed/);
  }
});

test("HostedNetwork: a tfjs model's JSON and weights give the in-process TfjsNetwork's outputs; bad inputs are errors", async () => {
  await initBackend({ backend: "cpu" });
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, activation: "relu", inputShape: [3] }), tf.layers.dense({ units: 2 })] });
  const local = wrapLayersModel(model);
  const hosted = new HostedNetwork(local.spec, local.params, host);
  const x = Float32Array.of(0.5, -1, 2, 1, 1, 1);
  close(hosted.predict(x, 2), local.predict(x, 2), 1e-5, "predict");
  assert.throws(() => hosted.predict(x, 3), /needs batch × 3 = 9 floats, got 6/);
  assert.throws(() => hosted.backward(new Float32Array(2)), /backward needs a forward first/);
  assert.throws(() => new HostedNetwork(local.spec, new Float32Array(5), host), /the model has \d+ trainable parameters, the shared params hold 5/);
  hosted.dispose();
  local.dispose();
});

test("HostedNetwork.fromModel: the model rebuilt in the worker with its own initial weights, read back into params", async () => {
  await initBackend({ backend: "cpu" });
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 6, activation: "tanh", inputShape: [3] }), tf.layers.dense({ units: 2 })] });
  const hosted = HostedNetwork.fromModel(model, host);
  assert.equal(hosted.params.length, 3 * 6 + 6 + 6 * 2 + 2);
  assert.ok(hosted.params.subarray(0, 18).some((v) => v !== 0), "the kernel's glorot weights came back");
  // the same weights in an in-process copy give the same outputs
  const local = wrapLayersModel(model);
  local.params.set(hosted.params);
  local.paramsChanged();
  const x = Float32Array.of(0.1, -0.4, 2, 1, 0, -1);
  close(hosted.predict(x, 2), local.predict(x, 2), 1e-5, "predict");
  hosted.dispose();
  local.dispose();
});

test("rl.mlp engine \"tfjs\": PPO trains with hosted actor and critic, the same numbers on a rerun; off-policy methods refuse it", async () => {
  const train = async () => {
    const run = rl.env("CartPole-v1", { n: 4, seed: 3 }).policy(rl.mlp([16], { engine: "tfjs" })).algo(rl.ppo({ numSteps: 32 })).build();
    const { actor, critic } = (run.algo as unknown as { policy: ActorCritic }).policy;
    assert.ok(actor instanceof HostedNetwork && critic instanceof HostedNetwork);
    const initial = Array.from(actor.params);
    await run.train({ steps: 256 });
    const params = Array.from(actor.params);
    assert.notDeepEqual(params, initial, "training changed nothing");
    run.dispose();
    return params;
  };
  const a = await train();
  assert.deepEqual(await train(), a);
  assert.throws(() => rl.env("CartPole-v1", { n: 2 }).policy(rl.mlp([16], { engine: "tfjs" })).algo(rl.dqn()).build(), /policy\.engine: DQN runs its Q-network on the fused kernels/);
  assert.throws(() => rl.env("CartPole-v1", { n: 2 }).policy(rl.mlp([16], { engine: "gpu" as never })).algo(rl.ppo()).build(), /policy\.engine: expected "kernels" or "tfjs", got "gpu"/);
});
