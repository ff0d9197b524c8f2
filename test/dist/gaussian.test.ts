import assert from "node:assert/strict";
import { test } from "node:test";
import { gaussianBackward, gaussianStats, sampleGaussian } from "../../lib/dist/gaussian.js";
import { Rng } from "../../lib/random/rng.js";

test("diagonal Gaussian log-density and entropy of a hand-sized example", () => {
  // μ = (0, 1), log σ = (0, ln 2), a = (1, 1): log p = −½·1 − ½ln2π + (0 − ln2 − ½ln2π)
  const s = gaussianStats(Float32Array.of(0, 1), Float32Array.of(0, Math.log(2)), 1, 2, Float32Array.of(1, 1));
  const expected = -0.5 - Math.log(2) - Math.log(2 * Math.PI);
  assert.ok(Math.abs(s.logp[0]! - expected) < 1e-6);
  // H = Σ log σ + d/2 (1 + ln 2π)
  assert.ok(Math.abs(s.entropy[0]! - (Math.log(2) + 1 + Math.log(2 * Math.PI))) < 1e-6);
});

test("Gaussian gradients match finite differences (mean and log σ)", () => {
  const rng = Rng.fromSeed(2);
  const batch = 4;
  const d = 2;
  const mean = rng.fillNormal(new Float32Array(batch * d)) as Float32Array;
  const logStd = Float32Array.of(-0.3, 0.2);
  const actions = rng.fillNormal(new Float32Array(batch * d)) as Float32Array;
  const cLogp = Float32Array.of(0.5, -1, 2, 0.1);
  const cEnt = 0.3;
  const f = (m: Float32Array, ls: Float32Array) => {
    const s = gaussianStats(m, ls, batch, d, actions);
    let v = 0;
    for (let b = 0; b < batch; b++) v += cLogp[b]! * s.logp[b]! + cEnt * s.entropy[b]!;
    return v;
  };
  const dMean = new Float32Array(batch * d);
  const dLogStd = new Float32Array(d);
  gaussianBackward(mean, logStd, batch, d, actions, cLogp, cEnt, dMean, dLogStd);
  const h = 1e-3;
  for (let i = 0; i < mean.length; i++) {
    const p = mean.slice();
    p[i] = p[i]! + h;
    const m = mean.slice();
    m[i] = m[i]! - h;
    const fd = (f(p, logStd) - f(m, logStd)) / (2 * h);
    assert.ok(Math.abs(fd - dMean[i]!) < 5e-3, `mean ${i}: ${dMean[i]} vs ${fd}`);
  }
  for (let j = 0; j < d; j++) {
    const p = logStd.slice();
    p[j] = p[j]! + h;
    const m = logStd.slice();
    m[j] = m[j]! - h;
    const fd = (f(mean, p) - f(mean, m)) / (2 * h);
    assert.ok(Math.abs(fd - dLogStd[j]!) < 5e-3, `logStd ${j}: ${dLogStd[j]} vs ${fd}`);
  }
});

test("Gaussian sampling has the right moments and log-probabilities", () => {
  const rng = Rng.fromSeed(9);
  const mean = Float32Array.of(1.5);
  const logStd = Float32Array.of(Math.log(0.5));
  const a = new Float32Array(1);
  const lp = new Float32Array(1);
  let s = 0;
  let ss = 0;
  const N = 20_000;
  for (let i = 0; i < N; i++) {
    sampleGaussian(mean, logStd, 1, 1, rng, a, lp);
    s += a[0]!;
    ss += a[0]! ** 2;
    const check = gaussianStats(mean, logStd, 1, 1, a).logp[0]!;
    assert.ok(Math.abs(check - lp[0]!) < 1e-4);
  }
  const m = s / N;
  assert.ok(Math.abs(m - 1.5) < 0.02);
  assert.ok(Math.abs(Math.sqrt(ss / N - m * m) - 0.5) < 0.02);
});
