import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import { createServer } from "node:net";
import { mkdir, mkdtemp, readFile, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Float32, Int32, Table, tableToIPC, vectorFromArray } from "apache-arrow";
import { Dataset, datasetFrom, openDataset, type EpisodeSummary } from "../../lib/data/dataset.js";
import { summarize } from "../../lib/data/stats.js";
import { TrajectoryRecorder } from "../../lib/data/recorder.js";
import { makeVecEnv } from "../../lib/envs/registry.js";
import { Rng } from "../../lib/random/rng.js";

const N = 4;

/** Records `steps` vector steps of CartPole (n = 4, seed 1) with random actions, flushing every 16 steps. */
function recordCartPole(steps: number, firstEpisodeId = 0, runId = "ds"): Table {
  const env = makeVecEnv("CartPole-v1", { n: N, seed: 1 });
  const rng = Rng.fromSeed(3);
  const recorder = TrajectoryRecorder.forEnv(env, { runId, firstEpisodeId });
  env.reset();
  for (let s = 0; s < steps; s++) {
    const obs = Float32Array.from(env.obs);
    const actions = Int32Array.from({ length: N }, () => rng.int(2));
    env.step(actions);
    recorder.record({
      obs,
      actions,
      rewards: env.rewards,
      terminated: env.terminated,
      truncated: env.truncated,
      nextObs: env.obs,
      finalObs: env.finalObs,
      logp: new Float32Array(N).fill(Math.log(0.5)),
      policyVersion: 0,
    });
    if (s % 16 === 15) recorder.flush();
  }
  return recorder.toTable();
}

/** Per-episode summaries computed row by row through Arrow's own accessors. */
function summariesByHand(table: Table): EpisodeSummary[] {
  const map = new Map<number, EpisodeSummary>();
  for (let i = 0; i < table.numRows; i++) {
    const id = Number(table.getChild("episode_id")!.get(i));
    const s = map.get(id) ?? { id, return: 0, length: 0, complete: false };
    s.return += table.getChild("reward")!.get(i) as number;
    s.length++;
    s.complete = Boolean(table.getChild("terminated")!.get(i)) || Boolean(table.getChild("truncated")!.get(i));
    map.set(id, s);
  }
  return [...map.values()].sort((a, b) => a.id - b.id);
}

function assertTablesEqual(a: Table, b: Table): void {
  assert.equal(a.numRows, b.numRows);
  assert.deepEqual(
    a.schema.fields.map((f) => `${f.name}:${String(f.type)}`),
    b.schema.fields.map((f) => `${f.name}:${String(f.type)}`),
  );
  for (const f of a.schema.fields) {
    const x = a.getChild(f.name)!;
    const y = b.getChild(f.name)!;
    assert.equal(x.nullCount, y.nullCount, f.name);
    for (let i = 0; i < a.numRows; i++) {
      const u = x.get(i);
      const v = y.get(i);
      const norm = (w: unknown) => (w && typeof w === "object" && "toArray" in w ? Array.from((w as { toArray(): ArrayLike<number> }).toArray()) : w);
      assert.deepEqual(norm(u), norm(v), `${f.name}[${i}]`);
    }
  }
}

