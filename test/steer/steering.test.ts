import { test } from "node:test";
import assert from "node:assert/strict";
import { valueGuidedProbabilities } from "../../lib/steer/value-guided-selection.js";
import { guidanceMix } from "../../lib/steer/guidance-mix.js";
import { Rng } from "../../lib/random/rng.js";

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

test("V-GPS on METHODS.md card 14: Q = [1, 2, 0.5, 1.5] at β = 1 and 0.5, and greedy", () => {
  close(valueGuidedProbabilities([1, 2, 0.5, 1.5], 1), [0.167405, 0.455054, 0.101536, 0.276004]);
  close(valueGuidedProbabilities([1, 2, 0.5, 1.5], 0.5), [0.087144, 0.643914, 0.032059, 0.236883]);
  assert.deepEqual([...valueGuidedProbabilities([1, 2, 0.5, 1.5], 0)], [0, 1, 0, 0]);
  assert.deepEqual([...valueGuidedProbabilities([3, 3, 1], -1)], [1, 0, 0], "ties: the lowest index");
  const far = valueGuidedProbabilities([1000, 0], 0.01);
  assert.ok(far.every(Number.isFinite) && far[0] === 1);
  assert.throws(() => valueGuidedProbabilities([], 1), /no candidates/);
  assert.throws(() => valueGuidedProbabilities([1, NaN], 1), /candidate 1 is NaN/);
});

test("RLG on METHODS.md card 15: ε_ref = [0.10, −0.20], ε_θ = [0.30, −0.10], w = 1.6 → [0.42, −0.04]", () => {
  close(guidanceMix([0.1, -0.2], [0.3, -0.1], 1.6), [0.42, -0.04], 1e-12);
  close(guidanceMix([0.1, -0.2], [0.3, -0.1], 0), [0.1, -0.2], 0);
  close(guidanceMix([0.1, -0.2], [0.3, -0.1], 1), [0.3, -0.1], 1e-15);
  assert.throws(() => guidanceMix([1], [1, 2], 1), /equal lengths/);
  assert.throws(() => guidanceMix([1], [1], Infinity), /w must be finite/);
});

test("RLG on logits is the normalized geometric mixture π_ref^(1−w) π_θ^w", () => {
  const softmax = (z: ArrayLike<number>) => {
    const m = Math.max(...Array.from(z));
    const e = Array.from(z, (x) => Math.exp(x - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  const rng = Rng.fromSeed(5);
  for (const w of [0.3, 1, 1.7, 2.5]) {
    const ref = Array.from({ length: 6 }, () => rng.uniform(-2, 2));
    const tuned = Array.from({ length: 6 }, () => rng.uniform(-2, 2));
    const pRef = softmax(ref);
    const pTuned = softmax(tuned);
    const geo = pRef.map((p, i) => p ** (1 - w) * pTuned[i]! ** w);
    const total = geo.reduce((a, b) => a + b, 0);
    close(softmax(guidanceMix(ref, tuned, w)), geo.map((g) => g / total), 1e-12);
  }
});
