import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { qRegressionLoss, tdTargets } from "../../lib/losses/td.js";

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-6) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) <= tol, `[${i}]: ${actual[i]} vs ${e}`));
};

// Three transitions, two actions, γ = 0.9. Row 1 is terminal.
const rewards = Float32Array.of(1, 0.5, -1);
const terminated = Uint8Array.of(0, 1, 0);
const nextQTarget = Float32Array.of(2, 3, /**/ 4, 1, /**/ 0.5, -0.5);
const nextQOnline = Float32Array.of(5, 1, /**/ 0, 2, /**/ -1, 1);

describe("tdTargets", () => {
  test("DQN: y = r + γ (1 − term) max_a Q_target(s', a)", () => {
    // y0 = 1 + 0.9·max(2, 3) = 3.7;  y1 = 0.5 (terminal);  y2 = −1 + 0.9·0.5 = −0.55
    close(tdTargets({ rewards, terminated, nextQTarget, numActions: 2, gamma: 0.9 }), [3.7, 0.5, -0.55]);
  });

  test("double DQN: the online network picks the action, the target network values it", () => {
    // argmax online: row 0 → 0 (Q_target 2), row 2 → 1 (Q_target −0.5)
    // y0 = 1 + 0.9·2 = 2.8;  y1 = 0.5;  y2 = −1 + 0.9·(−0.5) = −1.45
    close(tdTargets({ rewards, terminated, nextQTarget, nextQOnline, numActions: 2, gamma: 0.9 }), [2.8, 0.5, -1.45]);
  });

  test("ties in the argmax take the first action, as torch.argmax", () => {
    const y = tdTargets({ rewards: Float32Array.of(0), terminated: [0], nextQTarget: Float32Array.of(7, 9), nextQOnline: Float32Array.of(1, 1), numActions: 2, gamma: 1 });
    close(y, [7]);
  });

  test("rejects arrays of the wrong size", () => {
    assert.throws(() => tdTargets({ rewards, terminated, nextQTarget: new Float32Array(4), numActions: 2, gamma: 0.9 }), /next Q-values/);
  });
});

describe("qRegressionLoss", () => {
  // Q = [[1, 2], [3, 4]], actions [1, 0] → Q(s, a) = [2, 3]; targets [1.5, 5] → x = [0.5, −2]
  const q = Float32Array.of(1, 2, 3, 4);
  const actions = Int32Array.of(1, 0);
  const targets = Float32Array.of(1.5, 5);

  test("mse: L = mean(x²) = (0.25 + 4)/2, ∂L/∂Q(s,a) = 2x/B, zero for the other actions", () => {
    const dQ = new Float32Array(4).fill(9);
    const r = qRegressionLoss(q, actions, targets, 2, dQ, "mse");
    assert.equal(r.loss, 2.125);
    assert.equal(r.meanQ, 2.5);
    close(dQ, [0, 0.5, -2, 0]);
  });

  test("huber (δ = 1): ½·0.5² and 1·(2 − ½), gradients clipped to ±δ/B", () => {
    const dQ = new Float32Array(4);
    const r = qRegressionLoss(q, actions, targets, 2, dQ, "huber", 1);
    assert.equal(r.loss, (0.125 + 1.5) / 2);
    close(dQ, [0, 0.25, -0.5, 0]);
  });

  test("per-row weights (H2O) scale each row's loss and gradient: w = [0.5, 1]", () => {
    const dQ = new Float32Array(4);
    const r = qRegressionLoss(q, actions, targets, 2, dQ, "mse", 1, Float32Array.of(0.5, 1));
    assert.equal(r.loss, (0.5 * 0.25 + 4) / 2);
    close(dQ, [0, 0.25, -2, 0]);
    const h = new Float32Array(4);
    assert.equal(qRegressionLoss(q, actions, targets, 2, h, "huber", 1, Float32Array.of(0.5, 1)).loss, (0.5 * 0.125 + 1.5) / 2);
    close(h, [0, 0.125, -0.5, 0]);
  });

  test("the mse gradient matches finite differences of the loss", () => {
    const dQ = new Float32Array(4);
    qRegressionLoss(q, actions, targets, 2, dQ, "mse");
    const h = 1e-3;
    for (let i = 0; i < 4; i++) {
      const plus = Float32Array.from(q);
      const minus = Float32Array.from(q);
      plus[i] = plus[i]! + h;
      minus[i] = minus[i]! - h;
      const fd = (qRegressionLoss(plus, actions, targets, 2, new Float32Array(4)).loss - qRegressionLoss(minus, actions, targets, 2, new Float32Array(4)).loss) / (2 * h);
      assert.ok(Math.abs(fd - dQ[i]!) < 1e-3, `dQ[${i}] ${dQ[i]} vs ${fd}`);
    }
  });
});