let dir: string;
let table: Table;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-dataset-"));
  table = recordCartPole(60);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Dataset round trips", () => {
  test("arrow file, with atomic save leaving no temp files", async () => {
    const ds = datasetFrom(table);
    const path = join(dir, "rt", "a.arrow");
    await rm(join(dir, "rt"), { recursive: true, force: true });
    await mkdir(join(dir, "rt"), { recursive: true });
    await ds.save(path);
    const back = await openDataset(path);
    assertTablesEqual(back.table, table);
    assert.deepEqual(back.table.schema.metadata, table.schema.metadata);
    assert.deepEqual(await readdir(join(dir, "rt")), ["a.arrow"]);
    assert.equal((await readFile(path)).subarray(0, 6).toString(), "ARROW1");
  });

  test("arrow stream", async () => {
    const path = join(dir, "s.arrows");
    await writeFile(path, tableToIPC(table, "stream"));
    assertTablesEqual((await openDataset(path)).table, table);
  });

  test("parquet", async () => {
    const path = join(dir, "p.parquet");
    await datasetFrom(table).save(path, { format: "parquet" });
    assert.equal((await readFile(path)).subarray(0, 4).toString(), "PAR1");
    const back = await openDataset(path);
    assertTablesEqual(back.table, table);
    assert.deepEqual(back.table.schema.metadata, table.schema.metadata);
  });

  test("directory of shards (mixed formats, sorted by name, hidden files skipped)", async () => {
    const shards = join(dir, "shards");
    await mkdir(shards, { recursive: true });
    const second = recordCartPole(20, 1000, "other");
    await datasetFrom(second).save(join(shards, "part-1.parquet"));
    await datasetFrom(table).save(join(shards, "part-0.arrow"));
    await writeFile(join(shards, ".part-2.arrow.tmp-x"), "junk");
    const ds = await openDataset(shards);
    assert.equal(ds.numSteps, table.numRows + second.numRows);
    const expected = [...summariesByHand(table), ...summariesByHand(second)];
    assert.deepEqual(ds.episodes(), expected.map((s) => s.id));
    const rows = ds.table;
    for (const i of [0, table.numRows - 1, table.numRows, rows.numRows - 1]) {
      const src = i < table.numRows ? table : second;
      const j = i < table.numRows ? i : i - table.numRows;
      assert.deepEqual(Array.from(rows.getChild("obs")!.get(i)!.toArray()), Array.from(src.getChild("obs")!.get(j)!.toArray()));
      assert.equal(rows.getChild("run_id")!.get(i), i < table.numRows ? "ds" : "other");
    }
    // The shards' differing dictionaries are merged, so the whole can be saved as one Arrow file.
    for (const format of ["arrow", "parquet"] as const) {
      const all = join(dir, `all-shards.${format}`);
      await ds.save(all, { format });
      const back = await openDataset(all);
      assertTablesEqual(back.table, ds.table);
      assert.deepEqual(back.select([0, 1000]).episodes(), [0, 1000]);
    }
  });
});

