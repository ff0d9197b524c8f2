import assert from "node:assert/strict";
import { test } from "node:test";
import { boxedGaussianAwr } from "../../lib/losses/awr-gaussian.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const RANGE = { min: -5, max: 2 };

test("boxedGaussianAwr: weighted −log π with a tanh mean scaled to the box (hand example)", () => {
  // Box [−2, 2]: scale 2, bias 0. raw = (0, atanh ½) → μ = (0, 1); ℓ = 0 → σ = 2.
  // Actions (1, 1), weights (2, ½): row 0 z² = ¼, row 1 z² = 0.
  const dRaw = new Float32Array(2);
  const dLogStd = new Float32Array(1);
  const r = boxedGaussianAwr(Float32Array.of(0, Math.atanh(0.5)), Float32Array.of(0), Float32Array.of(1, 1), Float32Array.of(2, 0.5), 2, Float32Array.of(2), Float32Array.of(0), RANGE, dRaw, dLogStd);
  const logp0 = -0.125 - Math.log(2) - HALF_LOG_2PI;
  const logp1 = -Math.log(2) - HALF_LOG_2PI;
  near(r.loss, -(2 * logp0 + 0.5 * logp1) / 2);
  near(r.meanLogp, (logp0 + logp1) / 2);
  near(r.actionMse, 0.5);
  // ∂L/∂raw_0 = −(w/B)(a − μ)/σ² · scale (1 − tanh²) = −1 · ¼ · 2 · 1; row 1 sits on its mean.
  near(dRaw[0]!, -0.5);
  near(dRaw[1]!, 0);
  // ∂L/∂ℓ = −(1/B) Σ w (z² − 1) = −½ (2(¼ − 1) + ½(0 − 1)) = 1.
  near(dLogStd[0]!, 1);
});

test("boxedGaussianAwr: gradients match finite differences; a clipped log σ gets none", () => {
  const B = 3;
  const d = 2;
  const raw = Float32Array.of(0.3, -1.2, 0.8, 0.1, -0.4, 2.0);
  const logStd = Float32Array.of(-0.7, 0.4);
  const actions = Float32Array.of(0.5, -1.5, 0.9, 0.2, -0.95, 2.5);
  const weights = Float32Array.of(1.5, 0.2, 3);
  const scale = Float32Array.of(1, 2);
  const bias = Float32Array.of(0, 0.5);
  const loss = (r: Float32Array, l: Float32Array) => boxedGaussianAwr(r, l, actions, weights, B, scale, bias, RANGE, new Float32Array(B * d), new Float32Array(d)).loss;
  const dRaw = new Float32Array(B * d);
  const dLogStd = new Float32Array(d);
  boxedGaussianAwr(raw, logStd, actions, weights, B, scale, bias, RANGE, dRaw, dLogStd);
  const h = 1e-3;
  for (let i = 0; i < B * d; i++) {
    const p = raw.slice();
    const m = raw.slice();
    p[i] = p[i]! + h;
    m[i] = m[i]! - h;
    near(dRaw[i]!, (loss(p, logStd) - loss(m, logStd)) / (2 * h), 2e-3);
  }
  for (let j = 0; j < d; j++) {
    const p = logStd.slice();
    const m = logStd.slice();
    p[j] = p[j]! + h;
    m[j] = m[j]! - h;
    near(dLogStd[j]!, (loss(raw, p) - loss(raw, m)) / (2 * h), 2e-3);
  }
  const clipped = new Float32Array(d);
  boxedGaussianAwr(raw, Float32Array.of(-6, 3), actions, weights, B, scale, bias, RANGE, new Float32Array(B * d), clipped);
  assert.deepEqual([...clipped], [0, 0]);
  assert.throws(() => boxedGaussianAwr(raw, logStd, actions, weights, B, scale, bias, RANGE, dRaw, new Float32Array(3)), /3 rows of 2 actions/);
});
