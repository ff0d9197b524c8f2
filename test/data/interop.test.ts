import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Bool, Field, FixedSizeList, Float32, Float64, Int32, Int64, Table, tableFromIPC, tableToIPC, vectorFromArray } from "apache-arrow";
import { datasetFrom, openDataset } from "../../lib/data/dataset.js";
import { TrajectoryRecorder } from "../../lib/data/recorder.js";
import { flatFromTable, tableFromFlat } from "../../lib/data/interop/common.js";
import { fromD4rl, toD4rl } from "../../lib/data/interop/d4rl.js";
import { openHfDataset, saveHfDataset } from "../../lib/data/interop/hf.js";
import { readMinariArrow, writeMinariArrow } from "../../lib/data/interop/minari.js";
import { rl, RecordingVecEnv } from "../../lib/index.js";

const D = 3;
const A = 2;

/**
 * 12 steps of 2 copies, with every episode complete at the end: copy 0 ends
 * at steps 3 (terminated), 7 (truncated), 11 (terminated); copy 1 at 4
 * (truncated) and 11 (terminated). Final observations are recorded.
 */
function recordSynthetic(discrete: boolean, withFinal = true): Table {
  const rec = new TrajectoryRecorder({ numEnvs: 2, obsSize: D, actionSize: A, discrete, envId: "Synth-v0", runId: "syn" });
  const ends: Record<number, Array<[number, "te" | "tr"]>> = { 3: [[0, "te"]], 4: [[1, "tr"]], 7: [[0, "tr"]], 11: [[0, "te"], [1, "te"]] };
  for (let s = 0; s < 12; s++) {
    const obs = new Float32Array(2 * D);
    const nextObs = new Float32Array(2 * D);
    const finalObs = new Float32Array(2 * D);
    for (let i = 0; i < 2; i++) {
      obs.set([s, i, s * 10 + i], i * D);
      nextObs.set([s + 1, i, (s + 1) * 10 + i], i * D);
      finalObs.set([100 + s, i, -1], i * D);
    }
    const terminated = new Uint8Array(2);
    const truncated = new Uint8Array(2);
    for (const [i, kind] of ends[s] ?? []) (kind === "te" ? terminated : truncated)[i] = 1;
    const actions = discrete ? Int32Array.from([s % 2, (s + 1) % 2]) : Float32Array.from([s / 2, -s, 0.25 * s, 1]);
    rec.record({ obs, nextObs, ...(withFinal ? { finalObs } : {}), actions, rewards: Float32Array.from([s + 0.5, -s]), terminated, truncated, policyVersion: 0 });
  }
  return rec.toTable();
}

interface Episode {
  obs: number[][];
  actions: number[][];
  rewards: number[];
  terminated: number[];
  truncated: number[];
  nextObs: Array<number[] | null>;
}