describe("Dataset episode views", () => {
  test("episodes, summaries and stats match a row-by-row count", () => {
    const ds = datasetFrom(table);
    const hand = summariesByHand(table);
    assert.deepEqual(ds.episodes(), hand.map((s) => s.id));
    const got = ds.episodeSummaries();
    assert.equal(got.length, hand.length);
    got.forEach((s, k) => {
      assert.equal(s.id, hand[k]!.id);
      assert.equal(s.length, hand[k]!.length);
      assert.equal(s.complete, hand[k]!.complete);
      assert.ok(Math.abs(s.return - hand[k]!.return) < 1e-9);
    });
    const stats = ds.stats();
    assert.equal(stats.episodes, hand.length);
    assert.equal(stats.steps, 60 * N);
    const lengths = hand.map((s) => s.length);
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    assert.ok(Math.abs(stats.length.mean - mean) < 1e-9);
    assert.equal(stats.length.min, Math.min(...lengths));
    assert.equal(stats.length.max, Math.max(...lengths));
    // CartPole gives reward 1 per step: return equals length.
    assert.ok(Math.abs(stats.return.mean - mean) < 1e-6);
  });

  test("summarize by hand", () => {
    const s = summarize([4, 1, 3, 2]);
    assert.equal(s.mean, 2.5);
    assert.equal(s.std, Math.sqrt(1.25));
    assert.equal(s.min, 1);
    assert.equal(s.max, 4);
    assert.equal(s.quantiles.p50, 2.5);
    assert.equal(s.quantiles.p25, 1.75);
    assert.ok(Math.abs(s.quantiles.p5 - 1.15) < 1e-12);
    assert.ok(Number.isNaN(summarize([]).mean));
  });

  test("filter keeps whole episodes that pass, in row order", () => {
    const ds = datasetFrom(table);
    const hand = summariesByHand(table);
    const long = ds.filter((e) => e.complete && e.length >= 15);
    const want = hand.filter((e) => e.complete && e.length >= 15);
    assert.ok(want.length > 0 && want.length < hand.length);
    assert.deepEqual(long.episodes(), want.map((e) => e.id));
    assert.equal(long.numSteps, want.reduce((a, e) => a + e.length, 0));
    const keep = new Set(want.map((e) => e.id));
    const rows: number[] = [];
    for (let i = 0; i < table.numRows; i++) if (keep.has(Number(table.getChild("episode_id")!.get(i)))) rows.push(i);
    const expected = new Table(table.schema, table.batches);
    for (const [k, i] of rows.entries()) {
      for (const f of ["episode_id", "t", "action", "reward", "terminated", "truncated", "value", "source", "run_id"]) {
        assert.deepEqual(long.table.getChild(f)!.get(k), expected.getChild(f)!.get(i), `${f}[${k}]`);
      }
      assert.deepEqual(Array.from(long.table.getChild("obs")!.get(k)!.toArray()), Array.from(expected.getChild("obs")!.get(i)!.toArray()));
    }
  });

  test("select picks the given episodes; unknown ids are an error", () => {
    const ds = datasetFrom(table);
    const ids = ds.episodes();
    const picked = ds.select([ids[3]!, ids[0]!]);
    assert.deepEqual(picked.episodes(), [ids[0], ids[3]]);
    const hand = summariesByHand(table);
    assert.equal(picked.numSteps, hand[0]!.length + hand[3]!.length);
    assert.throws(() => ds.select([999999]), /no episodes with ids 999999/);
  });

  test("split partitions episodes, is seeded and round(valid × episodes) large", () => {
    const ds = datasetFrom(table);
    const m = ds.episodes().length;
    const a = ds.split({ valid: 0.25, rng: Rng.fromSeed(5) });
    const b = ds.split({ valid: 0.25, rng: Rng.fromSeed(5) });
    assert.equal(a.valid.episodes().length, Math.round(0.25 * m));
    assert.deepEqual(a.valid.episodes(), b.valid.episodes());
    assert.deepEqual([...a.train.episodes(), ...a.valid.episodes()].sort((x, y) => x - y), ds.episodes());
    assert.equal(a.train.numSteps + a.valid.numSteps, ds.numSteps);
    const c = ds.split({ valid: 0.25, rng: Rng.fromSeed(6) });
    assert.notDeepEqual(c.valid.episodes(), a.valid.episodes());
  });
});

describe("Dataset.sampler", () => {
  test("same seed gives the same batches; rows equal the table's rows", () => {
    const ds = datasetFrom(table);
    const s1 = ds.sampler({ batchSize: 32, rng: Rng.fromSeed(9) });
    const s2 = ds.sampler({ batchSize: 32, rng: Rng.fromSeed(9) });
    assert.equal(s1.batchesPerEpoch, Math.floor(table.numRows / 32));
    const seen = new Set<number>();
    for (let b = 0; b < s1.batchesPerEpoch + 2; b++) {
      const x = s1.next();
      const y = s2.next();
      assert.deepEqual(x.rows, y.rows);
      for (const c of s1.columns) assert.deepEqual(x.columns[c], y.columns[c]);
      if (b < s1.batchesPerEpoch) for (const r of x.rows) {
        assert.ok(!seen.has(r), "rows repeat within an epoch");
        seen.add(r);
      }
      assert.equal(x.widths.obs, 4);
      assert.ok(x.columns.obs instanceof Float32Array && x.columns.obs.length === 32 * 4);
      assert.ok(x.columns.action instanceof Int32Array);
      assert.ok(x.columns.terminated instanceof Uint8Array);
      for (let k = 0; k < x.size; k++) {
        const r = x.rows[k]!;
        assert.deepEqual(Array.from(x.columns.obs!.subarray(k * 4, k * 4 + 4) as Float32Array), Array.from(table.getChild("obs")!.get(r)!.toArray()));
        assert.deepEqual(Array.from(x.columns.next_obs!.subarray(k * 4, k * 4 + 4) as Float32Array), Array.from(table.getChild("next_obs")!.get(r)!.toArray()));
        assert.equal(x.columns.action![k], table.getChild("action")!.get(r));
        assert.equal(x.columns.reward![k], table.getChild("reward")!.get(r));
        assert.equal(x.columns.terminated![k], table.getChild("terminated")!.get(r) ? 1 : 0);
        assert.equal(x.columns.truncated![k], table.getChild("truncated")!.get(r) ? 1 : 0);
      }
    }
    assert.equal(s1.epoch, 2);
    const other = ds.sampler({ batchSize: 32, rng: Rng.fromSeed(10) }).next();
    assert.notDeepEqual(other.rows, ds.sampler({ batchSize: 32, rng: Rng.fromSeed(9) }).next().rows);
  });

  test("nullable columns report validity; unsampleable columns are refused", () => {
    const ds = datasetFrom(table);
    const x = ds.sampler({ batchSize: 8, rng: Rng.fromSeed(1), columns: ["value", "episode_id"] }).next();
    assert.ok(x.valid.value && x.valid.value.every((v) => v === 0));
    assert.ok(x.columns.episode_id instanceof BigInt64Array);
    for (let k = 0; k < 8; k++) assert.equal(x.columns.episode_id![k], table.getChild("episode_id")!.get(x.rows[k]!));
    assert.throws(() => ds.sampler({ batchSize: 8, rng: Rng.fromSeed(1), columns: ["source"] }), /source .*cannot be sampled/);
    assert.throws(() => ds.sampler({ batchSize: 8, rng: Rng.fromSeed(1), columns: ["nope"] }), /no column nope/);
  });
});

