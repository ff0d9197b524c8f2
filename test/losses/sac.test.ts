import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { alphaLoss, sacActorLoss, softQTargets, twinQLoss } from "../../lib/losses/sac.js";

const close = (actual: ArrayLike<number>, expected: number[], tol = 1e-6) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i]! - e) <= tol, `[${i}]: ${actual[i]} vs ${e}`));
};

describe("softQTargets", () => {
  test("y = r + γ(1 − term)(min(Q1', Q2') − α log π(a'|s'))", () => {
    // y0 = 1 + 0.9·(min(10, 8) − 0.2·(−1)) = 1 + 0.9·8.2 = 8.38;  y1 = −1 (terminal)
    const y = softQTargets({
      rewards: Float32Array.of(1, -1),
      terminated: [0, 1],
      q1Next: Float32Array.of(10, 3),
      q2Next: Float32Array.of(8, 5),
      nextLogp: Float32Array.of(-1, 2),
      alpha: 0.2,
      gamma: 0.9,
    });
    close(y, [8.38, -1], 1e-5);
  });
});

describe("twinQLoss", () => {
  test("each critic's mean((Q − y)²) and gradient 2(Q − y)/B", () => {
    // x1 = [−0.5, 0], x2 = [−1.5, 1]
    const dQ1 = new Float32Array(2);
    const dQ2 = new Float32Array(2);
    const r = twinQLoss(Float32Array.of(1, 2), Float32Array.of(0, 3), Float32Array.of(1.5, 2), dQ1, dQ2);
    assert.equal(r.q1Loss, 0.125);
    assert.equal(r.q2Loss, 1.625);
    assert.equal(r.q1Mean, 1.5);
    assert.equal(r.q2Mean, 1.5);
    close(dQ1, [-0.5, 0]);
    close(dQ2, [-1.5, 1]);
  });
});

describe("sacActorLoss", () => {
  test("mean(α log π − min(Q1, Q2)); the gradient goes to the smaller critic (split on ties)", () => {
    // α = 0.5; min Q = [2, 0, 3]; terms = [−0.5 − 2, 0.25 − 0, 0 − 3] → mean −5.25/3 = −1.75
    const dLogp = new Float32Array(3);
    const dQ1 = new Float32Array(3);
    const dQ2 = new Float32Array(3);
    const loss = sacActorLoss(Float32Array.of(-1, 0.5, 0), Float32Array.of(2, 1, 3), Float32Array.of(3, 0, 3), 0.5, dLogp, dQ1, dQ2);
    assert.ok(Math.abs(loss + 1.75) < 1e-12);
    close(dLogp, [1 / 6, 1 / 6, 1 / 6]);
    close(dQ1, [-1 / 3, 0, -1 / 6]);
    close(dQ2, [0, -1 / 3, -1 / 6]);
  });
});

describe("alphaLoss", () => {
  test("mean(−α(log π + H̄)) and its derivative w.r.t. log α", () => {
    // α = 0.5, log π = [−1, −3], H̄ = −1: mean(log π + H̄) = −3 → L = 1.5 = ∂L/∂log α
    const r = alphaLoss(Math.log(0.5), Float32Array.of(-1, -3), -1);
    assert.ok(Math.abs(r.loss - 1.5) < 1e-12);
    assert.ok(Math.abs(r.grad - 1.5) < 1e-12);
    const h = 1e-6;
    const fd = (alphaLoss(Math.log(0.5) + h, Float32Array.of(-1, -3), -1).loss - alphaLoss(Math.log(0.5) - h, Float32Array.of(-1, -3), -1).loss) / (2 * h);
    assert.ok(Math.abs(fd - r.grad) < 1e-6);
  });

  test("α is pushed up when the entropy is below target and down when above", () => {
    // entropy −log π = 0.5 < target 1 → log π + H̄ = −0.5 + 1 > 0 → L < 0, grad < 0 → Adam raises log α
    assert.ok(alphaLoss(0, Float32Array.of(-0.5), 1).grad < 0);
    assert.ok(alphaLoss(0, Float32Array.of(-2), 1).grad > 0);
  });
});
