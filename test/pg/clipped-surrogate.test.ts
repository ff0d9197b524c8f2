import assert from "node:assert/strict";
import { test } from "node:test";
import { clippedSurrogate } from "../../lib/pg/loss/clipped-surrogate.js";
import { valueLoss } from "../../lib/pg/loss/value.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("clipped surrogate, its gradient and diagnostics on a hand-sized batch", () => {
  // ε = 0.2; ratios r = (1.5, 0.5, 1.1), advantages (1, 1, −2)
  // i0: max(−1.5, −1.2) = −1.2 (clipped branch: no gradient)
  // i1: max(−0.5, −0.8) = −0.5 (unclipped: ∂/∂log π = −A r / B = −0.5/3)
  // i2: max(2.2, 2.2) = 2.2 (inside the range: ∂ = −A r / B = 2.2/3)
  const dLogp = new Float32Array(3);
  const r = clippedSurrogate(Float32Array.of(Math.log(1.5), Math.log(0.5), Math.log(1.1)), new Float32Array(3), Float32Array.of(1, 1, -2), { low: 0.2, high: 0.2, dual: null }, { divisor: 3, weights: null }, dLogp);
  near(r.loss, (-1.2 - 0.5 + 2.2) / 3);
  near(dLogp[0]!, 0);
  near(dLogp[1]!, -0.5 / 3);
  near(dLogp[2]!, 2.2 / 3, 1e-6);
  near(r.clipfrac, 2 / 3);
  const rs = [1.5, 0.5, 1.1];
  near(r.approxKl, rs.reduce((s, x) => s + (x - 1 - Math.log(x)), 0) / 3);
  near(r.oldApproxKl, rs.reduce((s, x) => s - Math.log(x), 0) / 3);
});

test("value loss: plain MSE and CleanRL's clipped variant with gradients", () => {
  const dV = new Float32Array(2);
  // plain: 0.5·mean((1−0)², (2−4)²) = 0.5·(1+4)/2 = 1.25, ∂/∂V = (V−R)/B
  near(valueLoss(Float32Array.of(1, 2), Float32Array.of(0, 4), undefined, undefined, dV), 1.25);
  near(dV[0]!, 0.5);
  near(dV[1]!, -1);
  // clipped with ε = 0.2, old values (0.5, 2): sample 0: V−old = 0.5 → clipped to 0.7; (1−0)² = 1 ≥ (0.7−0)² → unclipped term, grad (1−0)/2
  // sample 1: V−old = 0 → inside; both terms equal (2−4)² → grad (2−4)/2
  near(valueLoss(Float32Array.of(1, 2), Float32Array.of(0, 4), Float32Array.of(0.5, 2), 0.2, dV), 1.25);
  near(dV[0]!, 0.5);
  near(dV[1]!, -1);
  // sample where the clipped term dominates: V = 3, old = 1, R = 0 → vc = 1.2; (3)² > (1.2)² unclipped wins;
  // V = −1, old = 1, R = 3 → vc = 0.8: (−4)² = 16 > (−2.2)² = 4.84 → unclipped; V = 0.9, old 1, R = −5: vc=0.9 same.
  // V = 2, old = 1, R = 3: vc = 1.2: (−1)² = 1 < (−1.8)² = 3.24 → clipped term, outside the range → no gradient
  near(valueLoss(Float32Array.of(2), Float32Array.of(3), Float32Array.of(1), 0.2, dV.subarray(0, 1)), 0.5 * 3.24);
  near(dV[0]!, 0);
});
