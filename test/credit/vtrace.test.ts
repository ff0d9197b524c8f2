import { test } from "node:test";
import assert from "node:assert/strict";
import { lambdaReturns } from "../../lib/credit/td.js";
import { vtrace } from "../../lib/credit/vtrace.js";
import { Rng } from "../../lib/random/rng.js";
import { close, randomBatch } from "./credit-helpers.js";

test("V-trace on a hand-computed two-step episode", () => {
  // γ = 0.9, λ = 1, ρ̄ = c̄ = 1; r = [1, 1], V = [0.5, 0.4], terminated.
  // π/μ: step 0: 0.8/0.4 = 2 → ρ0 = c0 = 1; step 1: 0.2/0.4 = 0.5 → ρ1 = c1 = 0.5.
  //   δ1 V = 0.5·(1 + 0 − 0.4) = 0.3                 v1 = 0.4 + 0.3 = 0.7
  //   δ0 V = 1·(1 + 0.9·0.4 − 0.5) = 0.86           v0 = 0.5 + 0.86 + 0.9·1·(0.7 − 0.4) = 1.63
  //   A^pg_0 = 1·(1 + 0.9·0.7 − 0.5) = 1.13          A^pg_1 = 0.5·(1 + 0 − 0.4) = 0.3
  const out = vtrace({
    rewards: Float32Array.of(1, 1),
    values: Float32Array.of(0.5, 0.4),
    terminated: Uint8Array.of(0, 1),
    truncated: Uint8Array.of(0, 0),
    offsets: Int32Array.of(0, 2),
    behaviorLogp: Float64Array.of(Math.log(0.4), Math.log(0.4)),
    targetLogp: Float64Array.of(Math.log(0.8), Math.log(0.2)),
    gamma: 0.9,
  });
  close(out.vs, [1.63, 0.7]);
  close(out.pgAdvantages, [1.13, 0.3]);
  close(out.rhos, [1, 0.5]);
});

test("V-trace equals the explicit sum of IMPALA eq. 1 on random off-policy episodes", () => {
  for (const seed of [11, 12, 13]) {
    const b = randomBatch(seed);
    const rng = Rng.fromSeed(seed + 100);
    const n = b.rewards.length;
    const behaviorLogp = Float32Array.from({ length: n }, () => Math.log(rng.uniform(0.05, 1)));
    const targetLogp = Float32Array.from({ length: n }, () => Math.log(rng.uniform(0.05, 1)));
    const gamma = 0.97;
    const rhoBar = 1.2;
    const cBar = 0.9;
    const pgRhoBar = 1.5;
    const lambda = 0.8;
    const out = vtrace({ ...b, behaviorLogp, targetLogp, gamma, rhoBar, cBar, pgRhoBar, lambda });
    const vs: number[] = [];
    const pg: number[] = [];
    for (let k = 0; k + 1 < b.offsets.length; k++) {
      const T = b.offsets[k + 1]!;
      const V = (i: number) => (i < T ? b.values[i]! : b.tail[k]!);
      const ratio = (i: number) => Math.exp(targetLogp[i]! - behaviorLogp[i]!);
      const vAt = (s: number) => {
        if (s === T) return b.tail[k]!; // v_T = V(s_T)
        let sum = V(s);
        for (let t = s; t < T; t++) {
          let prod = 1;
          for (let i = s; i < t; i++) prod *= lambda * Math.min(cBar, ratio(i));
          sum += gamma ** (t - s) * prod * Math.min(rhoBar, ratio(t)) * (b.rewards[t]! + gamma * V(t + 1) - V(t));
        }
        return sum;
      };
      for (let s = b.offsets[k]!; s < T; s++) {
        vs.push(vAt(s));
        pg.push(Math.min(pgRhoBar, ratio(s)) * (b.rewards[s]! + gamma * vAt(s + 1) - V(s)));
      }
    }
    close(out.vs, vs);
    close(out.pgAdvantages, pg);
  }
});

test("on-policy V-trace (π = μ) is the λ-return", () => {
  const b = randomBatch(21);
  const logp = new Float32Array(b.rewards.length).fill(Math.log(0.3));
  const out = vtrace({ ...b, behaviorLogp: logp, targetLogp: logp, gamma: 0.9, lambda: 0.6 });
  close(out.vs, lambdaReturns({ ...b, gamma: 0.9, lambda: 0.6 }));
});

test("V-trace rejects NaN log-probabilities", () => {
  const b = randomBatch(22, 3);
  const logp = new Float32Array(b.rewards.length).fill(NaN);
  assert.throws(() => vtrace({ ...b, behaviorLogp: logp, targetLogp: logp, gamma: 0.9 }), /NaN log-probability/);
});
