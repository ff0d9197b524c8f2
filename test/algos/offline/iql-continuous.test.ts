import assert from "node:assert/strict";
import { test } from "node:test";
import { rl, RunConfigError, type AlgoInstance, type AlgoSpec, type Dataset } from "../../../lib/index.js";
import { pendulumSacData } from "../fixtures.js";
import { assertOfflineRunResumes } from "../algo-helpers.js";

const offlineRun = (ds: Dataset, algo: AlgoSpec<unknown>, seed: number) => rl.offline(ds, { seed }).policy(rl.mlp([32, 32], { activation: "relu" })).algo(algo).build();

test("continuous IQL on mixed-quality Pendulum data picks out the good actions where behavior cloning averages them", async () => {
  // The whole SAC run: near-random early episodes and fairly good late ones.
  const ds = rl.dataset.from(await pendulumSacData());
  const returns: Record<string, number[]> = { bc: [], iql: [] };
  for (const seed of [1, 2]) {
    for (const [name, algo] of [["bc", rl.bc({ batchSize: 64 })], ["iql", rl.iql({ batchSize: 64, lr: 1e-3, logEvery: 250 })]] as const) {
      const run = offlineRun(ds, algo as AlgoSpec<unknown>, seed);
      await run.train({ updates: 3_000 });
      assert.equal(run.step, 0, "offline: the env is never stepped");
      if (name === "iql") {
        const last = run.metricsLog.last()!;
        for (const k of ["qLoss", "valueLoss", "actorLoss", "qValue", "value", "advantage", "awrWeight", "actionMse", "logStd"]) assert.ok(Number.isFinite(last[k]), `${k} ${last[k]}`);
        // V is an upper expectile (τ = 0.7): most dataset actions fall below it, a few far above carry the weight.
        assert.ok(last.advantage! < 0 && last.awrWeight! > 1, `mean advantage ${last.advantage}, mean weight ${last.awrWeight}`);
      }
      returns[name]!.push((await run.evaluate({ episodes: 10 })).meanReturn);
      run.dispose();
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  console.log(`Pendulum offline, 3k updates on ${ds.numSteps} rows (behavior mean ${ds.stats().return.mean.toFixed(0)}): ${JSON.stringify(returns)}`);
  assert.ok(mean(returns.iql!) > mean(returns.bc!) + 250, `greedy return: IQL ${returns.iql}, BC ${returns.bc}`);
  assert.ok(mean(returns.iql!) > ds.stats().return.mean + 250, `IQL ${returns.iql} vs the data's ${ds.stats().return.mean}`);
});

test("continuous IQL: greedy actions stay in the box; save/load mid-training continues bit-identically; config errors", async () => {
  const data = await pendulumSacData();
  const ds = rl.dataset.from(data.slice(0, 2_000));
  const whole = await assertOfflineRunResumes(() => offlineRun(ds, rl.iql({ batchSize: 32, logEvery: 10, tau: 0.5, lr: 3e-3 }), 3), { before: 23, after: 27 });
  // Pendulum's torque box is [−2, 2]: the policy mean never leaves it, whatever the observation.
  const obs = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i * 12.9898) * 8);
  const actions = new Float32Array(64);
  (whole.algo as AlgoInstance).actGreedy(obs, 64, actions);
  assert.ok(actions.every((a) => a >= -2 && a <= 2) && new Set(actions).size > 1, `${actions.slice(0, 8)}`);
  whole.dispose();
  assert.throws(
    () => rl.offline(ds).policy(rl.mlp([8], { head: "tanh-gaussian" })).algo(rl.iql({ beta: -1 })).build(),
    (e: unknown) => e instanceof RunConfigError && e.lines.some((p) => p.startsWith("policy.head: iql needs head")) && e.lines.some((p) => p.startsWith("algo.beta")),
  );
  assert.throws(() => rl.offline(ds, { env: "MountainCarContinuous-v0" }).algo(rl.iql()).build(), /dataset\.obs/);
});
