import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { majorityAtK, passAtK } from "../../lib/seq/eval/pass-at-k.js";

const binom = (n: number, k: number): number => (k < 0 || k > n ? 0 : Array.from({ length: k }, (_, i) => (n - i) / (i + 1)).reduce((a, b) => a * b, 1));

test("pass@k: hand cases (n = 4, c = 1: pass@1 = 1/4, pass@2 = 1 − C(3,2)/C(4,2) = 1/2), the edges, and bad inputs", () => {
  assert.equal(passAtK(4, 1, 1), 0.25);
  assert.ok(Math.abs(passAtK(4, 1, 2) - 0.5) < 1e-12);
  assert.equal(passAtK(4, 0, 3), 0);
  assert.equal(passAtK(4, 2, 3), 1, "fewer wrong samples than k: always a correct one among k");
  assert.equal(passAtK(5, 5, 5), 1);
  for (const [n, c, k] of [[0, 0, 1], [4, 5, 1], [4, 1, 0], [4, 1, 5], [4.5, 1, 1]] as const) assert.throws(() => passAtK(n, c, k), /expected integers 1 ≤ k ≤ n and 0 ≤ c ≤ n/);
});

test("pass@k equals 1 − C(n − c, k) / C(n, k), and pass@1 = c / n (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer({ min: 1, max: n }))), ([n, c, k]) => {
      const want = 1 - binom(n - c, k) / binom(n, k);
      assert.ok(Math.abs(passAtK(n, c, k) - want) < 1e-9, `n ${n} c ${c} k ${k}`);
      assert.ok(Math.abs(passAtK(n, c, 1) - c / n) < 1e-12);
    }),
  );
});

test("maj@k: the most frequent extracted answer among the first k decides; nulls are not votes", () => {
  const ok = (a: string) => a === "85";
  assert.equal(majorityAtK(["85", "84", "85", null], 4, ok), true);
  assert.equal(majorityAtK(["84", "84", "85", "85", "85"], 2, ok), false);
  assert.equal(majorityAtK(["84", "84", "85", "85", "85"], 5, ok), true);
  assert.equal(majorityAtK([null, null], 2, ok), false);
  assert.throws(() => majorityAtK(["85"], 2, ok), /1 ≤ k ≤ 1/);
});
