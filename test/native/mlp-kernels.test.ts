import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../lib/random/rng.js";
import { defaultMlpEngine, fastTanh, makeMlpKernel, mlpLayout, wasmSimdUnavailable, type MlpShape } from "../../native/index.js";

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

const SHAPES: MlpShape[] = [
  { sizes: [4, 64, 64, 2], activation: "tanh", outputActivation: "linear" },
  { sizes: [4, 64, 64, 1], activation: "tanh", outputActivation: "linear" },
  { sizes: [3, 5, 7, 1], activation: "relu", outputActivation: "tanh" },
  { sizes: [6, 9, 3], activation: "tanh", outputActivation: "relu" },
  { sizes: [17, 12, 33, 8, 5], activation: "relu", outputActivation: "linear" },
  { sizes: [2, 1], activation: "linear", outputActivation: "tanh" },
];

/** A js and a wasm kernel over copies of the same random parameters. */
function pair(shape: MlpShape, rng: Rng) {
  const P = mlpLayout(shape).paramCount;
  const params = rng.fillUniform(new Float32Array(P), -0.6, 0.6) as Float32Array;
  const make = (engine: "js" | "wasm-simd") => {
    const p = params.slice(), g = new Float32Array(P);
    return { params: p, grads: g, kernel: makeMlpKernel(shape, p, g, engine) };
  };
  return { js: make("js"), wasm: make("wasm-simd") };
}

const skipWasm = wasmSimdUnavailable();

test("the wasm SIMD kernel equals the JS kernel: outputs, parameter and input gradients", { skip: skipWasm ?? false }, () => {
  const rng = Rng.fromSeed(3);
  for (const shape of SHAPES) {
    const { js, wasm } = pair(shape, rng);
    const I = shape.sizes[0]!, O = shape.sizes[shape.sizes.length - 1]!;
    for (const batch of [1, 3, 8, 37, 130]) {
      const x = rng.fillUniform(new Float32Array(batch * I), -2, 2) as Float32Array;
      const dOut = rng.fillUniform(new Float32Array(batch * O), -1, 1) as Float32Array;
      const what = `${shape.sizes.join("-")} batch ${batch}`;
      assert.ok(maxDiff(js.kernel.predict(x, batch), wasm.kernel.predict(x, batch)) < 1e-5, `predict ${what}`);
      assert.ok(maxDiff(js.kernel.forward(x, batch), wasm.kernel.forward(x, batch)) < 1e-5, `forward ${what}`);
      const dxJs = new Float32Array(batch * I), dxWasm = new Float32Array(batch * I);
      js.kernel.backward(dOut, dxJs);
      wasm.kernel.backward(dOut, dxWasm);
      const scale = Math.max(1, ...js.grads.map(Math.abs));
      assert.ok(maxDiff(js.grads, wasm.grads) < 1e-5 * scale, `grads ${what}: ${maxDiff(js.grads, wasm.grads)}`);
      assert.ok(maxDiff(dxJs, dxWasm) < 1e-5, `dInput ${what}`);
    }
  }
});

