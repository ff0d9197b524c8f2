import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Table } from "apache-arrow";
import { TrajectoryRecorder } from "../../lib/data/recorder.js";
import { makeVecEnv } from "../../lib/envs/registry.js";
import { rl } from "../../lib/index.js";
import { Rng } from "../../lib/random/rng.js";

const N = 4;
const LIMIT = 200;

/** Every column as plain JS values (lists as arrays, dictionaries as strings), row by row. */
function columns(table: Table): [string, unknown[]][] {
  return table.schema.fields.map((f) => {
    const col = table.getChild(f.name)!;
    const values: unknown[] = [];
    for (const v of col) values.push(v !== null && typeof v === "object" && Symbol.iterator in v ? Array.from(v as Iterable<unknown>) : v);
    return [f.name, values];
  });
}

function assertSameTable(actual: Table, expected: Table): void {
  assert.equal(actual.numRows, expected.numRows);
  assert.deepEqual(actual.schema.fields.map((f) => f.name), expected.schema.fields.map((f) => f.name));
  const a = columns(actual);
  const e = columns(expected);
  for (let i = 0; i < e.length; i++) assert.deepEqual(a[i], e[i], `column ${e[i]![0]}`);
}

/** Feeds `steps` CartPole steps (n = 4, seed 1, random actions) to every recorder; calls `after(step)` after each. */
function feed(recorders: TrajectoryRecorder[], steps: number, after: (s: number) => void = () => {}): void {
  const env = makeVecEnv("CartPole-v1", { n: N, seed: 1 });
  const rng = Rng.fromSeed(3);
  env.reset();
  for (let s = 0; s < steps; s++) {
    const obs = Float32Array.from(env.obs);
    const actions = Int32Array.from({ length: N }, () => rng.int(2));
    const values = Float32Array.from({ length: N }, () => rng.float());
    env.step(actions);
    for (const r of recorders) {
      r.record({ obs, actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, values, policyVersion: s >> 6 });
    }
    after(s);
  }
}

const forCartPole = (options: Parameters<typeof TrajectoryRecorder.forEnv>[1] = {}) =>
  TrajectoryRecorder.forEnv(makeVecEnv("CartPole-v1", { n: N, seed: 1 }), { runId: "spill", initialCapacity: 8, ...options });

test("past memoryLimitRows the oldest batches spill to a growing stream file; toTable() returns every row in order", () => {
  const unlimited = forCartPole({ memoryLimitRows: Infinity });
  const limited = forCartPole({ memoryLimitRows: LIMIT });
  const sizes: number[] = [];
  feed([unlimited, limited], 1000, (s) => {
    if (s % 16 === 15) {
      limited.flush();
      assert.ok(limited.inMemoryRows <= LIMIT, `in memory ${limited.inMemoryRows} > ${LIMIT}`);
      assert.equal(limited.inMemoryRows + limited.spilledRows, limited.recordedRows);
      if (limited.spillPath) {
        assert.ok(existsSync(limited.spillPath));
        const size = statSync(limited.spillPath).size;
        assert.equal(size, limited.spilledBytes);
        sizes.push(size);
      }
    }
    if (s === 500) assertSameTable(limited.toTable(), unlimited.toTable()); // reading midway leaves recording intact
  });
  assert.equal(limited.recordedRows, 4000);
  limited.flush();
  assert.equal(limited.inMemoryRows + limited.spilledRows, 4000);
  assert.ok(limited.spilledRows >= 4000 - LIMIT);
  assert.equal(unlimited.spilledRows, 0);
  assert.equal(unlimited.spillPath, undefined);
  assert.ok(sizes.length > 50);
  for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! > sizes[i - 1]!, "the spill file grows with every spill (appended, not rewritten)");

  const path = limited.spillPath!;
  assert.ok(dirname(path).startsWith(join(tmpdir(), "trellis-spill-")));
  const table = limited.toTable();
  assertSameTable(table, unlimited.toTable());
  assert.equal(table.numRows, 4000);

  limited.dispose();
  assert.ok(!existsSync(path));
  assert.ok(!existsSync(dirname(path)), "the default spill directory is removed");
  assert.throws(() => limited.toTable(), /disposed/);
  assertSameTable(columnsOnly(table), unlimited.toTable()); // a table read before dispose stays valid
  unlimited.dispose(); // never spilled: a no-op
  assert.equal(unlimited.toTable().numRows, 4000);
});

/** The table itself (its spilled batches are views of a buffer read from the file, independent of it). */
const columnsOnly = (t: Table) => t;

