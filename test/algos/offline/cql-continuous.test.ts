import assert from "node:assert/strict";
import { test } from "node:test";
import { rl, RunConfigError, type CqlOptions, type Dataset } from "../../../lib/index.js";
import { pendulumSacData } from "../fixtures.js";
import { assertOfflineRunResumes } from "../algo-helpers.js";

/** The last 3000 transitions of the SAC run: a narrow, fairly good behavior (mean episode return ≈ −420). */
const pendulumData = async (): Promise<Dataset> => {
  const data = await pendulumSacData();
  return rl.dataset.from(data.slice(data.numRows - 3_000));
};

const cqlRun = (ds: Dataset, options: CqlOptions) =>
  rl
    .offline(ds, { seed: 1 })
    .policy(rl.mlp([32, 32], { activation: "relu" }))
    .algo(rl.cql({ batchSize: 64, sampledActions: 3, lr: 1e-3, policyLr: 3e-4, tau: 0.005, targetNetworkFrequency: 1, logEvery: 250, ...options }))
    .build();

test("continuous CQL on narrow Pendulum data: the penalty keeps it learning where offline SAC (α = 0) fails", async () => {
  const ds = await pendulumData();
  const results: Record<number, { greedy: number; penalty: number }> = {};
  for (const alpha of [0, 5]) {
    const run = cqlRun(ds, { alpha });
    await run.train({ updates: 3_000 });
    assert.equal(run.step, 0, "offline: the env is never stepped");
    const last = run.metricsLog.last()!;
    for (const k of ["loss", "qLoss", "cqlLoss", "qValue", "logsumexpQ", "actorLoss", "entropy", "alpha"]) assert.ok(Number.isFinite(last[k]), `${k} ${last[k]}`);
    results[alpha] = { greedy: (await run.evaluate({ episodes: 10 })).meanReturn, penalty: last.cqlLoss! };
    run.dispose();
  }
  console.log(`Pendulum offline, 3k updates on ${ds.numSteps} rows (behavior mean ${ds.stats().return.mean.toFixed(0)}): ${JSON.stringify(results)}`);
  // The soft maximum over actions stays close to the data's values only with the penalty.
  assert.ok(results[5]!.penalty < results[0]!.penalty, `penalty ${results[5]!.penalty} vs ${results[0]!.penalty}`);
  assert.ok(results[5]!.greedy > results[0]!.greedy + 400 && results[5]!.greedy > -800, `greedy return: CQL ${results[5]!.greedy}, offline SAC ${results[0]!.greedy}`);
});

test("continuous CQL: save/load mid-training continues bit-identically; config errors", async () => {
  const ds = await pendulumData();
  const whole = await assertOfflineRunResumes(() => cqlRun(ds, { alpha: 2, logEvery: 10, targetNetworkFrequency: 3, tau: 0.5 }), { before: 23, after: 27 });
  whole.dispose();
  assert.throws(
    () => rl.offline(ds).algo(rl.cql({ sampledActions: 0, policyLr: -1 })).build(),
    (e: unknown) => e instanceof RunConfigError && e.lines.some((p) => p.startsWith("algo.sampledActions")) && e.lines.some((p) => p.startsWith("algo.policyLr")),
  );
  assert.throws(
    () => rl.offline(ds).policy(rl.mlp([8], { head: "gaussian" })).algo(rl.cql()).build(),
    (e: unknown) => e instanceof RunConfigError && e.lines.some((p) => p.startsWith("policy.head")),
  );
});
