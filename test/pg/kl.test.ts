// The KL estimators and the penalty, on examples worked by hand.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { klEstimate, klEstimates, klPenalty } from "../../lib/pg/divergence/kl.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const LOG2 = Math.log(2);

describe("klEstimate", () => {
  // log π = log 0.5, log π_ref = log 0.25: log r = log π_ref − log π = log 0.5 = −log 2, r = 0.5.
  const logp = Math.log(0.5);
  const refLogp = Math.log(0.25);

  test("k1 = −log r = log 2 ≈ 0.6931, ∂k1/∂log π = 1", () => {
    const k = klEstimate("k1", logp, refLogp);
    near(k.value, 0.693147);
    assert.equal(k.dLogp, 1);
  });

  test("k2 = ½ (log r)² = ½ (log 2)² ≈ 0.2402, ∂k2/∂log π = −log r = log 2", () => {
    const k = klEstimate("k2", logp, refLogp);
    near(k.value, 0.240227);
    near(k.dLogp, LOG2, 1e-12);
  });

  test("k3 = (r − 1) − log r = 0.5 − 1 + log 2 ≈ 0.1931, ∂k3/∂log π = 1 − r = 0.5", () => {
    const k = klEstimate("k3", logp, refLogp);
    near(k.value, 0.193147);
    near(k.dLogp, 0.5, 1e-12);
  });

  test("every estimator is 0 where π = π_ref; k2 and k3 have zero slope there, k1 slope 1", () => {
    for (const e of ["k1", "k2", "k3"] as const) assert.ok(klEstimate(e, -1.3, -1.3).value === 0, e); // k1 gives −0
    assert.equal(klEstimate("k1", -1.3, -1.3).dLogp, 1);
    assert.ok(klEstimate("k2", -1.3, -1.3).dLogp === 0);
    assert.equal(klEstimate("k3", -1.3, -1.3).dLogp, 0);
  });

  test("k1 can be negative (π below π_ref); k3 cannot", () => {
    // log π = log 0.25, log π_ref = log 0.5: k1 = −log 2 < 0; k3 = 2 − 1 − log 2 ≈ 0.3069 > 0
    near(klEstimate("k1", Math.log(0.25), Math.log(0.5)).value, -LOG2);
    near(klEstimate("k3", Math.log(0.25), Math.log(0.5)).value, 1 - LOG2);
  });
});

describe("klEstimates (the reward placement's per-row penalty)", () => {
  test("writes each row's estimate", () => {
    const out = klEstimates("k3", Float32Array.of(Math.log(0.5), -1), Float32Array.of(Math.log(0.25), -1), new Float32Array(2));
    near(out[0]!, 0.193147);
    assert.equal(out[1], 0);
  });
});

describe("klPenalty", () => {
  // Rows: (log π, log π_ref) = (log 0.5, log 0.25) and (log 0.5, log 0.5).
  const logp = Float32Array.of(Math.log(0.5), Math.log(0.5));
  const refLogp = Float32Array.of(Math.log(0.25), Math.log(0.5));

  test("mean (divisor 2), k3: KL = (0.1931 + 0)/2 ≈ 0.09657; adds coef · ½ · (1 − r) = 0.1 · ½ · 0.5 = 0.025 to row 0, 0 to row 1", () => {
    const d = Float32Array.of(1, 1);
    const kl = klPenalty("k3", logp, refLogp, 0.1, { divisor: 2, weights: null }, d);
    near(kl, 0.0965736, 1e-6);
    near(d[0]!, 1.025);
    assert.equal(d[1], 1);
  });

  test("constant divisor 4, k2: KL = ½ (log 2)² / 4 ≈ 0.06006; gradient coef · ¼ · log 2", () => {
    const d = new Float32Array(2);
    const kl = klPenalty("k2", logp, refLogp, 1, { divisor: 4, weights: null }, d);
    near(kl, (0.5 * LOG2 * LOG2) / 4);
    near(d[0]!, LOG2 / 4);
    assert.equal(d[1], 0);
  });

  test("weights (0.25, 0.75), k1: KL = 0.25 · log 2 ≈ 0.1733 (row 1 is 0); gradient coef · w = (0.025, 0.075)", () => {
    const d = new Float32Array(2);
    const kl = klPenalty("k1", logp, refLogp, 0.1, { divisor: null, weights: Float64Array.of(0.25, 0.75) }, d);
    near(kl, 0.25 * LOG2);
    near(d[0]!, 0.025);
    near(d[1]!, 0.075);
  });

  test("coef 0 adds exactly zero (a disabled penalty leaves the gradients bit for bit)", () => {
    const d = Float32Array.of(0.3, -0.7);
    klPenalty("k3", logp, refLogp, 0, { divisor: 2, weights: null }, d);
    assert.deepEqual(d, Float32Array.of(0.3, -0.7));
  });
});