/** Episodes (ordered by id, rows by t) as plain arrays; ids dropped when `withIds` is false. */
function episodes(table: Table): Array<Episode & { id: number }> {
  const f = flatFromTable(table, "test");
  const out: Array<Episode & { id: number }> = [];
  const d = f.obsSize;
  const a = f.actionSize;
  for (let r = 0; r < f.rows; r++) {
    if (r === 0 || f.episodeIds[r] !== f.episodeIds[r - 1]) out.push({ id: f.episodeIds[r]!, obs: [], actions: [], rewards: [], terminated: [], truncated: [], nextObs: [] });
    const e = out[out.length - 1]!;
    assert.equal(f.t[r], e.rewards.length, `row ${r}: t counts steps within the episode`);
    e.obs.push(Array.from(f.obs.subarray(r * d, (r + 1) * d)));
    e.actions.push(Array.from(f.actions.subarray(r * a, (r + 1) * a)));
    e.rewards.push(f.rewards[r]!);
    e.terminated.push(f.terminated[r]!);
    e.truncated.push(f.truncated[r]!);
    e.nextObs.push(f.nextObsValid && !f.nextObsValid[r] ? null : Array.from(f.nextObs.subarray(r * d, (r + 1) * d)));
  }
  return out;
}
const noIds = (eps: Array<Episode & { id: number }>) => eps.map(({ id: _id, ...rest }) => rest);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-interop-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("D4RL arrays", () => {
  for (const discrete of [true, false]) {
    test(`round trip trajectory → D4RL → trajectory (${discrete ? "discrete" : "continuous"})`, () => {
      const table = recordSynthetic(discrete);
      const arrays = toD4rl(table);
      assert.equal(arrays.rewards.length, 24);
      assert.ok(arrays.next_observations, "all next_obs known, so next_observations is present");
      const back = fromD4rl(arrays, { obsSize: D, actionSize: A, discrete, envId: "Synth-v0" });
      datasetFrom(back); // conforms to the trajectory schema
      assert.equal(back.schema.metadata.get("trellis.env_id"), "Synth-v0");
      assert.deepEqual(noIds(episodes(back)), noIds(episodes(table)));
      assert.equal(episodes(back).length, 5);
      // Without next_observations, next_obs is the next row within the episode and null at episode ends.
      const { next_observations: _n, ...rest } = arrays;
      const derived = episodes(fromD4rl(rest, { obsSize: D, actionSize: A, discrete, envId: "Synth-v0" }));
      episodes(table).forEach((e, k) => {
        const got = derived[k]!;
        assert.deepEqual(got.obs, e.obs);
        e.nextObs.forEach((x, t) => assert.deepEqual(got.nextObs[t], t === e.nextObs.length - 1 ? null : x));
      });
    });
  }

  test("handcrafted arrays: episodes from terminals | timeouts, next_obs from the next row", () => {
    const table = fromD4rl(
      {
        observations: Float64Array.from([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]),
        actions: Float64Array.from([0.5, -0.5, 1.5, 2, 3]),
        rewards: [1, 2, 3, 4, 5],
        terminals: [false, true, false, false, false],
        timeouts: Float32Array.from([0, 0, 0, 1, 0]),
      },
      { obsSize: 2, actionSize: 1, discrete: false, envId: "Hand-v0" },
    );
    const eps = episodes(table);
    assert.deepEqual(
      eps.map((e) => e.id),
      [0, 1, 2],
    );
    assert.deepEqual(eps[0], { id: 0, obs: [[0, 0], [1, 1]], actions: [[0.5], [-0.5]], rewards: [1, 2], terminated: [0, 1], truncated: [0, 0], nextObs: [[1, 1], null] });
    assert.deepEqual(eps[1], { id: 1, obs: [[2, 2], [3, 3]], actions: [[1.5], [2]], rewards: [3, 4], terminated: [0, 0], truncated: [0, 1], nextObs: [[3, 3], null] });
    assert.deepEqual(eps[2], { id: 2, obs: [[4, 4]], actions: [[3]], rewards: [5], terminated: [0], truncated: [0], nextObs: [null] });
    const back = toD4rl(table);
    assert.deepEqual(Array.from(back.terminals), [0, 1, 0, 0, 0]);
    assert.deepEqual(Array.from(back.timeouts), [0, 0, 0, 1, 0]);
    assert.equal(back.next_observations, undefined, "some next_obs are null");
  });

  test("toD4rl marks an unfinished episode followed by another with a timeout", () => {
    // Episode 5 (rows 0–1) has no end flag; episode 9 (rows 2–3) is terminated. Rows given out of order.
    const table = tableFromFlat({
      rows: 4,
      obsSize: 1,
      actionSize: 1,
      discrete: true,
      obs: Float32Array.from([20, 10, 11, 21]),
      actions: Int32Array.from([2, 0, 1, 3]),
      rewards: Float32Array.from([2, 0, 1, 3]),
      terminated: Uint8Array.from([0, 0, 0, 1]),
      truncated: new Uint8Array(4),
      nextObs: Float32Array.from([21, 11, 12, 22]),
      episodeIds: Float64Array.from([9, 5, 5, 9]),
      t: Int32Array.from([0, 0, 1, 1]),
    });
    const arrays = toD4rl(table);
    assert.deepEqual(Array.from(arrays.observations), [10, 11, 20, 21]);
    assert.deepEqual(Array.from(arrays.actions), [0, 1, 2, 3]);
    assert.deepEqual(Array.from(arrays.terminals), [0, 0, 0, 1]);
    assert.deepEqual(Array.from(arrays.timeouts), [0, 1, 0, 0]);
    assert.deepEqual(Array.from(arrays.next_observations!), [11, 12, 21, 22]);
  });

  test("errors name missing or mis-sized arrays", () => {
    assert.throws(() => fromD4rl({ observations: new Float32Array(4), actions: new Float32Array(2), rewards: [0, 0] } as never, { obsSize: 2, actionSize: 1, discrete: false, envId: "x" }), /missing arrays: terminals/);
    assert.throws(
      () => fromD4rl({ observations: new Float32Array(5), actions: new Float32Array(2), rewards: [0, 0], terminals: [0, 0] }, { obsSize: 2, actionSize: 1, discrete: false, envId: "x" }),
      /observations has length 5, expected 4/,
    );
    assert.throws(() => fromD4rl({ observations: new Float32Array(2), actions: [0.5], rewards: [0], terminals: [0] }, { obsSize: 2, actionSize: 1, discrete: true, envId: "x" }), /not an integer/);
  });
});

