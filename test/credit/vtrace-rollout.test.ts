import { test } from "node:test";
import assert from "node:assert/strict";
import { generalizedAdvantages } from "../../lib/credit/gae.js";
import { rolloutVtrace } from "../../lib/credit/vtrace-rollout.js";
import { vtrace } from "../../lib/credit/vtrace.js";
import { Rng } from "../../lib/random/rng.js";
import { close, handRollout, handRolloutVs } from "./credit-helpers.js";

test("rollout V-trace on a hand-computed rollout of two env copies", () => {
  // γ = 0.9, λ = 1, ρ̄ = c̄ = 1. Time-major rows t·2 + e.
  // Copy 0: r = [1, 2], V = [0.5, 1.0], V(s_2) = 2, no episode end; π/μ = [0.25/0.5, 1/0.5] = [0.5, 2].
  //   t = 1: ρ = c = 1;   δ = 2 + 0.9·2 − 1 = 2.8;  v1 = 1 + 2.8 + 0 = 3.8;              A1 = 2.8
  //   t = 0: ρ = c = 0.5; δ = 0.5·(1 + 0.9·1 − 0.5) = 0.7;  v0 = 0.5 + 0.7 + 0.9·0.5·(3.8 − 1) = 2.46
  //          A0 = 0.5·(1 + 0.9·3.8 − 0.5) = 1.96
  // Copy 1: r = [1, 1], V = [0, 0], an episode ends after t = 0 (dones[t=1] = 1), V(s_2) = 1, π = μ.
  //   t = 1: v1 = 1 + 0.9·1 = 1.9 = A1;   t = 0: no bootstrap: v0 = 1 = A0
  const out = rolloutVtrace({ ...handRollout, gamma: 0.9 });
  close(out.vs, handRolloutVs);
  close(out.pgAdvantages, [1.96, 1, 2.8, 1.9]);
  close(out.rhos, [0.5, 1, 1, 1]);
});

/** A random time-major rollout with episode ends anywhere, and its episode-major twin. */
function randomRollout(seed: number, n = 3, T = 9) {
  const rng = Rng.fromSeed(seed);
  const size = n * T;
  const rewards = Float32Array.from({ length: size }, () => rng.uniform(-1, 2));
  const values = Float32Array.from({ length: size }, () => rng.uniform(-1, 3));
  const dones = Float32Array.from({ length: size }, (_, i) => (i >= n && rng.uniform(0, 1) < 0.2 ? 1 : 0));
  const nextValue = Float32Array.from({ length: n }, () => rng.uniform(-2, 4));
  const nextDone = Float32Array.from({ length: n }, (_, e) => e % 2);
  const behaviorLogp = Float32Array.from({ length: size }, () => Math.log(rng.uniform(0.05, 1)));
  const targetLogp = Float32Array.from({ length: size }, () => Math.log(rng.uniform(0.05, 1)));
  // episode-major: per copy, its segments between episode starts; a segment ended inside the rollout terminated (the
  // rollout's rewards already hold a truncation's bootstrap), the last one bootstraps from V(s_T) unless nextDone
  const order: number[] = [];
  const offsets = [0];
  const terminated: number[] = [];
  const truncated: number[] = [];
  const bootstrap: number[] = [];
  for (let e = 0; e < n; e++) {
    for (let t = 0; t < T; t++) {
      order.push(t * n + e);
      terminated.push(0);
      truncated.push(0);
      const last = t === T - 1;
      if (last || dones[(t + 1) * n + e]) {
        offsets.push(order.length);
        const ends = last ? nextDone[e]! === 1 : true;
        if (ends) terminated[order.length - 1] = 1;
        bootstrap.push(last && !ends ? nextValue[e]! : 0);
      }
    }
  }
  const pick = (a: Float32Array) => Float32Array.from(order, (i) => a[i]!);
  return {
    rollout: { rewards, values, dones, nextValue, nextDone, numEnvs: n, behaviorLogp, targetLogp },
    episodes: { rewards: pick(rewards), values: pick(values), terminated: Uint8Array.from(terminated), truncated: Uint8Array.from(truncated), offsets: Int32Array.from(offsets), bootstrap: Float32Array.from(bootstrap), behaviorLogp: pick(behaviorLogp), targetLogp: pick(targetLogp) },
    order,
  };
}

test("rollout V-trace equals the episode-major V-trace on the same episodes (random rollouts, clipped and traced)", () => {
  for (const seed of [1, 2, 3, 4]) {
    const { rollout, episodes, order } = randomRollout(seed);
    const knobs = { gamma: 0.95, lambda: 0.8, rhoBar: 1.3, cBar: 0.9, pgRhoBar: 1.6 };
    const a = rolloutVtrace({ ...rollout, ...knobs });
    const b = vtrace({ ...episodes, ...knobs });
    const back = (x: Float32Array) => {
      const out = new Float32Array(x.length);
      order.forEach((i, k) => (out[i] = x[k]!));
      return out;
    };
    close(a.vs, back(b.vs));
    close(a.pgAdvantages, back(b.pgAdvantages));
    close(a.rhos, back(b.rhos));
  }
});

test("on-policy rollout V-trace (π = μ) gives GAE's λ-returns", () => {
  const { rollout } = randomRollout(9, 4, 12);
  const out = rolloutVtrace({ ...rollout, targetLogp: rollout.behaviorLogp, gamma: 0.97, lambda: 0.7 });
  const gae = generalizedAdvantages({ ...rollout, gamma: 0.97, lambda: 0.7 });
  close(out.vs, gae.returns);
});

test("rollout V-trace rejects unequal lengths, a shape that does not divide, NaN log-probabilities and clips ≤ 0", () => {
  const { rollout } = randomRollout(5, 2, 3);
  assert.throws(() => rolloutVtrace({ ...rollout, targetLogp: new Float32Array(5), gamma: 0.9 }), /equal length/);
  assert.throws(() => rolloutVtrace({ ...rollout, numEnvs: 4, gamma: 0.9 }), /multiple of numEnvs 4/);
  assert.throws(() => rolloutVtrace({ ...rollout, behaviorLogp: new Float32Array(6).fill(NaN), gamma: 0.9 }), /NaN log-probability/);
  assert.throws(() => rolloutVtrace({ ...rollout, rhoBar: 0, gamma: 0.9 }), /must be > 0/);
});