test("a given spillDir keeps the directory and removes only the file; limit 0 spills every batch", () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-spilldir-"));
  try {
    const unlimited = forCartPole({ memoryLimitRows: Infinity });
    const limited = forCartPole({ memoryLimitRows: 0, spillDir: dir });
    feed([unlimited, limited], 120, (s) => {
      if (s % 7 === 0) limited.flush();
      assert.equal(limited.inMemoryRows, 0);
    });
    assert.equal(dirname(limited.spillPath!), dir);
    assert.equal(readdirSync(dir).length, 1);
    assertSameTable(limited.toTable(), unlimited.toTable());
    assert.equal(limited.inMemoryRows, 0);
    limited.dispose();
    assert.ok(existsSync(dir));
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("restore() into a limited recorder spills what exceeds the limit and continues the recording", () => {
  const unlimited = forCartPole({ memoryLimitRows: Infinity });
  const source = forCartPole({ memoryLimitRows: LIMIT });
  feed([unlimited, source], 300, (s) => {
    if (s % 16 === 15) source.flush();
  });
  const restored = forCartPole({ memoryLimitRows: LIMIT });
  restored.restore(source.saveCounters(), source.toTable());
  assert.ok(restored.inMemoryRows <= LIMIT);
  assert.ok(restored.spilledRows > 0);
  assertSameTable(restored.toTable(), unlimited.toTable());
  // Restoring a recorder from its own table (spilled part included) works too.
  source.restore(source.saveCounters(), source.toTable());
  assertSameTable(source.toTable(), unlimited.toTable());
  source.dispose();
  restored.dispose();
});

test("the spill file is removed at process exit", () => {
  const recorderUrl = new URL("../../lib/data/recorder.js", import.meta.url).href;
  const registryUrl = new URL("../../lib/envs/registry.js", import.meta.url).href;
  const code = `
    const { TrajectoryRecorder } = await import(${JSON.stringify(recorderUrl)});
    const { makeVecEnv } = await import(${JSON.stringify(registryUrl)});
    const env = makeVecEnv("CartPole-v1", { n: 2, seed: 1 });
    const r = TrajectoryRecorder.forEnv(env, { memoryLimitRows: 4 });
    env.reset();
    for (let s = 0; s < 20; s++) {
      const obs = Float32Array.from(env.obs);
      const actions = Int32Array.of(0, 1);
      env.step(actions);
      r.record({ obs, actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, policyVersion: 0 });
      r.flush();
    }
    console.log(r.spillPath);
  `;
  const out = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", cwd: dirname(fileURLToPath(import.meta.url)) });
  assert.equal(out.status, 0, out.stderr);
  const path = out.stdout.trim();
  assert.ok(path.endsWith(".arrows"), path);
  assert.ok(!existsSync(path));
  assert.ok(!existsSync(dirname(path)));
});

test("a run with a tiny memory limit trains, spills, and saves/loads all of its rows", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-spill-run-"));
  const build = () =>
    rl
      .env("CartPole-v1", { n: 4, seed: 2 })
      .policy(rl.mlp([16]))
      .algo(rl.ppo({ numSteps: 32 }))
      .record({ memoryLimitRows: 100, batchRows: 40 })
      .name("spill-run")
      .build();
  const run = build();
  try {
    await run.train({ steps: 1200 });
    const recorder = run.recording!.recorder;
    assert.ok(recorder.spilledRows > 0);
    assert.ok(recorder.inMemoryRows <= 100);
    const data = run.data;
    assert.equal(data.numRows, run.step);
    await run.save(join(dir, "ckpt"));
    const loaded = await rl.load(join(dir, "ckpt"));
    try {
      assert.equal(loaded.step, run.step);
      assertSameTable(loaded.data, data);
      // The loaded run keeps recording (and spilling nothing by default) and saves again: restored and new batches share dictionaries.
      await loaded.train({ steps: 200 });
      await loaded.save(join(dir, "ckpt2"));
      const again = await rl.load(join(dir, "ckpt2"));
      assert.equal(again.data.numRows, loaded.step);
      again.dispose();
    } finally {
      loaded.dispose();
    }
    // An unlimited run with the same seed records the same rows.
    const plain = rl.env("CartPole-v1", { n: 4, seed: 2 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 32 })).name("spill-run").build();
    await plain.train({ steps: 1200 });
    assertSameTable(run.data, plain.data);
    plain.dispose();
  } finally {
    const path = run.recording!.recorder.spillPath;
    run.dispose();
    if (path) assert.ok(!existsSync(path));
    rmSync(dir, { recursive: true, force: true });
  }
});
