import assert from "node:assert/strict";
import { test } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { initMlpParams, makeMlp, mlpFromParams, type MlpNetwork } from "../../lib/nn/mlp.js";
import { orthogonal } from "../../lib/nn/init.js";
import type { Activation } from "../../lib/nn/network.js";
import { Rng } from "../../lib/random/rng.js";
import { initBackend, mlpLayout, wasmSimdUnavailable } from "../../native/index.js";

const ENGINES = wasmSimdUnavailable() ? (["js"] as const) : (["js", "wasm-simd"] as const);

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

/** Output, d/dparams and d/dx of Σ mlp(x) ⊙ dOut under tfjs autograd, from the flat parameters. */
function tfjsReference(net: MlpNetwork, x: Float32Array, batch: number, dOut: Float32Array) {
  const spec = net.spec;
  const { layers } = mlpLayout({ sizes: spec.sizes, activation: spec.activation, outputActivation: spec.outputActivation ?? "linear" });
  const act = (a: Activation, t: tf.Tensor): tf.Tensor => (a === "tanh" ? tf.tanh(t) : a === "relu" ? tf.relu(t) : t);
  return tf.tidy(() => {
    const xs = tf.tensor2d(x, [batch, net.inputSize]);
    const ws = layers.flatMap((l) => [
      tf.tensor2d(net.params.subarray(l.w, l.w + l.inSize * l.outSize), [l.inSize, l.outSize]),
      tf.tensor1d(net.params.subarray(l.b, l.b + l.outSize)),
    ]);
    const model = (input: tf.Tensor, ...p: tf.Tensor[]): tf.Tensor =>
      layers.reduce((h, l, i) => act(l.act, tf.add(tf.matMul(h, p[2 * i]!), p[2 * i + 1]!)), input);
    const y = model(xs, ...ws);
    const d = tf.tensor2d(dOut, [batch, net.outputSize]);
    const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(model(args[0]!, ...args.slice(1)), d)))([xs, ...ws]);
    const flat = new Float32Array(net.params.length);
    layers.forEach((l, i) => {
      flat.set(grads[1 + 2 * i]!.dataSync(), l.w);
      flat.set(grads[2 + 2 * i]!.dataSync(), l.b);
    });
    return { y: y.dataSync().slice(), grads: flat, dx: grads[0]!.dataSync().slice() };
  });
}

for (const engine of ENGINES) {
  test(`${engine}: forward, parameter and input gradients match tfjs autograd on random weights`, async () => {
    await initBackend({ backend: "cpu" });
    const rng = Rng.fromSeed(11);
    for (const [sizes, activation, outputActivation] of [
      [[4, 64, 64, 2], "tanh", "linear"],
      [[5, 7, 3], "relu", "tanh"],
      [[3, 6, 6, 6, 1], "tanh", "relu"],
    ] as const) {
      const net = makeMlp(sizes, { rng, activation, outputActivation, init: "torch-default", engine });
      const batch = 19;
      const x = rng.fillUniform(new Float32Array(batch * net.inputSize), -2, 2) as Float32Array;
      const dOut = rng.fillUniform(new Float32Array(batch * net.outputSize), -1, 1) as Float32Array;
      const ref = tfjsReference(net, x, batch, dOut);
      const what = `${engine} ${sizes.join("-")}`;
      close(net.forward(x, batch), ref.y, 1e-5, `${what} y`);
      const dx = new Float32Array(batch * net.inputSize);
      net.zeroGrads();
      net.backward(dOut, dx);
      close(net.grads, ref.grads, 1e-5 * Math.max(1, ...ref.grads.map(Math.abs)), `${what} grads`);
      close(dx, ref.dx, 1e-5, `${what} dx`);
    }
  });

  test(`${engine}: gradients agree with central finite differences`, () => {
    const rng = Rng.fromSeed(2);
    const net = makeMlp([3, 8, 8, 2], { rng, engine, init: "glorot-uniform" });
    const batch = 4;
    const x = rng.fillUniform(new Float32Array(batch * 3), -1, 1) as Float32Array;
    const dOut = rng.fillUniform(new Float32Array(batch * 2), -1, 1) as Float32Array;
    // loss = Σ net(x) ⊙ dOut, evaluated in float64 over float32 outputs
    const loss = (): number => net.predict(x, batch).reduce((s, y, i) => s + y * dOut[i]!, 0);
    net.zeroGrads();
    net.forward(x, batch);
    const dx = new Float32Array(batch * 3);
    net.backward(dOut, dx);
    const h = 1e-2;
    for (let k = 0; k < net.params.length; k += 7) {
      const p0 = net.params[k]!;
      net.params[k] = p0 + h;
      net.paramsChanged();
      const up = loss();
      net.params[k] = p0 - h;
      net.paramsChanged();
      const down = loss();
      net.params[k] = p0;
      net.paramsChanged();
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - net.grads[k]!) < 2e-3 * Math.max(1, Math.abs(fd)), `param ${k}: fd ${fd} vs ${net.grads[k]}`);
    }
    for (let k = 0; k < x.length; k++) {
      const x0 = x[k]!;
      x[k] = x0 + h;
      const up = loss();
      x[k] = x0 - h;
      const down = loss();
      x[k] = x0;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - dx[k]!) < 2e-3 * Math.max(1, Math.abs(fd)), `input ${k}: fd ${fd} vs ${dx[k]}`);
    }
  });

  test(`${engine}: clone is independent and paramsChanged reaches the kernel`, () => {
    const net = makeMlp([4, 16, 2], { rng: Rng.fromSeed(1), engine });
    assert.equal(net.engine, engine);
    const x = Float32Array.of(0.1, -0.2, 0.3, 0.4);
    const copy = net.clone();
    const before = net.predict(x, 1).slice();
    close(copy.predict(x, 1), before, 0, "clone output");
    net.params[net.params.length - 2]! += 0.5; // last layer bias of output 0
    net.paramsChanged();
    assert.ok(Math.abs(net.predict(x, 1)[0]! - before[0]! - 0.5) < 1e-6);
    close(copy.predict(x, 1), before, 0, "the clone keeps its parameters");
    const rebuilt = mlpFromParams(net.spec, net.params, engine);
    close(rebuilt.predict(x, 1), net.predict(x, 1), 0, "mlpFromParams");
  });
}

