import assert from "node:assert/strict";
import { test } from "node:test";
import { ahpoGate, imitationLoss, successRate } from "../../lib/losses/imitation.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("imitationLoss is coef × mean −log π of the dataset actions, with ∂/∂log π = −coef/B", () => {
  // log π = (ln 0.5, ln 0.25, ln 1): NLL = (ln 2 + ln 4 + 0)/3 = ln 8 / 3 = ln 2.
  const logp = Float32Array.of(Math.log(0.5), Math.log(0.25), 0);
  const d = new Float32Array(3).fill(NaN);
  const r = imitationLoss(logp, 3, 2, d);
  near(r.nll, Math.log(2));
  near(r.loss, 2 * Math.log(2));
  for (const x of d) near(x, -2 / 3);
  // Finite differences on one row's log π.
  const h = 1e-3;
  const plus = logp.slice();
  plus[1] = plus[1]! + h;
  const minus = logp.slice();
  minus[1] = minus[1]! - h;
  near(d[1]!, (imitationLoss(plus, 3, 2, new Float32Array(3)).loss - imitationLoss(minus, 3, 2, new Float32Array(3)).loss) / (2 * h), 1e-3);
  assert.throws(() => imitationLoss(logp, 4, 1, d), RangeError);
});

test("successRate and AHPO's gate: on below the threshold, off at or above it", () => {
  assert.equal(successRate([500, 200, 480, 475], 475), 0.75);
  assert.equal(successRate([], 475), 0, "nothing has succeeded yet");
  assert.equal(ahpoGate(0.75, 0.5), 0);
  assert.equal(ahpoGate(0.5, 0.5), 0, "reaching the threshold closes the gate");
  assert.equal(ahpoGate(0.25, 0.5), 1);
  assert.equal(ahpoGate(0.99, 1), 1, "threshold 1 keeps imitating until every episode succeeds");
  assert.equal(ahpoGate(1, 1), 0);
});