describe("Dataset errors", () => {
  test("truncated arrow file, stream and parquet name the file and the problem", async () => {
    const a = join(dir, "trunc.arrow");
    await datasetFrom(table).save(a);
    const size = (await readFile(a)).length;
    await truncate(a, Math.floor(size / 2));
    await assert.rejects(openDataset(a), (e: Error) => e.message.includes(a) && /truncated Arrow IPC file/.test(e.message));

    const s = join(dir, "trunc.arrows");
    const bytes = tableToIPC(table, "stream");
    await writeFile(s, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await assert.rejects(openDataset(s), (e: Error) => e.message.includes(s) && /truncated Arrow IPC stream/.test(e.message));

    const p = join(dir, "trunc.parquet");
    await datasetFrom(table).save(p);
    const psize = (await readFile(p)).length;
    await truncate(p, psize - 100);
    await assert.rejects(openDataset(p), (e: Error) => e.message.includes(p) && /truncated Parquet file/.test(e.message));
  });

  test("corrupted files name the file and the problem", async () => {
    const g = join(dir, "garbage.arrow");
    await writeFile(g, "this is not arrow at all");
    await assert.rejects(openDataset(g), (e: Error) => e.message.includes(g) && /not an Arrow IPC file, Arrow IPC stream or Parquet file/.test(e.message));

    const p = join(dir, "corrupt.parquet");
    await datasetFrom(table).save(p);
    const buf = await readFile(p);
    buf.fill(0xab, buf.length - 40, buf.length - 8); // inside the footer metadata
    await writeFile(p, buf);
    await assert.rejects(openDataset(p), (e: Error) => e.message.includes(p) && /corrupted Parquet file/.test(e.message));

    const a = join(dir, "corrupt.arrow");
    await datasetFrom(table).save(a);
    const abuf = await readFile(a);
    abuf.fill(0xab, abuf.length - 10 - 64, abuf.length - 10); // footer flatbuffer + its length
    await writeFile(a, abuf);
    await assert.rejects(openDataset(a), (e: Error) => e.message.includes(a) && /corrupted Arrow IPC file/.test(e.message));

    const empty = join(dir, "empty.arrow");
    await writeFile(empty, "");
    await assert.rejects(openDataset(empty), /empty file/);
  });

  test("a FIFO, a socket or a directory where a data file or shard should be is refused with its path, without blocking", async () => {
    const refused = async (path: string, opening: string, kind: RegExp) => {
      // A FIFO with no writer blocks a plain open for ever: a bound turns that into a failure.
      const outcome = await Promise.race([
        openDataset(opening).then(
          () => "opened",
          (e: Error) => e,
        ),
        new Promise<string>((r) => setTimeout(r, 5_000, "still blocked after 5 s").unref()),
      ]);
      assert.ok(outcome instanceof Error, `${path}: ${String(outcome)}`);
      assert.ok(outcome.message.includes(`${path}: `) && kind.test(outcome.message), outcome.message);
    };
    const fifo = join(dir, "x.arrow");
    const shards = join(dir, "odd-shards");
    await mkdir(shards, { recursive: true });
    await datasetFrom(table).save(join(shards, "a.arrow"));
    execFileSync("mkfifo", [fifo, join(shards, "c.arrow")]);
    const socketPath = join(dir, "s.arrow");
    const server = createServer();
    await new Promise<void>((r) => server.listen(socketPath, r));
    try {
      await refused(fifo, fifo, /a FIFO \(named pipe\), not a regular file/);
      await refused(socketPath, socketPath, /a socket, not a regular file/);
      await refused(join(shards, "c.arrow"), shards, /a FIFO \(named pipe\), not a regular file/);
      await rm(join(shards, "c.arrow"));
      await mkdir(join(shards, "b.arrow"));
      await refused(join(shards, "b.arrow"), shards, /a directory, not a regular file/);
    } finally {
      server.close();
      // Had an open blocked on a FIFO, a writer's open lets it go, so the test can end.
      for (const f of [fifo, join(shards, "c.arrow")]) {
        try {
          closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // no reader waiting, or already removed
        }
      }
    }
  });

  test("schema mismatch between shards lists missing and mistyped columns", async () => {
    const shards = join(dir, "bad-shards");
    await mkdir(shards, { recursive: true });
    await datasetFrom(table).save(join(shards, "a.arrow"));
    const names = table.schema.fields.map((f) => f.name).filter((n) => n !== "group_id" && n !== "t");
    const changed = table.select(names);
    const withBadT = changed.assign(new Table({ t: vectorFromArray(new Array(changed.numRows).fill(0), new Float32()) }));
    await writeFile(join(shards, "b.arrow"), tableToIPC(withBadT, "file"));
    await assert.rejects(openDataset(shards), (e: Error) => {
      assert.match(e.message, /b\.arrow: schema does not match the first shard a\.arrow/);
      assert.match(e.message, /missing columns: group_id/);
      assert.match(e.message, /mistyped columns: t \(Float32, expected Int32\)/);
      return true;
    });
  });

  test("a table outside the trajectory schema lists missing and mistyped columns", async () => {
    const bad = new Table({
      episode_id: vectorFromArray([1, 2], new Int32()),
      reward: vectorFromArray([1, 2], new Float32()),
    });
    assert.throws(() => datasetFrom(bad), (e: Error) => {
      assert.match(e.message, /missing columns: run_id, t, obs, action/);
      assert.match(e.message, /mistyped columns: episode_id \(Int32, expected int64\)/);
      return true;
    });
    const path = join(dir, "bad.arrow");
    await writeFile(path, tableToIPC(bad, "file"));
    await assert.rejects(openDataset(path), (e: Error) => e.message.startsWith(path) && /missing columns/.test(e.message));
    assert.ok(datasetFrom(bad, { validate: false }) instanceof Dataset);
  });
});

test("a run's recorded data opens as a dataset through rl.dataset.from, and credit columns attach to it", async () => {
  const { rl, withCreditColumns } = await import("../../lib/index.js");
  const run = rl.env("CartPole-v1", { n: 4, seed: 2 }).algo(rl.ppo({ numSteps: 32 })).build();
  await run.train({ steps: 1024 });
  const ds = rl.dataset.from(run.data);
  assert.equal(ds.numSteps, 1024);
  const stats = ds.stats();
  assert.ok(stats.episodes > 4 && stats.return.mean > 0);
  // PPO records values, so GAE/returns/TD errors can be computed on the data (open episodes bootstrap from 0 here).
  const credited = withCreditColumns(run.data, { gamma: 0.99, lambda: 0.95, bootstrap: () => 0 });
  const adv = credited.getChild("advantage")!.toArray() as Float32Array;
  assert.equal(adv.length, 1024);
  assert.ok(adv.every(Number.isFinite));
});