test("orthogonal init follows CleanRL's layer_init: WᵀW = gain²·I on the smaller side, zero biases", () => {
  const net = makeMlp([4, 64, 64, 2], { rng: Rng.fromSeed(9), lastGain: 0.01 });
  const { layers } = mlpLayout({ sizes: [4, 64, 64, 2], activation: "tanh", outputActivation: "linear" });
  layers.forEach((l, idx) => {
    const gain = idx === layers.length - 1 ? 0.01 : Math.SQRT2;
    const W = (i: number, j: number): number => net.params[l.w + i * l.outSize + j]!;
    // Gram matrix over the smaller dimension of W [in × out]
    const small = Math.min(l.inSize, l.outSize), big = Math.max(l.inSize, l.outSize);
    const at = (s: number, b: number): number => (l.inSize <= l.outSize ? W(s, b) : W(b, s));
    for (let a = 0; a < small; a++) {
      for (let c = 0; c < small; c++) {
        let dot = 0;
        for (let b = 0; b < big; b++) dot += at(a, b) * at(c, b);
        assert.ok(Math.abs(dot - (a === c ? gain * gain : 0)) < 1e-5 * Math.max(1, gain * gain), `layer ${idx} (${a},${c}): ${dot}`);
      }
    }
    for (let j = 0; j < l.outSize; j++) assert.equal(net.params[l.b + j], 0);
  });
});

test("orthogonal() is torch's: Q from the QR of the Gaussian draw with sign(diag R) positive", () => {
  for (const [rows, cols] of [[6, 3], [3, 6], [5, 5]] as const) {
    const q = orthogonal(rows, cols, Rng.fromSeed(4), 2);
    const a = Rng.fromSeed(4).fillNormal(new Float64Array(rows * cols));
    // torch factors the tall orientation: A (rows ≥ cols) or Aᵀ
    const wide = rows < cols;
    const m = Math.max(rows, cols), n = Math.min(rows, cols);
    const A = (i: number, k: number): number => (wide ? a[k * cols + i]! : a[i * cols + k]!);
    const Q = (i: number, k: number): number => (wide ? q[k * cols + i]! : q[i * cols + k]!) / 2;
    // R = Qᵀ A must be upper triangular with a positive diagonal
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += Q(i, r) * A(i, c);
        if (r > c) assert.ok(Math.abs(dot) < 1e-12, `R[${r},${c}] = ${dot}`);
        if (r === c) assert.ok(dot > 0, `R[${r},${r}] = ${dot}`);
      }
    }
  }
});

test("the same seed gives the same parameters; another seed other ones", () => {
  for (const init of ["orthogonal", "glorot-uniform", "torch-default"] as const) {
    const spec = { kind: "mlp", sizes: [4, 64, 64, 2], activation: "tanh", outputActivation: "linear" } as const;
    const a = initMlpParams(spec, { rng: Rng.fromSeed(7), init });
    const b = initMlpParams(spec, { rng: Rng.fromSeed(7), init });
    const c = initMlpParams(spec, { rng: Rng.fromSeed(8), init });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  }
  const bound = 1 / Math.sqrt(4);
  const p = initMlpParams({ kind: "mlp", sizes: [4, 3], activation: "tanh" }, { rng: Rng.fromSeed(1), init: "torch-default" });
  assert.ok(p.every((v) => Math.abs(v) <= bound));
  assert.throws(() => initMlpParams({ kind: "mlp", sizes: [4, 3], activation: "tanh" }, { rng: Rng.fromSeed(1), init: "xavier" as never }), /init must be/);
});
