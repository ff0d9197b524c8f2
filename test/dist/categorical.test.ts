import assert from "node:assert/strict";
import { test } from "node:test";
import { categoricalBackward, categoricalStats, logSoftmax, sampleCategorical } from "../../lib/dist/categorical.js";
import { Rng } from "../../lib/random/rng.js";

test("log-softmax, log π(a) and entropy of a hand-sized example", () => {
  // logits [0, ln 3] → p = [1/4, 3/4]; H = −(¼ ln ¼ + ¾ ln ¾) = 0.5623351446
  const stats = categoricalStats(Float32Array.of(0, Math.log(3)), 1, 2, Int32Array.of(1));
  assert.ok(Math.abs(stats.logp[0]! - Math.log(0.75)) < 1e-6);
  assert.ok(Math.abs(stats.entropy[0]! - 0.5623351446) < 1e-6);
  const lp = logSoftmax(Float32Array.of(1000, 1000), 1, 2, new Float32Array(2));
  assert.ok(Math.abs(lp[0]! - Math.log(0.5)) < 1e-6, "stable for large logits");
});

test("categorical gradients match finite differences", () => {
  const rng = Rng.fromSeed(11);
  const batch = 3;
  const k = 4;
  const logits = rng.fillNormal(new Float32Array(batch * k)) as Float32Array;
  const actions = Int32Array.of(0, 3, 2);
  const cLogp = Float32Array.of(0.7, -1.3, 0.4);
  const cEnt = Float32Array.of(-0.2, 0.5, 1.1);
  const objective = (z: Float32Array) => {
    const s = categoricalStats(z, batch, k, actions);
    let f = 0;
    for (let b = 0; b < batch; b++) f += cLogp[b]! * s.logp[b]! + cEnt[b]! * s.entropy[b]!;
    return f;
  };
  const stats = categoricalStats(logits, batch, k, actions);
  const grad = categoricalBackward(stats, batch, k, actions, cLogp, cEnt, new Float32Array(batch * k));
  const z = Float64Array.from(logits);
  for (let i = 0; i < z.length; i++) {
    const h = 1e-3;
    const plus = Float32Array.from(z);
    plus[i] = z[i]! + h;
    const minus = Float32Array.from(z);
    minus[i] = z[i]! - h;
    const fd = (objective(plus) - objective(minus)) / (2 * h);
    assert.ok(Math.abs(fd - grad[i]!) < 2e-3, `logit ${i}: analytic ${grad[i]} vs numeric ${fd}`);
  }
});

test("sampling follows the probabilities and reports their log", () => {
  const rng = Rng.fromSeed(5);
  const logits = Float32Array.of(0, Math.log(3));
  const counts = [0, 0];
  const actions = new Int32Array(1);
  const logp = new Float32Array(1);
  for (let i = 0; i < 20_000; i++) {
    sampleCategorical(logits, 1, 2, rng, actions, logp);
    counts[actions[0]!]!++;
    assert.ok(Math.abs(logp[0]! - Math.log(actions[0] === 1 ? 0.75 : 0.25)) < 1e-6);
  }
  assert.ok(Math.abs(counts[1]! / 20_000 - 0.75) < 0.015, `P(a=1) ≈ 0.75, got ${counts[1]! / 20_000}`);
});
