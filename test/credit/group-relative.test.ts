import assert from "node:assert/strict";
import { test } from "node:test";
import { groupRelativeAdvantages } from "../../lib/credit/group-relative.js";
import { Rng } from "../../lib/random/rng.js";
import { close } from "./credit-helpers.js";

test("group-relative advantages on a hand-computed batch", () => {
  // Group 7: r = [1, 2, 3], mean 2, sample std √((1 + 0 + 1) / 2) = 1 → [−1, 0, 1].
  //   Population std √(2/3) ≈ 0.816497 → [−1.224745, 0, 1.224745].
  // Group 9: r = [4, 4] (zero variance) → [0, 0], flagged; group 5: one output → 0, flagged.
  const rewards = Float32Array.of(1, 4, 2, 0, 3, 4);
  const groups = Int32Array.of(7, 9, 7, 5, 7, 9);
  const out = groupRelativeAdvantages(rewards, groups);
  close(out.advantages, [-1, 0, 0, 0, 1, 0]);
  assert.deepEqual(out.groups, [7, 9, 5]);
  assert.deepEqual([...out.counts], [3, 2, 1]);
  close(out.means, [2, 4, 0]);
  close(out.stds, [1, 0, 0]);
  assert.deepEqual(out.zeroVarianceGroups, [9, 5]);
  assert.deepEqual([...out.zeroVariance], [0, 1, 0, 1, 0, 1]);
  const pop = groupRelativeAdvantages(rewards, groups, { std: "population" });
  close(pop.advantages, [-1.224745, 0, 0, 0, 1.224745, 0]);
  const centered = groupRelativeAdvantages(rewards, groups, { normalize: "none" });
  close(centered.advantages, [-1, 0, 0, 0, 1, 0]);
  assert.deepEqual(centered.zeroVarianceGroups, [9, 5]);
});

test("equal rewards whose float mean rounds give exactly zero advantages", () => {
  const out = groupRelativeAdvantages(Float64Array.of(0.1, 0.1, 0.1), Float64Array.of(3, 3, 3));
  assert.deepEqual([...out.advantages], [0, 0, 0]);
  assert.deepEqual(out.zeroVarianceGroups, [3]);
});

test("group-relative advantages match a per-group brute force on random int64 groups", () => {
  const rng = Rng.fromSeed(31);
  const n = 200;
  const ids = BigInt64Array.from({ length: n }, () => BigInt(rng.int(17)) * 1_000_000_007n);
  const rewards = Float32Array.from({ length: n }, () => (rng.float() < 0.3 ? 1 : rng.uniform(-1, 1)));
  for (const std of ["sample", "population"] as const) {
    for (const normalize of ["std", "none"] as const) {
      const eps = 1e-6;
      const out = groupRelativeAdvantages(rewards, ids, { std, normalize, eps });
      const expected = Array.from(rewards, (r, i) => {
        const members = Array.from(rewards).filter((_, j) => ids[j] === ids[i]);
        const mean = members.reduce((a, b) => a + b, 0) / members.length;
        if (members.every((x) => x === members[0])) return 0;
        const ss = members.reduce((a, b) => a + (b - mean) ** 2, 0);
        const sd = Math.sqrt(ss / (std === "sample" ? members.length - 1 : members.length));
        return normalize === "std" ? (r - mean) / (sd + eps) : r - mean;
      });
      close(out.advantages, expected);
    }
  }
});

test("group-relative advantages validate their inputs", () => {
  assert.throws(() => groupRelativeAdvantages(Float32Array.of(1, 2), Int32Array.of(1)), /2 rewards but 1 group ids/);
  assert.throws(() => groupRelativeAdvantages(Float32Array.of(1), Float64Array.of(NaN)), /group id at row 0/);
});