const f64List = (size: number) => new FixedSizeList(size, new Field("item", new Float64(), true));

async function writeStreamShard(path: string, table: Table): Promise<void> {
  await writeFile(path, tableToIPC(table, "stream"));
}

describe("Hugging Face save_to_disk", () => {
  for (const discrete of [true, false]) {
    test(`round trip trajectory → save_to_disk → trajectory (${discrete ? "discrete" : "continuous"}, 3 shards)`, async () => {
      const table = recordSynthetic(discrete);
      const out = join(dir, `hf-rt-${discrete}`);
      const files = await saveHfDataset(table, out, { shardRows: 10 });
      assert.deepEqual(files, ["data-00000-of-00003.arrow", "data-00001-of-00003.arrow", "data-00002-of-00003.arrow"]);
      const state = JSON.parse(await readFile(join(out, "state.json"), "utf8"));
      assert.deepEqual(state._data_files, files.map((filename) => ({ filename })));
      assert.equal(state._format_type, null);
      assert.equal(state._output_all_columns, false);
      const info = JSON.parse(await readFile(join(out, "dataset_info.json"), "utf8"));
      assert.deepEqual(info.features.obs, { _type: "Sequence", feature: { _type: "Value", dtype: "float32" }, length: D });
      assert.deepEqual(info.features.action, discrete ? { _type: "Value", dtype: "int32" } : { _type: "Sequence", feature: { _type: "Value", dtype: "float32" }, length: A });
      assert.deepEqual(info.features.terminated, { _type: "Value", dtype: "bool" });
      // Shards are IPC streams (not files) with the features in the schema metadata.
      const shard = await readFile(join(out, files[0]!));
      assert.deepEqual(Array.from(shard.subarray(0, 4)), [0xff, 0xff, 0xff, 0xff]);
      const shardTable = tableFromIPC(shard);
      assert.equal(shardTable.numRows, 10);
      assert.deepEqual(JSON.parse(shardTable.schema.metadata.get("huggingface")!).info.features, info.features);
      const back = await openHfDataset(out);
      assert.equal(back.table.schema.metadata.get("trellis.env_id"), "Synth-v0");
      assert.deepEqual(episodes(back.table), episodes(table));
    });
  }

  test("null next_obs survive the round trip", async () => {
    const table = recordSynthetic(true, false);
    const out = join(dir, "hf-null");
    await saveHfDataset(datasetFrom(table), out);
    const eps = episodes((await openHfDataset(out)).table);
    assert.deepEqual(eps, episodes(table));
    assert.equal(eps[0]!.nextObs.at(-1), null);
  });

  test("handcrafted directory: common column names, shard order from state.json, derived episodes and next_obs", async () => {
    const out = join(dir, "hf-hand");
    await mkdir(out, { recursive: true });
    const shard = (obs: number[][], actions: bigint[], rewards: number[], terminals: boolean[], timeouts: boolean[], ep: bigint[]) =>
      new Table({
        observations: vectorFromArray(obs, f64List(2)),
        actions: vectorFromArray(actions, new Int64()),
        rewards: vectorFromArray(rewards, new Float64()),
        terminals: vectorFromArray(terminals, new Bool()),
        timeouts: vectorFromArray(timeouts, new Bool()),
        episode_index: vectorFromArray(ep, new Int64()),
        text: vectorFromArray(["a", "b", "c"].slice(0, rewards.length)),
      });
    // Named so that sorted order differs from state.json's order.
    await writeStreamShard(join(out, "data-00001-of-00002.arrow"), shard([[0, 1], [1, 2], [2, 3]], [1n, 0n, 1n], [0.5, 1, 1.5], [false, false, true], [false, false, false], [7n, 7n, 7n]));
    await writeStreamShard(join(out, "data-00000-of-00002.arrow"), shard([[5, 6], [6, 7]], [2n, 2n], [-1, -2], [false, false], [false, true], [8n, 8n]));
    await writeFile(join(out, "state.json"), JSON.stringify({ _data_files: [{ filename: "data-00001-of-00002.arrow" }, { filename: "data-00000-of-00002.arrow" }], _fingerprint: "x", _format_columns: null, _format_kwargs: {}, _format_type: null, _output_all_columns: false, _split: null }));
    const ds = await openHfDataset(out, { envId: "Hand-v0" });
    assert.equal(ds.table.getChild("action")!.type.toString(), new Int32().toString(), "integer actions are discrete");
    assert.deepEqual(episodes(ds.table), [
      { id: 7, obs: [[0, 1], [1, 2], [2, 3]], actions: [[1], [0], [1]], rewards: [0.5, 1, 1.5], terminated: [0, 0, 1], truncated: [0, 0, 0], nextObs: [[1, 2], [2, 3], null] },
      { id: 8, obs: [[5, 6], [6, 7]], actions: [[2], [2]], rewards: [-1, -2], terminated: [0, 0], truncated: [0, 1], nextObs: [[6, 7], null] },
    ]);
    assert.deepEqual(ds.episodeSummaries().map((s) => [s.id, s.length, s.complete]), [[7, 3, true], [8, 2, true]]);
  });

  test("explicit column mapping, and an error listing unmapped required columns", async () => {
    const out = join(dir, "hf-map");
    await mkdir(out, { recursive: true });
    await writeStreamShard(
      join(out, "data-00000-of-00001.arrow"),
      new Table({
        my_state: vectorFromArray([[1], [2]], f64List(1)),
        act: vectorFromArray([0.25, 0.75], new Float32()),
        r: vectorFromArray([1, 2], new Float32()),
        done: vectorFromArray([false, true], new Bool()),
      }),
    );
    await assert.rejects(openHfDataset(out), (e: Error) => {
      assert.match(e.message, /unmapped required columns: obs \(tried obs, observation, observations/);
      assert.match(e.message, /action \(tried action, actions\)/);
      assert.match(e.message, /reward \(tried/);
      assert.doesNotMatch(e.message, /terminated \(tried/);
      assert.match(e.message, /available columns: my_state, act, r, done/);
      return true;
    });
    await assert.rejects(openHfDataset(out, { columns: { obs: "nope", action: "act", reward: "r" } }), /obs → nope \(no such column\)/);
    const ds = await openHfDataset(out, { columns: { obs: "my_state", action: "act", reward: "r" } });
    assert.deepEqual(episodes(ds.table), [{ id: 0, obs: [[1], [2]], actions: [[0.25], [0.75]], rewards: [1, 2], terminated: [0, 1], truncated: [0, 0], nextObs: [[2], null] }]);
    await assert.rejects(openHfDataset(join(dir, "hf-nothing-here")), /ENOENT|not a Hugging Face/);
  });
});

describe("Minari Arrow storage", () => {
  for (const discrete of [true, false]) {
    test(`round trip trajectory → Minari → trajectory (${discrete ? "discrete" : "continuous"})`, async () => {
      const table = recordSynthetic(discrete);
      const out = join(dir, `minari-rt-${discrete}`);
      await writeMinariArrow(table, out);
      const ids = episodes(table).map((e) => e.id);
      const names = (await readdir(join(out, "data"))).sort();
      assert.deepEqual(names, [...ids.map(String), "metadata.json"].sort());
      const meta = JSON.parse(await readFile(join(out, "data", "metadata.json"), "utf8"));
      assert.equal(meta.data_format, "arrow");
      assert.equal(meta.total_steps, 24);
      // n + 1 rows per episode, padded.
      const ep0 = tableFromIPC(await readFile(join(out, "data", String(ids[0]), "part-0.arrow")));
      const n0 = episodes(table)[0]!.rewards.length;
      assert.equal(ep0.numRows, n0 + 1);
      assert.equal(ep0.getChild("rewards")!.get(n0), 0);
      assert.deepEqual(JSON.parse(await readFile(join(out, "data", String(ids[0]), "metadata.json"), "utf8")), { id: ids[0], total_steps: n0 });
      const back = await readMinariArrow(out);
      assert.equal(back.table.schema.metadata.get("trellis.env_id"), "Synth-v0");
      assert.deepEqual(episodes(back.table), episodes(table));
    });
  }

  test("Minari Parquet layout and spaces serialized as Minari's serialize_space (CartPole, Pendulum)", async () => {
    for (const id of ["CartPole-v1", "Pendulum-v1"]) {
      const env = new RecordingVecEnv(rl.makeVec(id, { n: 2, seed: 1 }), "minari");
      env.reset({ seed: 1 });
      const actions = env.actionSpace.kind === "discrete" ? new Int32Array(2) : new Float32Array(2 * env.actionSize);
      for (let t = 0; t < 300; t++) {
        for (let i = 0; i < actions.length; i++) actions[i] = env.actionSpace.kind === "discrete" ? t % 2 : Math.sin(t + i);
        env.step(actions);
      }
      const table = env.recorder.toTable();
      // Only complete episodes: Minari needs each one's final observation.
      const done = rl.dataset.from(table).filter((e) => e.complete);
      const out = join(dir, `minari-parquet-${id}`);
      await writeMinariArrow(done, out, { format: "parquet" });
      const meta = JSON.parse(await readFile(join(out, "data", "metadata.json"), "utf8"));
      assert.equal(meta.data_format, "parquet");
      const firstEpisode = (await readdir(join(out, "data"))).find((n) => n !== "metadata.json")!;
      assert.deepEqual(await readdir(join(out, "data", firstEpisode)), ["metadata.json", "part-0.parquet"]);
      if (id === "CartPole-v1") {
        assert.equal(meta.action_space, '{"type": "Discrete", "dtype": "int64", "start": 0, "n": 2}');
        // Python's json writes the unbounded velocities as bare Infinity tokens.
        assert.match(meta.observation_space, /^\{"type": "Box", "dtype": "float32", "shape": \[4\], "low": \[-4\.8\d*, -Infinity, /);
      } else {
        assert.equal(meta.action_space, '{"type": "Box", "dtype": "float32", "shape": [1], "low": [-2], "high": [2]}');
      }
      const back = await readMinariArrow(out);
      assert.equal(back.numSteps, done.numSteps);
      assert.deepEqual(JSON.parse(back.table.schema.metadata.get("trellis.action_space")!), JSON.parse(table.schema.metadata.get("trellis.action_space")!));
      assert.deepEqual(JSON.parse(back.table.schema.metadata.get("trellis.observation_space")!), JSON.parse(table.schema.metadata.get("trellis.observation_space")!));
      assert.deepEqual(back.episodeSummaries(), done.episodeSummaries());
    }
    await assert.rejects(writeMinariArrow(recordSynthetic(true), join(dir, "minari-bad"), { format: "csv" as never }), /format must be "arrow" or "parquet"/);
  });

  test("writeMinariArrow refuses an episode without its final observation", async () => {
    await assert.rejects(writeMinariArrow(recordSynthetic(true, false), join(dir, "minari-nofinal")), /null next_obs; Minari needs each episode's final observation/);
  });

  test("handcrafted Minari episodes: n + 1 observations, padded actions, float64 data", async () => {
    const out = join(dir, "minari-hand");
    const episode = async (name: string, obs: number[][], actions: number[][], rewards: number[], term: boolean[], trunc: boolean[]) => {
      await mkdir(join(out, "data", name), { recursive: true });
      const t = new Table({
        observations: vectorFromArray(obs, f64List(2)),
        actions: vectorFromArray(actions, f64List(1)),
        rewards: vectorFromArray(rewards, new Float64()),
        terminations: vectorFromArray(term, new Bool()),
        truncations: vectorFromArray(trunc, new Bool()),
      });
      await writeFile(join(out, "data", name, "part-0.arrow"), tableToIPC(t, "file"));
      await writeFile(join(out, "data", name, "metadata.json"), JSON.stringify({ id: Number(name), total_steps: rewards.length - 1 }));
    };
    await episode("10", [[0, 0], [1, 1]], [[0.5], [0]], [1, 0], [true, false], [false, false]);
    await episode("2", [[5, 5], [6, 6], [7, 7]], [[-1], [1], [0]], [2, 3, 0], [false, false, false], [false, true, false]);
    await writeFile(join(out, "data", "metadata.json"), JSON.stringify({ data_format: "arrow", total_episodes: 11, total_steps: 3, env_spec: JSON.stringify({ id: "Point-v1" }) }));
    const ds = await readMinariArrow(join(out, "data"));
    assert.equal(ds.table.schema.metadata.get("trellis.env_id"), "Point-v1");
    assert.deepEqual(episodes(ds.table), [
      { id: 2, obs: [[5, 5], [6, 6]], actions: [[-1], [1]], rewards: [2, 3], terminated: [0, 0], truncated: [0, 1], nextObs: [[6, 6], [7, 7]] },
      { id: 10, obs: [[0, 0]], actions: [[0.5]], rewards: [1], terminated: [1], truncated: [0], nextObs: [[1, 1]] },
    ]);
    // The Minari-read dataset is a proper trajectory dataset: it saves and reopens.
    const path = join(dir, "minari-hand.arrow");
    await ds.save(path);
    assert.equal((await openDataset(path)).numSteps, 3);
  });

  test("errors for missing Minari columns and missing episodes", async () => {
    const out = join(dir, "minari-bad");
    await mkdir(join(out, "data", "0"), { recursive: true });
    const t = new Table({ observations: vectorFromArray([[0], [1]], f64List(1)), actions: vectorFromArray([0, 0], new Int32()), terminations: vectorFromArray([true, false], new Bool()) });
    await writeFile(join(out, "data", "0", "part-0.arrow"), tableToIPC(t, "file"));
    await assert.rejects(readMinariArrow(out), /lacks Minari columns: rewards, truncations \(has observations, actions, terminations\)/);
    const empty = join(dir, "minari-empty");
    await mkdir(empty, { recursive: true });
    await assert.rejects(readMinariArrow(empty), /no episode directories/);
  });
});
