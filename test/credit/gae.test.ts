import assert from "node:assert/strict";
import { test } from "node:test";
import { discountedReturns, explainedVariance, generalizedAdvantages, normalizeInPlace } from "../../lib/credit/gae.js";
import { Rng } from "../../lib/random/rng.js";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test("GAE on a hand-computed 3-step rollout with an episode boundary", () => {
  // γ = 0.9, λ = 0.8; the obs at t = 2 starts a new episode (dones[2] = 1).
  // δ2 = 1 + 0.9·0.2 − 0.3 = 0.88          Â2 = 0.88
  // δ1 = 1 + 0 − 0.4 = 0.6 (episode ended)  Â1 = 0.6
  // δ0 = 1 + 0.9·0.4 − 0.5 = 0.86          Â0 = 0.86 + 0.72·0.6 = 1.292
  const out = generalizedAdvantages({
    rewards: Float32Array.of(1, 1, 1),
    values: Float32Array.of(0.5, 0.4, 0.3),
    dones: Float32Array.of(0, 0, 1),
    nextValue: Float32Array.of(0.2),
    nextDone: Float32Array.of(0),
    numEnvs: 1,
    gamma: 0.9,
    lambda: 0.8,
  });
  close(out.advantages, [1.292, 0.6, 0.88]);
  close(out.returns, [1.792, 1.0, 1.18]);
});

test("GAE equals the explicit sum Σ (γλ)^l δ_{t+l} on random multi-env data", () => {
  const rng = Rng.fromSeed(3);
  const T = 17;
  const N = 3;
  const rewards = rng.fillNormal(new Float32Array(T * N)) as Float32Array;
  const values = rng.fillNormal(new Float32Array(T * N)) as Float32Array;
  const dones = new Float32Array(T * N).map(() => (rng.float() < 0.15 ? 1 : 0));
  const nextValue = rng.fillNormal(new Float32Array(N)) as Float32Array;
  const nextDone = Float32Array.of(0, 1, 0);
  const gamma = 0.97;
  const lambda = 0.9;
  const { advantages } = generalizedAdvantages({ rewards, values, dones, nextValue, nextDone, numEnvs: N, gamma, lambda });
  for (let e = 0; e < N; e++) {
    const v = (t: number) => (t === T ? nextValue[e]! : values[t * N + e]!);
    const d = (t: number) => (t === T ? nextDone[e]! : dones[t * N + e]!);
    const delta = (t: number) => rewards[t * N + e]! + gamma * v(t + 1) * (1 - d(t + 1)) - v(t);
    for (let t = 0; t < T; t++) {
      let sum = 0;
      let w = 1;
      for (let l = t; l < T; l++) {
        sum += w * delta(l);
        if (d(l + 1)) break;
        w *= gamma * lambda;
      }
      assert.ok(Math.abs(advantages[t * N + e]! - sum) < 1e-4, `env ${e} t ${t}: ${advantages[t * N + e]} vs ${sum}`);
    }
  }
});

test("GAE with λ = 1 and zero values gives discounted returns", () => {
  const rewards = Float32Array.of(1, 2, 3, 4);
  const dones = Float32Array.of(0, 0, 0, 0);
  const input = { rewards, dones, nextValue: Float32Array.of(10), nextDone: Float32Array.of(0), numEnvs: 1, gamma: 0.5 };
  const g = discountedReturns(input);
  // G3 = 4 + 0.5·10 = 9, G2 = 3 + 4.5, G1 = 2 + 3.75, G0 = 1 + 2.875
  close(g, [3.875, 5.75, 7.5, 9]);
  const { returns } = generalizedAdvantages({ ...input, values: new Float32Array(4), lambda: 1 });
  close(returns, g);
});

test("GAE rejects mismatched lengths with a clear message", () => {
  assert.throws(
    () => generalizedAdvantages({ rewards: new Float32Array(4), values: new Float32Array(3), dones: new Float32Array(4), nextValue: new Float32Array(1), nextDone: new Float32Array(1), numEnvs: 1, gamma: 1, lambda: 1 }),
    /equal length/,
  );
});

test("normalization uses the unbiased std like torch and explained variance matches its definition", () => {
  const x = normalizeInPlace(Float32Array.of(1, 2, 3, 4));
  // mean 2.5, unbiased std sqrt(5/3)
  close(x, [-1.5, -0.5, 0.5, 1.5].map((v) => v / Math.sqrt(5 / 3)));
  assert.equal(explainedVariance(Float32Array.of(1, 2, 3), Float32Array.of(1, 2, 3)), 1);
  // residual var = var([1,1,1] - ...) : predicting the mean explains nothing
  assert.ok(Math.abs(explainedVariance(Float32Array.of(2, 2, 2), Float32Array.of(1, 2, 3))) < 1e-12);
});
