import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { makeMlp } from "../../lib/nn/mlp.js";
import { wrapLayersModel } from "../../lib/nn/tfjs-network.js";
import { Rng } from "../../lib/random/rng.js";
import { initBackend } from "../../native/index.js";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

function denseModel(sizes: number[], activation: "tanh" | "relu"): tf.Sequential {
  return tf.sequential({
    layers: sizes.slice(1).map((units, i) =>
      tf.layers.dense({ units, activation: i === sizes.length - 2 ? "linear" : activation, ...(i === 0 ? { inputShape: [sizes[0]!] } : {}) }),
    ),
  });
}

for (const backend of ["cpu", "wasm"] as const) {
  test(`on ${backend}: a wrapped Dense model gives the MLP engine's outputs and gradients for the same weights`, async () => {
    await initBackend({ backend });
    const rng = Rng.fromSeed(21);
    for (const activation of ["tanh", "relu"] as const) {
      const sizes = [4, 64, 64, 2];
      const net = wrapLayersModel(denseModel(sizes, activation));
      const mlp = makeMlp(sizes, { rng, activation, init: "torch-default" });
      assert.equal(net.params.length, mlp.params.length);
      net.params.set(mlp.params);
      net.paramsChanged();
      const batch = 33;
      const x = rng.fillUniform(new Float32Array(batch * 4), -2, 2) as Float32Array;
      const dOut = rng.fillUniform(new Float32Array(batch * 2), -1, 1) as Float32Array;
      close(net.predict(x, batch), mlp.predict(x, batch), 1e-5, `${activation} predict`);
      close(net.forward(x, batch), mlp.forward(x, batch), 1e-5, `${activation} forward`);
      const dxNet = new Float32Array(batch * 4), dxMlp = new Float32Array(batch * 4);
      net.backward(dOut, dxNet);
      mlp.backward(dOut, dxMlp);
      const scale = Math.max(1, ...mlp.grads.map(Math.abs));
      close(net.grads, mlp.grads, 1e-5 * scale, `${activation} grads`);
      close(dxNet, dxMlp, 1e-5, `${activation} dInput`);
      // backward adds; zeroGrads clears
      net.backward(dOut);
      close(net.grads, mlp.grads.map((g) => 2 * g), 2e-5 * scale, `${activation} accumulated grads`);
      net.zeroGrads();
      assert.ok(net.grads.every((g) => g === 0));
      net.dispose();
    }
  });
}

test("clone copies the weights into an independent model; spec carries the model JSON", async () => {
  await initBackend({ backend: "cpu" });
  const net = wrapLayersModel(denseModel([3, 5, 2], "tanh"));
  const x = Float32Array.of(0.5, -1, 2);
  const copy = net.clone();
  const before = net.predict(x, 1).slice();
  close(copy.predict(x, 1), before, 0, "clone output");
  net.params[net.params.length - 1]! += 1; // bias of output 1
  net.paramsChanged();
  assert.ok(Math.abs(net.predict(x, 1)[1]! - before[1]! - 1) < 1e-6);
  close(copy.predict(x, 1), before, 0, "the clone keeps its weights");
  assert.equal(net.spec.kind, "tfjs");
  assert.equal((net.spec as { modelJson: { class_name: string } }).modelJson.class_name, "Sequential");
  const tensors = tf.memory().numTensors;
  net.forward(x, 1);
  net.backward(Float32Array.of(1, 1));
  net.predict(x, 1);
  assert.ok(tf.memory().numTensors <= tensors + 1, "backward and predict leak no tensors (forward keeps its input)");
  net.dispose();
  copy.dispose();
});

test("models that are not [batch, n] → [batch, m] are refused with the shapes found", async () => {
  await initBackend({ backend: "cpu" });
  const conv = tf.sequential({ layers: [tf.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [5, 1] })] });
  assert.throws(() => wrapLayersModel(conv), /one \[batch, n\] input and one \[batch, m\] output, got inputs \[\[null,5,1\]\]/);
});
