import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { flattenParams } from "../../../lib/algos/optimizer.js";
import { rl, RunConfigError, type Dataset, type Run } from "../../../lib/index.js";
import { ppoCartPoleData, timeless } from "../../helpers/runs.js";

const params = (run: Run) => flattenParams((run.algo as unknown as { groups: Parameters<typeof flattenParams>[0] }).groups);
const targetParams = (run: Run) => (run.algo as unknown as { target: { params: Float32Array } }).target.params.slice();

let mixed: Promise<Dataset> | undefined;
/** Every transition of a PPO run stopped once its last episodes average ≥ 150: random-ish early play mixed with better later play (under a second). */
function mixedDataset(): Promise<Dataset> {
  mixed ??= ppoCartPoleData(150, 300_000).then((data) => rl.dataset.from(data));
  return mixed;
}

test("CQL learns CartPole from a partially trained PPO run's data without stepping the env", async () => {
  const ds = await mixedDataset();
  const run = rl.offline(ds, { seed: 1 }).algo(rl.cql()).build();
  const r = await run.train({ updates: 4000 });
  assert.equal(r.stopped, "updates");
  assert.equal(run.algo.updates, 4000);
  assert.equal(run.step, 0);
  assert.equal(run.metrics.numRows, 40);
  const last = run.metricsLog.last()!;
  for (const k of ["loss", "tdLoss", "cqlLoss", "qValue", "logsumexpQ", "accuracy", "gradNorm"]) assert.ok(Number.isFinite(last[k]), `${k} ${last[k]}`);
  // The penalty keeps the dataset actions' values near the soft maximum: logsumexp − Q(a_data) ≤ ln 2 (+ slack).
  assert.ok(last.cqlLoss! < 0.75, `cqlLoss ${last.cqlLoss}`);
  const ev = await run.evaluate({ episodes: 20 });
  assert.ok(ev.meanReturn > 150, `CQL's greedy mean return ${ev.meanReturn} (random play ≈ 22)`);
  run.dispose();
});

test("CQL save/load mid-training continues bit-identically", async () => {
  const ds = await mixedDataset();
  const dir = await mkdtemp(join(tmpdir(), "trellis-cql-"));
  try {
    const build = () => rl.offline(ds, { seed: 3 }).policy(rl.mlp([32, 32])).algo(rl.cql({ batchSize: 64, logEvery: 25, targetNetworkFrequency: 40, tau: 0.5 })).build();
    const whole = build();
    await whole.train({ updates: 300 });
    const first = build();
    await first.train({ updates: 130 }); // mid-window, between target updates
    await first.save(join(dir, "ckpt"));
    const loaded = await rl.load(join(dir, "ckpt"));
    assert.equal(loaded.algo.name, "cql");
    assert.equal(loaded.algo.updates, 130);
    assert.deepEqual(params(loaded), params(first));
    assert.deepEqual(targetParams(loaded), targetParams(first));
    await loaded.train({ updates: 170 });
    await first.train({ updates: 170 });
    assert.deepEqual(params(loaded), params(whole));
    assert.deepEqual(targetParams(loaded), targetParams(whole));
    assert.deepEqual(timeless(loaded), timeless(first));
    for (const r of [whole, first, loaded]) r.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("CQL check: a dataset of another env, missing transition columns, bad config, no dataset", async () => {
  const ds = await mixedDataset();
  assert.throws(
    () => rl.offline(ds, { env: "Pendulum-v1" }).algo(rl.cql()).build(),
    (e: unknown) => e instanceof RunConfigError && /dataset\.action: env Pendulum-v1 has continuous actions/.test(e.message),
  );
  const t = ds.table;
  const noNext = rl.dataset.from(t.select(t.schema.fields.map((f) => f.name).filter((n) => n !== "next_obs")), { validate: false });
  assert.throws(() => rl.offline(noNext).algo(rl.cql()).build(), /dataset: no next_obs column; cql learns from transitions/);
  assert.throws(() => rl.offline(ds).algo(rl.cql({ alpha: -1, loss: "l1" as "mse" })).build(), /algo\.alpha: expected a number ≥ 0[\s\S]*algo\.loss: expected one of "mse", "huber"/);
  assert.throws(() => rl.env("CartPole-v1").algo(rl.cql()).build(), /cql needs a dataset: build with rl\.offline\(dataset\)/);
});

test("IQL learns CartPole from the same data (greedy in its advantage-weighted policy)", async () => {
  const ds = await mixedDataset();
  const run = rl.offline(ds, { seed: 1 }).algo(rl.iql()).build();
  await run.train({ updates: 3000 });
  assert.equal(run.algo.updates, 3000);
  assert.equal(run.step, 0);
  assert.equal(run.metrics.numRows, 30);
  const last = run.metricsLog.last()!;
  for (const k of ["qLoss", "valueLoss", "actorLoss", "qValue", "value", "advantage", "awrWeight", "accuracy"]) assert.ok(Number.isFinite(last[k]), `${k} ${last[k]}`);
  assert.ok(last.awrWeight! <= 100);
  const ev = await run.evaluate({ episodes: 20 });
  assert.ok(ev.meanReturn > 200, `IQL's greedy mean return ${ev.meanReturn} (random play ≈ 22)`);
  run.dispose();
});

test("IQL save/load mid-training continues bit-identically; check refuses a dataset of another env and a bad expectile", async () => {
  const ds = await mixedDataset();
  const dir = await mkdtemp(join(tmpdir(), "trellis-iql-"));
  try {
    const build = () => rl.offline(ds, { seed: 4 }).policy(rl.mlp([32, 32])).algo(rl.iql({ batchSize: 64, logEvery: 25 })).build();
    const whole = build();
    await whole.train({ updates: 200 });
    const first = build();
    await first.train({ updates: 90 });
    await first.save(join(dir, "ckpt"));
    const loaded = await rl.load(join(dir, "ckpt"));
    assert.equal(loaded.algo.name, "iql");
    assert.deepEqual(params(loaded), params(first));
    await loaded.train({ updates: 110 });
    await first.train({ updates: 110 });
    assert.deepEqual(params(loaded), params(whole));
    assert.deepEqual(targetParams(loaded), targetParams(whole));
    assert.deepEqual(timeless(loaded), timeless(first));
    for (const r of [whole, first, loaded]) r.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.throws(() => rl.offline(ds, { env: "Pendulum-v1" }).algo(rl.iql()).build(), /dataset\.action: env Pendulum-v1 has continuous actions/);
  assert.throws(() => rl.offline(ds).algo(rl.iql({ expectile: 1 })).build(), /algo\.expectile: expected a number < 1/);
});
