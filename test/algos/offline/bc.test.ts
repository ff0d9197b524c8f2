import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { RecordBatch, Schema, Table } from "apache-arrow";
import { flattenParams } from "../../../lib/algos/optimizer.js";
import { rl, RunConfigError, type Dataset, type Run } from "../../../lib/index.js";
import { ppoCartPoleData, timeless } from "../../helpers/runs.js";

const params = (run: Run) => flattenParams((run.algo as unknown as { groups: Parameters<typeof flattenParams>[0] }).groups);

let expert: Promise<Dataset> | undefined;
/** Complete high-return episodes of a PPO run trained until its last 100 episodes average ≥ 400 (a few seconds). */
function expertDataset(): Promise<Dataset> {
  expert ??= ppoCartPoleData(400, 300_000).then((data) => rl.dataset.from(data).filter((e) => e.complete && e.return >= 300));
  return expert;
}

test("BC clones a PPO policy on CartPole from run.data without stepping the env", async () => {
  const ds = await expertDataset();
  assert.ok(ds.numSteps > 10_000, `expected an expert dataset, got ${ds.numSteps} rows`);
  const run = rl.offline(ds).algo(rl.bc()).build();
  assert.equal(run.envConfig.id, "CartPole-v1"); // from the dataset's trellis.env_id
  const r = await run.train({ updates: 1500 });
  assert.equal(r.stopped, "updates");
  assert.equal(run.algo.updates, 1500);
  assert.equal(run.step, 0);
  assert.equal(run.metrics.numRows, 15); // logEvery 100
  const last = run.metricsLog.last()!;
  assert.ok(last.bcLoss! < 0.65, `bcLoss ${last.bcLoss}`);
  assert.ok(last.accuracy! > 0.6, `accuracy ${last.accuracy}`);
  const ev = await run.evaluate({ episodes: 10 });
  assert.ok(ev.meanReturn >= 300, `cloned policy's mean return ${ev.meanReturn}`);
  assert.equal(run.step, 0);
  // until stops at a metrics row; a partial window is flushed when { updates } ends between rows.
  const u = await run.train({ until: (m) => m.update >= 1700 });
  assert.equal(u.stopped, "until");
  assert.equal(run.algo.updates, 1700);
  await run.train({ updates: 30 });
  assert.equal(run.metricsLog.last()!.update, 1730);
  await assert.rejects(run.train({ steps: 100 }), /takes no env steps/);
  run.dispose();
});

test("BC save/load mid-training continues bit-identically (in-memory and file datasets)", async () => {
  const ds = (await expertDataset()).select((await expertDataset()).episodes().slice(0, 20));
  const dir = await mkdtemp(join(tmpdir(), "trellis-bc-"));
  try {
    const fileDs = join(dir, "expert.arrow");
    await ds.save(fileDs);
    for (const dataset of [ds, await rl.dataset.open(fileDs)]) {
      const build = () => rl.offline(dataset, { seed: 3 }).policy(rl.mlp([32, 32])).algo(rl.bc({ batchSize: 64, logEvery: 25 })).build();
      const whole = build();
      await whole.train({ updates: 500 });
      const first = build();
      // The save falls mid-window and mid-epoch.
      await first.train({ updates: 260 });
      const ckpt = join(dir, dataset.path ? "ckpt-file" : "ckpt-mem");
      await first.save(ckpt);
      const files = await readdir(ckpt);
      const manifest = JSON.parse(await readFile(join(ckpt, "run.json"), "utf8")) as { dataset: { path?: string; file?: string } };
      if (dataset.path) {
        assert.equal(manifest.dataset.path, fileDs);
        assert.ok(!files.includes("dataset.arrow"));
      } else {
        assert.equal(manifest.dataset.file, "dataset.arrow");
        assert.ok(files.includes("dataset.arrow"));
      }
      const loaded = await rl.load(ckpt);
      assert.equal(loaded.algo.updates, 260);
      assert.deepEqual(params(loaded), params(first));
      await loaded.train({ updates: 240 });
      await first.train({ updates: 240 });
      // Splitting train() calls changes no parameter; the rows (a partial window is flushed at each stop) match the unsaved twin's.
      assert.deepEqual(params(loaded), params(whole));
      assert.deepEqual(params(loaded), params(first));
      assert.deepEqual(timeless(loaded), timeless(first));
      assert.deepEqual((await loaded.evaluate({ episodes: 3 })).returns, (await first.evaluate({ episodes: 3 })).returns);
      for (const r of [whole, first, loaded]) r.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("offline builds report datasets without actions, mismatched envs and online algorithms", async () => {
  const ds = await expertDataset();
  const t = ds.table;
  const noActions = rl.dataset.from(t.select(t.schema.fields.map((f) => f.name).filter((n) => n !== "action")), { validate: false });
  assert.throws(
    () => rl.offline(noActions).algo(rl.bc()).build(),
    (e: unknown) => e instanceof RunConfigError && /dataset: no action column/.test(e.message),
  );
  assert.throws(
    () => rl.offline(ds, { env: "Pendulum-v1" }).algo(rl.bc()).build(),
    (e: unknown) => {
      assert.ok(e instanceof RunConfigError);
      assert.match(e.message, /dataset\.obs: the dataset \(recorded on CartPole-v1\) has observations of 4 floats, but env Pendulum-v1 observes 3/);
      assert.match(e.message, /dataset\.action: env Pendulum-v1 has continuous actions/);
      return true;
    },
  );
  assert.throws(() => rl.offline(ds).algo(rl.ppo()).build(), /ppo learns by stepping the env; .*rl\.bc\(\)/);
  assert.throws(() => rl.env("CartPole-v1").algo(rl.bc()).build(), /bc needs a dataset: build with rl\.offline\(dataset\)/);
  assert.throws(() => rl.offline(ds).algo(rl.bc({ lr: 0, batchSize: 1e9 })).build(), /algo\.lr: expected a number > 0[\s\S]*algo\.batchSize: 1000000000 exceeds/);
  const bare = new Schema(t.schema.fields);
  const noMeta = rl.dataset.from(new Table(bare, t.batches.map((b) => new RecordBatch(bare, b.data))));
  assert.throws(() => rl.offline(noMeta), /names no env .*rl\.offline\(dataset, \{ env: "CartPole-v1" \}\)/s);
  assert.equal(rl.offline(noMeta, { env: "CartPole-v1" }).algo(rl.bc()).build().envConfig.id, "CartPole-v1");
});
