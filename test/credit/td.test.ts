import assert from "node:assert/strict";
import { test } from "node:test";
import { episodeReturns } from "../../lib/credit/returns.js";
import { episodeAdvantages, lambdaReturns, tdErrors } from "../../lib/credit/td.js";
import { close, randomBatch } from "./credit-helpers.js";

test("TD errors, λ-returns and GAE on a hand-computed example", () => {
  // γ = 0.9, λ = 0.5. Episode 0 (terminated): r = [1, 2], V = [0.5, 1].
  //   δ1 = 2 + 0 − 1 = 1                δ0 = 1 + 0.9·1 − 0.5 = 1.4
  //   G^λ_1 = 2 + 0.9·(0.5·0 + 0.5·0) = 2
  //   G^λ_0 = 1 + 0.9·(0.5·1 + 0.5·2) = 2.35
  //   GAE: Â1 = 1, Â0 = 1.4 + 0.45·1 = 1.85 (= 2.35 − 0.5)
  // Episode 1 (truncated, V(s_T) = 2): r = [0], V = [1]:
  //   δ = 0 + 0.9·2 − 1 = 0.8, G^λ = 0.9·(0.5·2 + 0.5·2) = 1.8, Â = 0.8
  const batch = {
    rewards: Float32Array.of(1, 2, 0),
    values: Float32Array.of(0.5, 1, 1),
    terminated: Uint8Array.of(0, 1, 0),
    truncated: Uint8Array.of(0, 0, 1),
    offsets: Int32Array.of(0, 2, 3),
    bootstrap: [0, 2],
    gamma: 0.9,
    lambda: 0.5,
  };
  close(tdErrors(batch), [1.4, 1, 0.8]);
  close(lambdaReturns(batch), [2.35, 2, 1.8]);
  const gae = episodeAdvantages(batch);
  close(gae.advantages, [1.85, 1, 0.8]);
  close(gae.returns, [2.35, 2, 1.8]);
});

test("λ-returns equal the forward view of Sutton & Barto eq. 12.3 and GAE + V on random episodes", () => {
  for (const seed of [4, 5, 6]) {
    const b = randomBatch(seed);
    const gamma = 0.95;
    const lambda = 0.7;
    const batch = { ...b, gamma, lambda };
    const expected: number[] = [];
    const expectedDelta: number[] = [];
    for (let k = 0; k + 1 < b.offsets.length; k++) {
      const T = b.offsets[k + 1]!;
      const V = (i: number) => (i < T ? b.values[i]! : b.tail[k]!);
      // n-step return G_{t:t+n}; with t + n = T it is the full return G_t.
      const nStep = (t: number, n: number) => {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += gamma ** j * b.rewards[t + j]!;
        return sum + gamma ** n * V(t + n);
      };
      for (let t = b.offsets[k]!; t < T; t++) {
        let g = 0;
        for (let n = 1; n <= T - t - 1; n++) g += (1 - lambda) * lambda ** (n - 1) * nStep(t, n);
        expected.push(g + lambda ** (T - t - 1) * nStep(t, T - t));
        expectedDelta.push(b.rewards[t]! + gamma * V(t + 1) - b.values[t]!);
      }
    }
    const lr = lambdaReturns(batch);
    close(lr, expected);
    close(tdErrors(batch), expectedDelta);
    const gae = episodeAdvantages(batch);
    close(gae.returns, lr);
    close(
      gae.advantages,
      lr.map((x, i) => x - b.values[i]!),
    );
    // λ = 1: Monte-Carlo returns (bootstrapped at the tail); λ = 0: one-step targets r + γ V'.
    close(lambdaReturns({ ...batch, lambda: 1 }), episodeReturns(batch));
    close(
      lambdaReturns({ ...batch, lambda: 0 }),
      expectedDelta.map((d, i) => d + b.values[i]!),
    );
  }
});

test("TD functions check the values length", () => {
  const b = randomBatch(7);
  assert.throws(() => tdErrors({ ...b, values: b.values.subarray(1), gamma: 0.9 }), /values has/);
});
