import assert from "node:assert/strict";
import { test } from "node:test";
import { rl, setDisplay, formatProgress, type TrainProgress } from "../../lib/index.js";

test("the progress line shows steps, updates, SPS, ETA and returns", () => {
  const line = formatProgress({ runId: "r", label: "ppo CartPole-v1", step: 12288, targetStep: 50000, callSteps: 12288, updates: 24, elapsedS: 1.5, sps: 8192, etaS: 4.6, lastReturn: 45.21, meanReturn: 38.06 });
  assert.equal(line, "[ppo CartPole-v1] 12,288/50,000 steps · 24 updates · 8,192 SPS · ETA 4.6s · return 45.2 · mean100 38.1");
});

test("offline training (no env steps) reports updates instead", () => {
  const line = formatProgress({ runId: "r", label: "bc CartPole-v1", step: 0, targetStep: undefined, callSteps: 0, updates: 3000, elapsedS: 1.5, sps: 0, etaS: undefined, lastReturn: undefined, meanReturn: undefined, stopped: "updates" });
  assert.equal(line, "[bc CartPole-v1] 3,000 updates · 2,000 updates/s · took 1.5s · stopped: updates");
});

test("train() reports progress to the installed display and a final report with the reason it stopped", async () => {
  const seen: TrainProgress[] = [];
  const previous = setDisplay({ progress: (p) => seen.push(p) });
  try {
    const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo({ numSteps: 32 })).build();
    await run.train({ steps: 4096 });
    const last = seen.at(-1)!;
    assert.equal(last.stopped, "steps");
    assert.equal(last.step, 4096);
    assert.equal(last.targetStep, 4096);
    assert.ok(last.sps > 0);
  } finally {
    setDisplay(previous);
  }
});
