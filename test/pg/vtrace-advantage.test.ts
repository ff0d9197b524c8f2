import { test } from "node:test";
import assert from "node:assert/strict";
import { vtracePolicyAdvantages } from "../../lib/pg/advantage/vtrace.js";
import { rl } from "../../lib/rl.js";
import { close, handRollout, handRolloutVs } from "../credit/credit-helpers.js";

const quiet = { progress() {}, metricsRow() {} };

// The hand-worked rollout of the V-trace tests: v = [2.46, 1, 3.8, 1.9], ρ = [0.5, 1, 1, 1].
const rollout = handRollout;
const vs = Float32Array.from(handRolloutVs);

test("V-trace policy advantages by hand: r + γ v_{t+1} − V, normalized, then weighted", () => {
  // raw: t0e0 1 + 0.9·3.8 − 0.5 = 3.92; t0e1 1 (episode ends); t1e0 2 + 0.9·2 − 1 = 2.8; t1e1 1 + 0.9·1 = 1.9
  close(vtracePolicyAdvantages(rollout, vs, null, 0.9, false, new Float32Array(4)), [3.92, 1, 2.8, 1.9]);
  // weighted by ρ without normalizing: IMPALA's A^pg
  close(vtracePolicyAdvantages(rollout, vs, Float32Array.of(0.5, 1, 1, 1), 0.9, false, new Float32Array(4)), [1.96, 1, 2.8, 1.9]);
  // mean 2.405, sample std 1.249039: (raw − mean)/std, then × ρ
  close(vtracePolicyAdvantages(rollout, vs, Float32Array.of(0.5, 1, 1, 1), 0.9, true, new Float32Array(4)), [0.606466, -1.124864, 0.316243, -0.404311]);
});

test("rl.adv.vtrace() on-policy (no workers): importance weights 1, nothing clipped, and PPO learns CartPole as with GAE", async () => {
  const run = rl.env("CartPole-v1", { n: 4, seed: 5 }).policy(rl.mlp([32])).algo(rl.ppo({ numSteps: 64 }).advantage(rl.adv.vtrace({ lambda: 0.95 }))).record(false).build();
  try {
    await run.train({ steps: 4 * 64 * 40, display: quiet });
    const col = (k: string) => [...(run.metrics.getChild(k)!.toArray() as Float64Array)];
    for (const rho of col("rhoMean")) assert.ok(Math.abs(rho - 1) < 1e-5, `ρ ${rho}`);
    assert.ok(col("rhoClipped").every((x) => x === 0));
    const returns = col("episodicReturn").filter(Number.isFinite);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(mean(returns.slice(-5)) > 2 * mean(returns.slice(0, 5)), `returns ${returns.slice(0, 5)} → ${returns.slice(-5)}`);
  } finally {
    run.dispose();
  }
});
