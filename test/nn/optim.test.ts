import assert from "node:assert/strict";
import { test } from "node:test";
import { adamStep, clipGradNorm, makeAdamState, makeSgdState, sgdStep } from "../../lib/optim/index.js";
import { Rng } from "../../lib/random/rng.js";

const near = (a: number, b: number, tol: number, what: string): void => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("Adam, two steps worked by hand (lr 0.1, CleanRL's eps 1e-5)", () => {
  // step 1: m = 0.1 g, v = 0.001 g²; bias corrections 0.1 and 0.001 give m̂ = g, v̂ = g²:
  //   θ −= 0.1 · g / (|g| + 1e-5)          → [1 − 0.05/0.50001, −2 + 0.01/0.10001]
  // step 2, g = [−0.2, 0.3]: m = [0.025, 0.021], v = [2.8975e-4, 9.999e-5],
  //   θ −= (0.1/0.19) · m / (√v / √0.001999 + 1e-5)
  const p = Float32Array.of(1, -2);
  const s = makeAdamState(2);
  adamStep(p, Float32Array.of(0.5, -0.1), s, { lr: 0.1, eps: 1e-5 });
  near(p[0]!, 0.90000199996, 1e-7, "θ0 after 1");
  near(p[1]!, -1.9000099990001, 2e-7, "θ1 after 1");
  adamStep(p, Float32Array.of(-0.2, 0.3), s, { lr: 0.1, eps: 1e-5 });
  assert.equal(s.t, 2);
  near(s.m[0]!, 0.025, 1e-9, "m0");
  near(s.v[1]!, 9.999e-5, 1e-11, "v1");
  near(p[0]!, 0.8654423229, 2e-7, "θ0 after 2");
  near(p[1]!, -1.9494267728, 2e-7, "θ1 after 2");
});

test("Adam equals torch's update rule on random data, with weight decay", () => {
  const rng = Rng.fromSeed(1);
  const n = 37;
  const p = rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
  const ref = Float64Array.from(p), m = new Float64Array(n), v = new Float64Array(n);
  const s = makeAdamState(n);
  const o = { lr: 3e-3, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.01 };
  for (let t = 1; t <= 20; t++) {
    const g = rng.fillNormal(new Float32Array(n)) as Float32Array;
    adamStep(p, g, s, o);
    for (let i = 0; i < n; i++) {
      // torch.optim.Adam (amsgrad=False): grad += wd·θ; m.lerp_(grad, 1−β1); v = β2 v + (1−β2) grad²;
      // θ −= lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + eps)
      const gi = g[i]! + o.weightDecay * ref[i]!;
      m[i] = m[i]! + (1 - o.beta1) * (gi - m[i]!);
      v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
      ref[i] = ref[i]! - (o.lr / (1 - o.beta1 ** t)) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(1 - o.beta2 ** t) + o.eps));
    }
  }
  for (let i = 0; i < n; i++) near(p[i]!, ref[i]!, 1e-6, `θ${i}`);
  assert.throws(() => adamStep(p, new Float32Array(3), s), /one length, got 37, 3/);
});

test("clipGradNorm returns the joint pre-clip norm and scales by max/(norm + 1e-6) only when that is below 1", () => {
  const a = Float32Array.of(3), b = Float32Array.of(0, 4);
  assert.equal(clipGradNorm([a, b], 1), 5);
  near(a[0]!, 3 / (5 + 1e-6), 1e-7, "a");
  near(b[1]!, 4 / (5 + 1e-6), 1e-7, "b");
  const c = Float32Array.of(0.3, 0.4);
  assert.equal(Math.fround(clipGradNorm(c, 0.5)), Math.fround(0.5));
  // 0.5 / (0.5 + 1e-6) < 1: torch scales even at the boundary
  near(c[0]!, 0.3 * (0.5 / 0.500001), 1e-7, "boundary");
  assert.ok(c[0]! < Math.fround(0.3));
  const d = Float32Array.of(0.3, 0.4);
  assert.equal(Math.fround(clipGradNorm(d, 10)), Math.fround(0.5));
  assert.deepEqual(d, Float32Array.of(0.3, 0.4));
  const big = Rng.fromSeed(3).fillNormal(new Float32Array(1001)) as Float32Array;
  const norm = Math.hypot(...big);
  near(clipGradNorm(big, 1e9), norm, 1e-9 * norm, "norm of 1001 values");
});

test("SGD as torch.optim.SGD: plain, momentum (buffer starts at the first gradient), nesterov", () => {
  const p = Float32Array.of(1, 1);
  sgdStep(p, Float32Array.of(1, -2), makeSgdState(), { lr: 0.1 });
  assert.deepEqual(p, Float32Array.of(0.9, 1.2));

  const q = Float32Array.of(0), s = makeSgdState();
  sgdStep(q, Float32Array.of(1), s, { lr: 0.1, momentum: 0.9 }); // b = 1, θ = −0.1
  sgdStep(q, Float32Array.of(1), s, { lr: 0.1, momentum: 0.9 }); // b = 1.9, θ = −0.29
  near(q[0]!, -0.29, 1e-7, "momentum");

  const r = Float32Array.of(0), n = makeSgdState();
  sgdStep(r, Float32Array.of(1), n, { lr: 0.1, momentum: 0.9, nesterov: true }); // b = 1, d = 1.9
  sgdStep(r, Float32Array.of(1), n, { lr: 0.1, momentum: 0.9, nesterov: true }); // b = 1.9, d = 2.71
  near(r[0]!, -0.19 - 0.271, 1e-7, "nesterov");
  assert.throws(() => sgdStep(r, Float32Array.of(1), n, { lr: 0.1, nesterov: true }), /nesterov momentum needs momentum > 0/);
});

test("Adam's wasm kernel (large vectors) and JS loop (small ones) give bit-identical results", () => {
  const rng = Rng.fromSeed(8);
  const n = 1001; // odd: the JS loop finishes the last element
  const big = rng.fillUniform(new Float32Array(n), -1, 1) as Float32Array;
  const chunks = Array.from({ length: Math.ceil(n / 100) }, (_, c) => big.slice(100 * c, 100 * (c + 1)));
  const bigState = makeAdamState(n);
  const chunkStates = chunks.map((c) => makeAdamState(c.length));
  const o = { lr: 1e-2, eps: 1e-5, weightDecay: 1e-3 };
  for (let t = 0; t < 5; t++) {
    const g = rng.fillNormal(new Float32Array(n)) as Float32Array;
    adamStep(big, g, bigState, o);
    chunks.forEach((c, i) => adamStep(c, g.subarray(100 * i, 100 * i + c.length), chunkStates[i]!, o));
  }
  chunks.forEach((c, i) => {
    assert.deepEqual(big.subarray(100 * i, 100 * i + c.length), c);
    assert.deepEqual(bigState.m.subarray(100 * i, 100 * i + c.length), chunkStates[i]!.m);
    assert.deepEqual(bigState.v.subarray(100 * i, 100 * i + c.length), chunkStates[i]!.v);
  });
});
