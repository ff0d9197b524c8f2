import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rl, Rng, type AlgoInstance, type Dataset, type Run } from "../../../lib/index.js";
import type { DqnInstance } from "../../../lib/algos/off-policy/dqn.js";
import { ReplayBatch } from "../../../lib/algos/off-policy/replay-buffer.js";
import { buildProblems, ppoCartPoleData } from "../../helpers/runs.js";

let real: Promise<Dataset> | undefined;
/** 10k transitions of the "real" CartPole-v1 (pole half-length 0.5) from a PPO policy averaging ≥ 150. */
function realData(): Promise<Dataset> {
  real ??= ppoCartPoleData(150, 500_000).then((data) => rl.dataset.from(data.slice(Math.max(0, data.numRows - 10_000))));
  return real;
}

/** DQN on a CartPole "simulator" with pole half-length `length`, the real data mixed in half and half. */
const simRun = (ds: Dataset, length: number, dynamicsGap: boolean | object = true) =>
  rl
    .env("CartPole-v1", { seed: 5, length })
    .policy(rl.mlp([64, 64], { activation: "relu" }))
    .record(false)
    .algo(rl.dqn({ totalSteps: 5_000, learningStarts: 1_000, trainFrequency: 2, targetNetworkFrequency: 250, lr: 1e-3, batchSize: 128 }))
    .mix(rl.data.offline(ds, { ratio: 0.5, dynamicsGap }))
    .build();

/** Mean estimated log P_real(s'|s,a) / P_sim(s'|s,a) over 512 simulated transitions from the run's replay buffer. */
function meanLogRatio(run: Run): number {
  const algo = run.algo as unknown as DqnInstance;
  const rows = algo.gap!.batchSize;
  const rng = Rng.fromSeed(3);
  const batch = new ReplayBatch(rows, 4, 1, true);
  const out = new Float32Array(rows);
  let sum = 0;
  for (let k = 0; k < 4; k++) {
    algo.buffer.sample(rng, batch);
    algo.gap!.logRatios(batch, rows, out);
    sum += out.reduce((s, x) => s + x, 0);
  }
  return sum / (4 * rows);
}

test("H2O's dynamics ratio: ~1 when the simulator matches the real CartPole, smaller the longer its pole", async () => {
  const ds = await realData();
  const estimates: Record<number, number> = {};
  for (const length of [0.5, 0.6, 1.0]) {
    const run = simRun(ds, length);
    await run.train({ steps: 5_000 });
    estimates[length] = meanLogRatio(run);
    const w = run.metrics.getChild("dynamicsWeight")!.toArray() as Float64Array;
    assert.ok(w.every((x) => x >= 0 && x <= 1), "weights are clipped to [0, 1] by default");
    run.dispose();
  }
  console.log(`mean log dynamics ratio of simulated transitions by pole half-length: ${JSON.stringify(estimates)}`);
  // The same dynamics: the (s, a) classifier cancels the state-action shift between the two sources (different policies).
  assert.ok(Math.abs(estimates[0.5]!) < 0.5, `matched dynamics: ${estimates[0.5]}`);
  assert.ok(estimates[0.6]! < estimates[0.5]! - 0.5, `a 20% longer pole is told apart: ${estimates[0.6]}`);
  assert.ok(estimates[1.0]! < estimates[0.6]! - 2, `a doubled pole even more: ${estimates[1.0]}`);
});

test("H2O weights apply from the warm-up on: until then the run equals one whose weights are clipped to 1", async () => {
  const ds = await realData();
  // Both runs train the same classifiers with the same draws; `neutral` clips every weight to 1.
  const neutral = simRun(ds, 1.0, { clipMin: 1, clipMax: 1 });
  const weighted = simRun(ds, 1.0, { warmup: 100 });
  const params = (run: Run) => ((run.algo as AlgoInstance).saveState().arrays.params as Float32Array).slice();
  // learningStarts 1000, a gradient step at every even step index past it: 100 updates after 1202 steps.
  for (const r of [neutral, weighted]) await r.train({ steps: 1_202 });
  assert.equal(weighted.algo.updates, 100);
  assert.deepEqual(params(weighted), params(neutral));
  for (const r of [neutral, weighted]) await r.train({ steps: 2_798 });
  assert.notDeepEqual(params(weighted), params(neutral));
  assert.deepEqual(Array.from(neutral.metrics.getChild("dynamicsWeight")!.toArray() as Float64Array).filter((w) => w !== 1), []);
  const w = Array.from(weighted.metrics.getChild("dynamicsWeight")!.toArray() as Float64Array);
  assert.ok(w.at(-1)! < 0.5, `simulated rows of a doubled pole weigh little: ${w.at(-1)}`);
  // Sim-to-real: evaluate on the real CartPole (the run's env options replaced for the evaluation).
  const onReal = await weighted.evaluate({ episodes: 4, env: { length: 0.5 } });
  const onSim = await weighted.evaluate({ episodes: 4 });
  assert.notDeepEqual(Array.from(onReal.lengths), Array.from(onSim.lengths));
  for (const r of [neutral, weighted]) r.dispose();
  const bandit = rl.env("Bandit-v0", { k: 3 }).algo(rl.ppo({ numSteps: 8, minibatches: 1 })).record(false).build();
  await assert.rejects(bandit.evaluate({ env: { k: 5 } }), /evaluate\(\{ env \}\): with \{"k":5\} the env observes/);
  bandit.dispose();
});

test("H2O mixing: save/load mid-training continues identically; errors for other algorithms and all-dataset minibatches", async () => {
  const ds = await realData();
  const dir = await mkdtemp(join(tmpdir(), "trellis-h2o-"));
  try {
    const build = () =>
      rl
        .env("CartPole-v1", { seed: 8, length: 0.8 })
        .record(false)
        .algo(rl.dqn({ learningStarts: 100, trainFrequency: 2, batchSize: 32, targetNetworkFrequency: 60 }))
        .mix(rl.data.offline(ds, { ratio: 0.5, dynamicsGap: { hidden: [16], warmup: 20 } }))
        .build();
    const whole = build();
    await whole.train({ steps: 700 });
    const first = build();
    await first.train({ steps: 400 });
    await first.save(join(dir, "run"));
    const loaded = await rl.load(join(dir, "run"));
    assert.deepEqual(loaded.mix?.dynamicsGap?.hidden, [16]);
    await loaded.train({ steps: 300 });
    const state = (run: Run) => (run.algo as AlgoInstance).saveState().arrays;
    assert.deepEqual(state(loaded)["gap.params"], state(whole)["gap.params"]);
    assert.deepEqual(state(loaded).params, state(whole).params);
    for (const r of [whole, first, loaded]) r.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const problems = buildProblems;
  assert.ok(problems(() => rl.env("CartPole-v1").algo(rl.dqn()).mix(rl.data.offline(ds, { ratio: 1, dynamicsGap: true })).build()).some((p) => p.startsWith("mix.dynamicsGap: the classifiers need both dataset (real) and replay (simulated) rows")));
  const bad = problems(() => rl.env("CartPole-v1").algo(rl.dqn()).mix(rl.data.offline(ds, { dynamicsGap: { hidden: [], clipMin: 2, clipMax: 1, noise: -1 } })).build());
  for (const path of ["mix.dynamicsGap.hidden", "mix.dynamicsGap.noise", "mix.dynamicsGap: clipMin 2 exceeds clipMax 1"]) assert.ok(bad.some((p) => p.startsWith(path)), `${path} in ${bad.join("\n")}`);
});
