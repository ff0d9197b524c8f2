import assert from "node:assert/strict";
import { test } from "node:test";
import { clippedImportanceWeights, offlineValueTdLoss } from "../../lib/losses/offline-value.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("clippedImportanceWeights: min(ρ̄, π/μ); unknown behavior log-probs weigh 1", () => {
  // π/μ = 0.5/0.25 = 2 (clipped to 1.5), 0.2/0.4 = 0.5, unknown (null), unknown (NaN).
  const target = Float32Array.of(Math.log(0.5), Math.log(0.2), Math.log(0.9), Math.log(0.9));
  const behavior = Float32Array.of(Math.log(0.25), Math.log(0.4), Math.log(0.1), Number.NaN);
  const valid = Uint8Array.of(1, 1, 0, 1);
  const w = new Float32Array(4);
  const r = clippedImportanceWeights(target, behavior, valid, 1.5, w);
  near(w[0]!, 1.5);
  near(w[1]!, 0.5);
  assert.equal(w[2], 1);
  assert.equal(w[3], 1);
  near(r.meanWeight, (1.5 + 0.5 + 1 + 1) / 4);
  near(r.clippedFraction, 1 / 4);
  clippedImportanceWeights(target, undefined, undefined, 1, w);
  assert.deepEqual(Array.from(w), [1, 1, 1, 1]);
});

test("offlineValueTdLoss: weighted 0.5·mean (V(s) − r − γ(1−d)V(s'))², rows without s' left out (hand example, finite differences)", () => {
  // γ = 0.9. Row 0: y = 1 + 0.9·2 = 2.8, V = 3, diff 0.2, w 2. Row 1: terminal, y = 1, V = 0, diff −1, w 1.
  // Row 2: no next observation (usable 0). L = 0.5·(2·0.04 + 1·1)/3 = 0.18; ∂L/∂V = (2·0.2/3, −1/3, 0).
  const batch = {
    values: Float32Array.of(3, 0, 7),
    nextValues: Float32Array.of(2, 5, Number.NaN),
    rewards: Float32Array.of(1, 1, 1),
    terminated: Uint8Array.of(0, 1, 0),
    usable: Uint8Array.of(1, 1, 0),
    weights: Float32Array.of(2, 1, 1),
    gamma: 0.9,
  };
  const d = new Float32Array(3).fill(NaN);
  const r = offlineValueTdLoss(batch, d);
  near(r.loss, 0.18);
  near(r.meanTarget, (2.8 + 1) / 2);
  assert.equal(r.usableRows, 2);
  near(d[0]!, (2 * 0.2) / 3);
  near(d[1]!, -1 / 3);
  assert.equal(d[2], 0);
  const h = 1e-3;
  for (let i = 0; i < 2; i++) {
    const plus = batch.values.slice();
    const minus = batch.values.slice();
    plus[i] = plus[i]! + h;
    minus[i] = minus[i]! - h;
    const fd = (offlineValueTdLoss({ ...batch, values: plus }, new Float32Array(3)).loss - offlineValueTdLoss({ ...batch, values: minus }, new Float32Array(3)).loss) / (2 * h);
    near(d[i]!, fd, 1e-3);
  }
});
