import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { policyGradientLoss } from "../../lib/pg/loss/policy-gradient.js";

describe("reinforceLoss", () => {
  test("L = −mean(Â log π), ∂L/∂log π = −Â/B", () => {
    // log π = [−0.5, −1], Â = [2, 1]: L = −(−1 − 1)/2 = 1
    const d = new Float32Array(2);
    assert.equal(policyGradientLoss(Float32Array.of(-0.5, -1), Float32Array.of(2, 1), { divisor: 2, weights: null }, d), 1);
    assert.deepEqual(Array.from(d), [-1, -0.5]);
  });
});