for (const engine of ["js", "wasm-simd"] as const) {
  const skip = engine === "wasm-simd" ? skipWasm ?? false : false;

  test(`${engine}: backward adds into grads, and predict between forward and backward changes nothing`, { skip }, () => {
    const rng = Rng.fromSeed(5);
    const shape = SHAPES[0]!;
    const { params, grads, kernel } = pair(shape, rng)[engine === "js" ? "js" : "wasm"];
    const x = rng.fillUniform(new Float32Array(40 * 4), -1, 1) as Float32Array;
    const dOut = rng.fillUniform(new Float32Array(40 * 2), -1, 1) as Float32Array;
    kernel.forward(x, 40);
    kernel.backward(dOut);
    const once = grads.slice();
    kernel.forward(x, 40);
    // a large predict regrows the inference buffers (and wasm memory)
    kernel.predict(rng.fillUniform(new Float32Array(5000 * 4)) as Float32Array, 5000);
    kernel.backward(dOut);
    const scale = Math.max(...once.map(Math.abs));
    assert.ok(maxDiff(grads, once.map((g) => 2 * g)) < 1e-6 * scale);
    // a parameter change reaches the kernel only through syncParams
    const before = kernel.predict(x, 40).slice();
    params[params.length - 1]! += 1;
    kernel.syncParams();
    const after = kernel.predict(x, 40);
    for (let r = 0; r < 40; r++) assert.ok(Math.abs(after[2 * r + 1]! - before[2 * r + 1]! - 1) < 1e-5);
  });

  test(`${engine}: wrong sizes are refused with what was expected`, { skip }, () => {
    const shape = SHAPES[0]!;
    const P = mlpLayout(shape).paramCount;
    assert.throws(() => makeMlpKernel(shape, new Float32Array(P - 1), new Float32Array(P), engine), /has 4610 parameters, got params of 4609/);
    const kernel = makeMlpKernel(shape, new Float32Array(P), new Float32Array(P), engine);
    assert.throws(() => kernel.backward(new Float32Array(2)), /needs a forward first/);
    assert.throws(() => kernel.predict(new Float32Array(7), 2), /needs batch × 4 = 8 floats, got 7/);
    kernel.forward(new Float32Array(8), 2);
    assert.throws(() => kernel.backward(new Float32Array(3)), /dOut needs batch × 2 = 4 floats/);
  });
}

test("fastTanh is within 4e-7 of Math.tanh and keeps NaN and the infinities", () => {
  let worst = 0;
  for (let x = -12; x <= 12; x += 1e-4) worst = Math.max(worst, Math.abs(fastTanh(x) - Math.tanh(x)));
  assert.ok(worst < 4e-7, `max error ${worst}`);
  assert.ok(Number.isNaN(fastTanh(NaN)));
  assert.equal(fastTanh(Infinity), 1);
  assert.equal(fastTanh(-Infinity), -1);
  assert.equal(fastTanh(0), 0);
});

test("the wasm tanh, relu and linear layers agree with the formulas element by element", { skip: skipWasm ?? false }, () => {
  const n = 4096;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = -10 + (20 * i) / n;
  x[7] = NaN;
  for (const act of ["tanh", "relu", "linear"] as const) {
    // a 1 → 1 layer with w = 1, b = 0 applies just the activation
    const params = Float32Array.of(1, 0);
    const kernel = makeMlpKernel({ sizes: [1, 1], activation: act, outputActivation: act }, params, new Float32Array(2), "wasm-simd");
    const y = kernel.predict(x, n);
    for (let i = 0; i < n; i++) {
      // both tanh polynomials (f32x4 here, doubles in fastTanh) are within 4e-7 of the true tanh
      const want = act === "tanh" ? Math.tanh(x[i]!) : act === "relu" ? (x[i]! < 0 ? 0 : x[i]!) : x[i]!;
      if (Number.isNaN(want)) assert.ok(Number.isNaN(y[i]!), `${act}(NaN)`);
      else assert.ok(Math.abs(y[i]! - want) <= (act === "tanh" ? 4e-7 : 0), `${act}(${x[i]}) = ${y[i]}, want ${want}`);
    }
  }
});

test("TRELLIS_MLP_ENGINE picks the engine that 'auto' resolves to", () => {
  const before = process.env.TRELLIS_MLP_ENGINE;
  try {
    process.env.TRELLIS_MLP_ENGINE = "js";
    assert.equal(defaultMlpEngine(), "js");
    assert.equal(makeMlpKernel(SHAPES[3]!, new Float32Array(93), new Float32Array(93)).engine, "js");
    process.env.TRELLIS_MLP_ENGINE = "auto";
    assert.equal(defaultMlpEngine(), skipWasm ? "js" : "wasm-simd");
    process.env.TRELLIS_MLP_ENGINE = "fast";
    assert.throws(() => defaultMlpEngine(), /TRELLIS_MLP_ENGINE must be one of auto, wasm-simd, js, got "fast"/);
  } finally {
    if (before === undefined) delete process.env.TRELLIS_MLP_ENGINE;
    else process.env.TRELLIS_MLP_ENGINE = before;
  }
});
