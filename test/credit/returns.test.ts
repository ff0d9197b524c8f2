import assert from "node:assert/strict";
import { test } from "node:test";
import { episodeReturns } from "../../lib/credit/returns.js";
import { close, randomBatch } from "./credit-helpers.js";

test("episodeReturns on a hand-computed terminated and a truncated episode", () => {
  // γ = 0.5. Episode 0 terminates: G2 = 3, G1 = 2 + 0.5·3 = 3.5, G0 = 1 + 0.5·3.5 = 2.75.
  // Episode 1 is truncated with V(s_T) = 10: G1 = 1 + 0.5·10 = 6, G0 = 1 + 0.5·6 = 4.
  // The bootstrap of episode 0 (99) is ignored: it terminated.
  const g = episodeReturns({
    rewards: Float32Array.of(1, 2, 3, 1, 1),
    terminated: Uint8Array.of(0, 0, 1, 0, 0),
    truncated: Uint8Array.of(0, 0, 0, 0, 1),
    offsets: Int32Array.of(0, 3, 5),
    bootstrap: [99, 10],
    gamma: 0.5,
  });
  close(g, [2.75, 3.5, 3, 4, 6]);
});

test("episodeReturns equals Σ γ^k r_{t+k} + γ^{T−t} V(s_T) on random episodes", () => {
  for (const seed of [1, 2, 3]) {
    const b = randomBatch(seed);
    const gamma = 0.93;
    const g = episodeReturns({ ...b, gamma });
    const expected: number[] = [];
    for (let k = 0; k + 1 < b.offsets.length; k++) {
      const T = b.offsets[k + 1]!;
      for (let t = b.offsets[k]!; t < T; t++) {
        let sum = 0;
        for (let j = t; j < T; j++) sum += gamma ** (j - t) * b.rewards[j]!;
        expected.push(sum + gamma ** (T - t) * b.tail[k]!);
      }
    }
    close(g, expected);
  }
});

test("episodeReturns rejects flags inside an episode and missing bootstraps", () => {
  const base = { rewards: Float32Array.of(1, 1), truncated: Uint8Array.of(0, 0), offsets: Int32Array.of(0, 2), gamma: 0.9 };
  assert.throws(() => episodeReturns({ ...base, terminated: Uint8Array.of(1, 1) }), /row 0 of episode 0 is flagged terminated/);
  assert.throws(() => episodeReturns({ ...base, terminated: Uint8Array.of(0, 0) }), /episode 0 ends unfinished and needs a bootstrap/);
  assert.throws(() => episodeReturns({ ...base, terminated: Uint8Array.of(0, 1), offsets: Int32Array.of(0, 1) }), /offsets/);
  close(episodeReturns({ ...base, terminated: Uint8Array.of(0, 0), bootstrap: [0] }), [1.9, 1]);
});
