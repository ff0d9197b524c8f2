// Interop with the real Python readers: pyarrow 25 reads every Arrow IPC and
// Parquet file Trellis writes, Hugging Face `datasets` 5 opens Trellis's
// save_to_disk export, and Trellis reads what pyarrow writes. The Python side
// is test/data/python_interop.py, run once for every check (its start-up is
// the slow part), in the venv scripts/python-env.sh makes (test/helpers/python-env.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DataType, type Table, type Vector } from "apache-arrow";
import { datasetFrom, openDataset } from "../../lib/data/dataset.js";
import { compressedIpcError, undecodableCompression } from "../../lib/data/ipc-compression.js";
import { bytesSource, readArrowLayout } from "../../lib/data/arrow-layout.js";
import { TrajectoryRecorder } from "../../lib/data/recorder.js";
import { META_ACTION_SPACE, META_COST_NAMES, META_ENV_ID, META_LIBRARY_VERSION, META_OBSERVATION_SPACE } from "../../lib/data/schema.js";
import { sequenceTable } from "../../lib/data/sequence-table.js";
import { flatFromTable } from "../../lib/data/interop/common.js";
import { openHfDataset, saveHfDataset } from "../../lib/data/interop/hf.js";
import { readMinariArrow, writeMinariArrow } from "../../lib/data/interop/minari.js";
import { makeVecEnv } from "../../lib/envs/registry.js";
import { rl } from "../../lib/index.js";
import { Rng } from "../../lib/random/rng.js";
import { VERSION } from "../../lib/version.js";
import { syntheticRows } from "../helpers/sequences.js";
import { interopPython } from "../helpers/python-env.js";

const HELPER = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "data", "python_interop.py");

// ---------------------------------------------------------------------------
// Values as JSON, the same way on both sides (python_interop.py's `plain`)

/** One value of an Arrow column as JSON data: lists as arrays, dictionaries as their values, int64 as numbers, non-finite floats as strings, bytes as hex. */
function plain(value: unknown, type: DataType): unknown {
  if (value === null || value === undefined) return null;
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isBinaryView(type) || DataType.isFixedSizeBinary(type)) return Buffer.from(value as Uint8Array).toString("hex");
  if (DataType.isList(type) || DataType.isLargeList(type) || DataType.isFixedSizeList(type)) {
    const child = type.children[0]!.type as DataType;
    return Array.from(value as Vector, (v) => plain(v, child));
  }
  if (DataType.isDictionary(type)) return plain(value, type.dictionary);
  if (typeof value === "bigint") {
    assert.ok(value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER), `int64 ${value} fits a JSON number`);
    return Number(value);
  }
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  return value;
}

type Columns = Record<string, unknown[]>;

/** Every column of `table` as JSON data. */
function jsonColumns(table: Table): Columns {
  return Object.fromEntries(table.schema.fields.map((f) => [f.name, Array.from(table.getChild(f.name)!, (v) => plain(v, f.type as DataType))]));
}

/** Each column equal, named in the failure. */
function assertSameColumns(actual: Columns, expected: Columns, where: string): void {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), `${where}: column names`);
  for (const name of Object.keys(expected)) assert.deepEqual(actual[name], expected[name], `${where}: column ${name}`);
}

// ---------------------------------------------------------------------------
// The Python side

interface Described {
  ok: true;
  num_rows: number;
  schema: { name: string; type: string; nullable: boolean }[];
  metadata: Record<string, string>;
  columns: Columns;
}
type Failed = { ok: false; error: string; trace: string };
interface HfRead {
  ok: true;
  num_rows: number;
  features: Record<string, string>;
  features_dict: Record<string, unknown>;
  columns: Columns;
  arrow: Omit<Described, "ok">;
}
interface MinariRead {
  ok: true;
  metadata: Record<string, unknown>;
  episodes: ({ id: number; episode_metadata: { id: number; total_steps: number } } & Omit<Described, "ok">)[];
}
interface PythonOutput {
  versions: { python: string; pyarrow: string; datasets: string };
  read: Record<string, Described | HfRead | MinariRead | Failed>;
  write: Record<string, Described | Failed>;
}

/** The job's one Python run. */
function runPython(python: string, job: unknown): PythonOutput {
  const r = spawnSync(python, [HELPER], { input: JSON.stringify(job), encoding: "utf8", maxBuffer: 256 << 20, timeout: 300_000 });
  assert.equal(r.status, 0, `python_interop.py failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as PythonOutput;
}

function ok<T>(entry: T | Failed | undefined, name: string): T {
  assert.ok(entry, `python_interop.py has no result for ${name}`);
  if ((entry as Failed).ok === false) assert.fail(`${name}: ${(entry as Failed).error}\n${(entry as Failed).trace}`);
  return entry as T;
}

// ---------------------------------------------------------------------------
// What Trellis writes

const D = 4;

/**
 * CartPole steps (2 copies, seeded random actions) into three recorders:
 * `traj` (final observations only in the first half, so later episode ends
 * have a null next_obs; values on even steps, log-probs on odd ones; three
 * record batches), `final` (every final observation, for Minari) and
 * `spill` (memoryLimitRows 0: every batch goes to its stream file).
 */
function recordCartPole(spillDir: string): { traj: Table; final: Table; spill: TrajectoryRecorder } {
  const env = makeVecEnv("CartPole-v1", { n: 2, seed: 4 });
  const rng = Rng.fromSeed(11);
  const options = { runId: "interop", initialCapacity: 8 };
  const traj = TrajectoryRecorder.forEnv(env, options);
  const final = TrajectoryRecorder.forEnv(env, options);
  const spill = TrajectoryRecorder.forEnv(env, { ...options, memoryLimitRows: 0, spillDir });
  env.reset();
  for (let s = 0; s < 48; s++) {
    const obs = Float32Array.from(env.obs);
    const actions = Int32Array.from({ length: 2 }, () => rng.int(2));
    const values = Float32Array.from({ length: 2 }, () => rng.float() - 0.5);
    const logp = Float32Array.from({ length: 2 }, () => -rng.float());
    env.step(actions);
    const step = { obs, actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, policyVersion: s >> 4 };
    traj.record({ ...step, ...(s < 24 ? { finalObs: env.finalObs } : {}), ...(s % 2 === 0 ? { values } : { logp }) });
    final.record({ ...step, finalObs: env.finalObs });
    spill.record({ ...step, finalObs: env.finalObs, values });
    if (s % 16 === 15) for (const r of [traj, final, spill]) r.flush();
  }
  return { traj: traj.toTable(), final: final.toTable(), spill };
}

/** Pendulum steps (1 copy): continuous actions, a FixedSizeList<f32>[1] action column. */
function recordPendulum(): Table {
  const env = makeVecEnv("Pendulum-v1", { n: 1, seed: 2 });
  const rng = Rng.fromSeed(5);
  const rec = TrajectoryRecorder.forEnv(env, { runId: "pendulum" });
  env.reset();
  for (let s = 0; s < 12; s++) {
    const obs = Float32Array.from(env.obs);
    const actions = Float32Array.from([rng.float() * 4 - 2]);
    env.step(actions);
    rec.record({ obs, actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, policyVersion: 0 });
  }
  return rec.toTable();
}

/** 30 steps of CartPole-Cost-v1 (two copies) with the constraint cost, the first 5 recorded without it (null). */
function recordCosted(): Table {
  const env = makeVecEnv("CartPole-Cost-v1", { n: 2, seed: 4, xLimit: 0.02 });
  const rec = TrajectoryRecorder.forEnv(env, { runId: "costed" });
  env.reset();
  for (let s = 0; s < 30; s++) {
    const obs = Float32Array.from(env.obs);
    const actions = Int32Array.of(s % 2, (s + 1) % 2);
    env.step(actions);
    rec.record({ obs, actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, ...(s >= 5 ? { costs: env.costs! } : {}), policyVersion: 0 });
  }
  return rec.toTable();
}

/** pyarrow's type strings for the trajectory schema's columns as Trellis writes them, and whether each is nullable. */
function trajectoryTypes(obsType: string, actionType: string): Record<string, [string, boolean]> {
  return {
    run_id: ["dictionary<values=string, indices=int32, ordered=0>", false],
    episode_id: ["int64", false],
    t: ["int32", false],
    obs: [obsType, false],
    action: [actionType, false],
    reward: ["float", false],
    terminated: ["bool", false],
    truncated: ["bool", false],
    next_obs: [obsType, true],
    behavior_logp: ["float", false],
    value: ["float", true],
    advantage: ["float", true],
    return: ["float", true],
    policy_version: ["int32", false],
    source: ["dictionary<values=string, indices=int8, ordered=0>", false],
    group_id: ["int64", true],
  };
}

function assertTypes(read: Omit<Described, "ok">, expected: Record<string, [string, boolean]>, where: string): void {
  const got = Object.fromEntries(read.schema.map((f) => [f.name, [f.type, f.nullable]]));
  assert.deepEqual(got, expected, `${where}: pyarrow's types and nullability`);
}

/** The schema metadata as a plain object. */
const metadataOf = (table: Table) => Object.fromEntries(table.schema.metadata);

/** Expected save_to_disk columns of a trajectory table: rows ordered by (episode_id, t), bools as booleans, null next_obs where unknown. */
function hfColumns(table: Table): Columns {
  const f = flatFromTable(table, "hfColumns");
  const rows = Array.from({ length: f.rows }, (_, r) => r);
  const vec = (values: Float32Array | Int32Array, size: number, r: number) => Array.from(values.subarray(r * size, (r + 1) * size));
  return {
    episode_id: Array.from(f.episodeIds),
    t: Array.from(f.t),
    obs: rows.map((r) => vec(f.obs, f.obsSize, r)),
    action: rows.map((r) => (f.discrete ? f.actions[r]! : vec(f.actions, f.actionSize, r))),
    reward: Array.from(f.rewards),
    terminated: Array.from(f.terminated, (x) => x === 1),
    truncated: Array.from(f.truncated, (x) => x === 1),
    next_obs: rows.map((r) => (f.nextObsValid && !f.nextObsValid[r] ? null : vec(f.nextObs, f.obsSize, r))),
  };
}

/** Expected Minari episodes of a trajectory table: n + 1 observations, actions/rewards/flags padded with one zero row. */
function minariEpisodes(table: Table): { id: number; columns: Columns }[] {
  const f = flatFromTable(table, "minariEpisodes");
  const out: { id: number; columns: Columns }[] = [];
  for (let r = 0; r < f.rows; r++) {
    if (r === 0 || f.episodeIds[r] !== f.episodeIds[r - 1]) out.push({ id: f.episodeIds[r]!, columns: { observations: [], actions: [], rewards: [], terminations: [], truncations: [] } });
    const c = out[out.length - 1]!.columns;
    c.observations!.push(Array.from(f.obs.subarray(r * f.obsSize, (r + 1) * f.obsSize)));
    c.actions!.push(f.actions[r]!);
    c.rewards!.push(f.rewards[r]!);
    c.terminations!.push(f.terminated[r] === 1);
    c.truncations!.push(f.truncated[r] === 1);
    if (r + 1 === f.rows || f.episodeIds[r + 1] !== f.episodeIds[r]) {
      c.observations!.push(Array.from(f.nextObs.subarray(r * f.obsSize, (r + 1) * f.obsSize)));
      c.actions!.push(0);
      c.rewards!.push(0);
      c.terminations!.push(false);
      c.truncations!.push(false);
    }
  }
  return out;
}

/** `expected` with `more` appended column by column. */
function concatColumns(expected: Columns, more: Columns): Columns {
  return Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, [...v, ...more[k]!]]));
}

/** What pyarrow writes from the trajectory table Trellis saved, and the codec Trellis refuses it for (none: it reads it). */
const TRAJ_VARIANTS: Record<string, { what: string; refused?: string }> = {
  "ipc-file": { what: "an uncompressed Arrow IPC file (pyarrow.ipc.new_file)" },
  "ipc-stream": { what: "an uncompressed Arrow IPC stream (pyarrow.ipc.new_stream)" },
  "feather-default": { what: "feather.write_feather with its defaults: an LZ4_FRAME-compressed IPC file", refused: "LZ4_FRAME" },
  "feather-uncompressed": { what: "feather.write_feather(table, path, compression='uncompressed'), as the refusal of compressed files advises" },
  "ipc-file-lz4": { what: "an IPC file with IpcWriteOptions(compression='lz4')", refused: "LZ4_FRAME" },
  "ipc-file-zstd": { what: "an IPC file with IpcWriteOptions(compression='zstd')", refused: "ZSTD" },
  "ipc-stream-zstd": { what: "an IPC stream with IpcWriteOptions(compression='zstd')", refused: "ZSTD" },
  "parquet-default": { what: "Parquet as pyarrow.parquet.write_table writes it by default (snappy)" },
  "parquet-zstd": { what: "Parquet, zstd" },
  "parquet-gzip": { what: "Parquet, gzip" },
  "parquet-brotli": { what: "Parquet, brotli" },
  "parquet-lz4": { what: "Parquet, lz4" },
  "ipc-shards": { what: "a folder of two IPC files" },
  "parquet-shards": { what: "a folder of two Parquet files" },
  "view-types": { what: "extra Utf8View and BinaryView columns" },
  "large-extra": { what: "extra LargeUtf8 and LargeList<int32> columns" },
  "pythonic": { what: "the types Python code usually makes: every field and list item nullable, items named element, int32 dictionary indices" },
  "dictionary-replacement": { what: "an IPC stream whose second batch replaces the run_id dictionary" },
};

// ---------------------------------------------------------------------------

const setup = interopPython();
const skip = "skip" in setup ? setup.skip : false;

describe("pyarrow and datasets read what Trellis writes; Trellis reads what pyarrow writes", { skip }, () => {
  let dir: string;
  let py: PythonOutput;
  let traj: Table;
  let final: Table;
  let spilled: Table;
  let pendulum: Table;
  let costed: Table;
  let seq: Table;
  let shards: Columns;
  let metrics: Table;
  let runData: Table;
  const at = (...parts: string[]) => join(dir, ...parts);
  const read = <T = Described>(name: string): T => ok(py.read[name] as T | Failed, `pyarrow reading ${name}`);
  const written = (name: string): Described => ok(py.write[name], `pyarrow writing ${name}`);

  before(async () => {
    if ("skip" in setup) return;
    dir = mkdtempSync(join(tmpdir(), "trellis-python-interop-"));
    for (const sub of ["spill", "py", "shards"]) mkdirSync(at(sub));
    const cartpole = recordCartPole(at("spill"));
    ({ traj, final } = cartpole);
    pendulum = recordPendulum();
    costed = recordCosted();
    seq = sequenceTable(syntheticRows(), { runId: "seq", envId: "tokens-v0" });
    const trajDs = datasetFrom(traj);
    await trajDs.save(at("traj.arrow"));
    await trajDs.save(at("traj.parquet"));
    await datasetFrom(final).save(at("final.parquet"));
    await datasetFrom(pendulum).save(at("pendulum.arrow"));
    await datasetFrom(costed).save(at("costed.arrow"));
    await datasetFrom(costed).save(at("costed.parquet"));
    await datasetFrom(seq).save(at("seq.arrow"));
    await datasetFrom(seq).save(at("seq.parquet"));
    // A shard folder: two files of one schema, read in name order.
    const ids = trajDs.episodes();
    const shardA = trajDs.select(ids.slice(0, 2));
    const shardB = trajDs.select(ids.slice(2));
    await shardA.save(at("shards", "part-0.arrow"));
    await shardB.save(at("shards", "part-1.arrow"));
    shards = concatColumns(jsonColumns(shardA.table), jsonColumns(shardB.table));
    // The spill file as it is while recording: an IPC stream without its end-of-stream marker.
    cartpole.spill.flush();
    copyFileSync(cartpole.spill.spillPath!, at("spill.arrows"));
    spilled = cartpole.spill.toTable();
    cartpole.spill.dispose();
    // A run checkpoint: metrics.arrow and data.arrow.
    const run = rl.env("CartPole-v1", { n: 2, seed: 1 }).algo(rl.ppo({ numSteps: 16, minibatches: 2 })).build();
    await run.train({ steps: 96 });
    await run.save(at("ckpt"));
    metrics = run.metrics;
    runData = run.data;
    // The exporters.
    await saveHfDataset(traj, at("hf"), { shardRows: 40 });
    await saveHfDataset(pendulum, at("hf-continuous"));
    await writeMinariArrow(final, at("minari-arrow"));
    await writeMinariArrow(final, at("minari-parquet"), { format: "parquet" });

    const reads: [string, string, string][] = [
      ["traj.arrow", "ipc-file", at("traj.arrow")],
      ["traj.parquet", "parquet", at("traj.parquet")],
      ["final.parquet", "parquet", at("final.parquet")],
      ["pendulum.arrow", "ipc-file", at("pendulum.arrow")],
      ["costed.arrow", "ipc-file", at("costed.arrow")],
      ["costed.parquet", "parquet", at("costed.parquet")],
      ["seq.arrow", "ipc-file", at("seq.arrow")],
      ["seq.parquet", "parquet", at("seq.parquet")],
      ["shards", "ipc-dir", at("shards")],
      ["spill", "ipc-stream", at("spill.arrows")],
      ["metrics", "ipc-file", at("ckpt", "metrics.arrow")],
      ["data", "ipc-file", at("ckpt", "data.arrow")],
      ["hf", "hf", at("hf")],
      ["hf-continuous", "hf", at("hf-continuous")],
      ["hf-shard", "ipc-stream", at("hf", "data-00000-of-00003.arrow")],
      ["minari-arrow", "minari", at("minari-arrow")],
      ["minari-parquet", "minari", at("minari-parquet")],
    ];
    const writes: { name: string; variant: string; source: string; path: string }[] = [];
    for (const variant of Object.keys(TRAJ_VARIANTS)) writes.push({ name: `traj.${variant}`, variant, source: at("traj.arrow"), path: at("py", `traj.${variant}`) });
    for (const variant of ["ipc-file", "parquet-default", "large-tokens", "pythonic"]) writes.push({ name: `seq.${variant}`, variant, source: at("seq.arrow"), path: at("py", `seq.${variant}`) });
    for (const export_ of ["hf", "minari-arrow"]) writes.push({ name: `${export_}-zstd`, variant: "recompress-dir", source: at(export_), path: at("py", `${export_}-zstd`) });
    py = runPython(setup.python, { read: reads.map(([name, kind, path]) => ({ name, kind, path })), write: writes });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the readers are pyarrow 25 and datasets 5", () => {
    assert.match(py.versions.pyarrow, /^25\./);
    assert.match(py.versions.datasets, /^5\./);
  });

  describe("pyarrow reads every file Trellis writes", () => {
    const cartpoleTypes = () => trajectoryTypes("fixed_size_list<item: float not null>[4]", "int32");

    test("Dataset.save's Arrow IPC file: dictionary, FixedSizeList, bool and nullable columns, schema metadata and every value", () => {
      const r = read("traj.arrow");
      assert.equal(traj.batches.length, 3, "several record batches sharing their dictionaries");
      assert.equal(r.num_rows, traj.numRows);
      assertTypes(r, cartpoleTypes(), "traj.arrow");
      assert.deepEqual(r.metadata, metadataOf(traj));
      assert.equal(r.metadata[META_ENV_ID], "CartPole-v1");
      assert.equal(r.metadata[META_LIBRARY_VERSION], VERSION);
      assert.deepEqual(JSON.parse(r.metadata[META_ACTION_SPACE]!), { kind: "discrete", n: 2 });
      assert.deepEqual(JSON.parse(r.metadata[META_OBSERVATION_SPACE]!).low.slice(0, 2), [-4.800000190734863, "-Infinity"]);
      assertSameColumns(r.columns, jsonColumns(traj), "traj.arrow");
      // The data has what these columns are for: nulls, NaNs, several episodes.
      assert.ok(r.columns.next_obs!.includes(null) && r.columns.value!.includes(null) && r.columns.behavior_logp!.includes("NaN"));
      assert.ok(new Set(r.columns.episode_id).size >= 4);
    });

    test("a constrained env's trajectory: a nullable f32 cost column and its names in the metadata, in the IPC file and in Parquet", () => {
      for (const name of ["costed.arrow", "costed.parquet"]) {
        const r = read(name);
        assertTypes(r, { ...trajectoryTypes("fixed_size_list<item: float not null>[4]", "int32"), cost: ["float", true] }, name);
        assert.equal(r.metadata[META_COST_NAMES], '["position"]');
        assertSameColumns(r.columns, jsonColumns(costed), name);
        assert.ok(r.columns.cost!.includes(null) && r.columns.cost!.includes(1), `${name}: nulls and costs`);
      }
    });

    test("continuous actions: a FixedSizeList<f32>[1] action column", () => {
      const r = read("pendulum.arrow");
      assertTypes(r, trajectoryTypes("fixed_size_list<item: float not null>[3]", "fixed_size_list<item: float not null>[1]"), "pendulum.arrow");
      assert.equal(r.metadata[META_ENV_ID], "Pendulum-v1");
      assertSameColumns(r.columns, jsonColumns(pendulum), "pendulum.arrow");
    });

    test("a sequence table: List<int32> tokens, nullable List<f32> token_logp / token_adv, List<f32> prompts, in the IPC file and in Parquet", () => {
      const types = {
        ...trajectoryTypes("list<item: float not null>", "int32"),
        tokens: ["list<item: int32 not null>", false],
        token_logp: ["list<item: float not null>", true],
        token_adv: ["list<item: float not null>", true],
      } as Record<string, [string, boolean]>;
      for (const name of ["seq.arrow", "seq.parquet"]) {
        const r = read(name);
        assert.equal(r.num_rows, seq.numRows);
        assertTypes(r, types, name);
        assert.deepEqual(r.metadata, metadataOf(seq), `${name}: metadata`);
        assertSameColumns(r.columns, jsonColumns(seq), name);
      }
      assert.deepEqual(read("seq.arrow").columns.tokens!.slice(7), [[5, 6], [7, 8, 9]]);
      assert.deepEqual(read("seq.arrow").columns.group_id!.slice(6), [11, null, null]);
    });

    test("Dataset.save's Parquet keeps the Arrow types and metadata; pyarrow 25 cannot read a FixedSizeList column with null rows (apache/arrow GH-35692), every other column it reads", () => {
      const whole = read<Described & { failed_columns: Record<string, string> }>("final.parquet");
      assert.deepEqual(whole.failed_columns, {});
      assertTypes(whole, cartpoleTypes(), "final.parquet");
      assert.deepEqual(whole.metadata, metadataOf(final));
      assertSameColumns(whole.columns, jsonColumns(final), "final.parquet");
      // traj's next_obs has null rows (episode ends recorded without their final observation).
      const partial = read<Described & { failed_columns: Record<string, string> }>("traj.parquet");
      assert.deepEqual(Object.keys(partial.failed_columns), ["next_obs"]);
      assert.match(partial.failed_columns.next_obs!, /Expected all lists to be of size=4/);
      const { next_obs: _, ...expected } = jsonColumns(traj);
      assertSameColumns(partial.columns, expected, "traj.parquet without next_obs");
    });

    test("Trellis's own Parquet reader reads that next_obs column back, nulls included (the file is right; pyarrow 25's reader is not)", async () => {
      const back = await rl.dataset.open(at("traj.parquet"));
      assertSameColumns(jsonColumns(back.table), jsonColumns(traj), "traj.parquet read by Trellis");
    });

    test("a shard folder: pyarrow.dataset reads the files as one table", () => {
      const r = read("shards");
      assertTypes(r, cartpoleTypes(), "shards");
      assertSameColumns(r.columns, shards, "shards");
    });

    test("the recorder's spill file: an IPC stream read while still open (no end-of-stream marker yet)", () => {
      const r = read("spill");
      assert.equal(r.num_rows, 96);
      assertTypes(r, cartpoleTypes(), "spill");
      assertSameColumns(r.columns, jsonColumns(spilled), "spill");
    });

    test("a run checkpoint's metrics.arrow and data.arrow", () => {
      const m = read("metrics");
      assert.equal(m.num_rows, metrics.numRows);
      assert.ok(m.num_rows >= 3);
      for (const f of m.schema) assert.equal(f.type, "double", `metrics column ${f.name}`);
      assertSameColumns(m.columns, jsonColumns(metrics), "metrics.arrow");
      const d = read("data");
      assertTypes(d, cartpoleTypes(), "data.arrow");
      assert.equal(d.metadata[META_ENV_ID], "CartPole-v1");
      assertSameColumns(d.columns, jsonColumns(runData), "data.arrow");
    });
  });

  describe("Hugging Face datasets.load_from_disk opens the save_to_disk export", () => {
    const features = (d: number, action: string) => ({
      episode_id: "Value('int64')",
      t: "Value('int32')",
      obs: `List(Value('float32'), length=${d})`,
      action,
      reward: "Value('float32')",
      terminated: "Value('bool')",
      truncated: "Value('bool')",
      next_obs: `List(Value('float32'), length=${d})`,
    });

    test("discrete actions, three shards: features, rows ordered by episode and step, nulls kept", () => {
      const r = read<HfRead>("hf");
      assert.equal(r.num_rows, traj.numRows);
      assert.deepEqual(r.features, features(D, "Value('int32')"));
      assertSameColumns(r.columns, hfColumns(traj), "hf");
      assert.ok(r.columns.next_obs!.includes(null));
    });

    test("continuous actions: a float32 List feature of fixed length", () => {
      const r = read<HfRead>("hf-continuous");
      assert.deepEqual(r.features, features(3, "List(Value('float32'), length=1)"));
      assertSameColumns(r.columns, hfColumns(pendulum), "hf-continuous");
    });

    test("each shard is an IPC stream pyarrow reads, with the features and the env id in its schema metadata", () => {
      const r = read("hf-shard");
      assert.equal(r.num_rows, 40);
      assert.deepEqual(JSON.parse(r.metadata.huggingface!).info.features.obs, { _type: "Sequence", feature: { _type: "Value", dtype: "float32" }, length: D });
      assert.equal(r.metadata[META_ENV_ID], "CartPole-v1");
    });
  });

  describe("pyarrow reads the Minari export as Minari's storages do", () => {
    for (const format of ["arrow", "parquet"]) {
      test(`${format}: one directory per episode, n + 1 observations, padded actions, rewards and flags`, () => {
        const r = read<MinariRead>(`minari-${format}`);
        const expected = minariEpisodes(final);
        assert.equal(r.metadata.data_format, format);
        assert.equal(r.metadata.total_episodes, expected.length);
        assert.equal(r.metadata.total_steps, final.numRows);
        assert.deepEqual(r.episodes.map((e) => e.id), expected.map((e) => e.id));
        r.episodes.forEach((e, k) => {
          assert.deepEqual(e.episode_metadata, { id: e.id, total_steps: expected[k]!.columns.rewards!.length - 1 });
          assertTypes(e, { observations: ["fixed_size_list<item: float not null>[4]", false], actions: ["int32", false], rewards: ["float", false], terminations: ["bool", false], truncations: ["bool", false] }, `episode ${e.id}`);
          assertSameColumns(e.columns, expected[k]!.columns, `minari-${format} episode ${e.id}`);
        });
      });
    }
  });

  describe("Trellis reads what pyarrow writes", () => {
    for (const [variant, note] of Object.entries(TRAJ_VARIANTS)) {
      if (note.refused) continue;
      test(`${variant}: ${note.what}`, async () => {
        const w = written(`traj.${variant}`);
        const ds = await rl.dataset.open(at("py", `traj.${variant}`));
        assert.equal(ds.numSteps, w.num_rows);
        assertSameColumns(jsonColumns(ds.table), w.columns, variant);
        assert.equal(ds.schema.metadata.get(META_ENV_ID), "CartPole-v1");
        // What pyarrow wrote is the table Trellis wrote (plus the extra columns, less renamed runs).
        const original = jsonColumns(traj);
        for (const [name, values] of Object.entries(original)) if (!(variant === "dictionary-replacement" && name === "run_id")) assert.deepEqual(w.columns[name], values, `${variant}: pyarrow wrote ${name} as read`);
      });
    }

    test("pyarrow's uncompressed IPC files and streams (schema message after the magic, dictionaries, views) show nothing undecodable", () => {
      for (const variant of ["ipc-file", "ipc-stream", "feather-uncompressed", "view-types", "large-extra", "pythonic", "dictionary-replacement"]) {
        const path = at("py", `traj.${variant}`);
        assert.equal(undecodableCompression(readArrowLayout(bytesSource(new Uint8Array(readFileSync(path))), path)), undefined, variant);
      }
    });

    test("pyarrow's IPC file (schema message after the magic): columns read alone and sampled minibatches equal the table's", async () => {
      const ds = await openDataset(at("py", "traj.ipc-file"));
      for (const name of ["obs", "next_obs", "run_id", "value"]) assert.deepEqual(Array.from(ds.column(name)!, (v) => plain(v, ds.schema.fields.find((f) => f.name === name)!.type)), jsonColumns(traj)[name], `column ${name}`);
      const batch = ds.sampler({ batchSize: 8, rng: Rng.fromSeed(1) }).next();
      const obs = jsonColumns(traj).obs as number[][];
      Array.from(batch.rows).forEach((row, k) => assert.deepEqual(Array.from((batch.columns.obs as Float32Array).subarray(k * D, (k + 1) * D)), obs[row]));
    });

    test("view types: Utf8View and BinaryView columns (inline and out-of-line values) read whole", async () => {
      const ds = await openDataset(at("py", "traj.view-types"));
      assert.equal(String(ds.schema.fields.find((f) => f.name === "note")!.type), "Utf8View");
      const w = written("traj.view-types");
      for (const name of ["note", "blob"]) assert.deepEqual(Array.from(ds.column(name)!, (v) => plain(v, ds.schema.fields.find((f) => f.name === name)!.type)), w.columns[name], `column ${name}`);
      assert.ok((w.columns.note as (string | null)[]).some((s) => s !== null && Buffer.byteLength(s) > 12), "some strings are longer than a view's 12 inline bytes");
    });

    test("large types: LargeUtf8 and LargeList columns, read alone from the file", async () => {
      const ds = await openDataset(at("py", "traj.large-extra"));
      const w = written("traj.large-extra");
      for (const name of ["note", "lengths"]) assert.deepEqual(Array.from(ds.column(name)!, (v) => plain(v, ds.schema.fields.find((f) => f.name === name)!.type)), w.columns[name], `column ${name}`);
    });

    test("a sequence table from pyarrow: IPC file, Parquet and Python's usual types read as written", async () => {
      for (const variant of ["ipc-file", "parquet-default", "pythonic"]) {
        const ds = await rl.dataset.open(at("py", `seq.${variant}`));
        assertSameColumns(jsonColumns(ds.table), jsonColumns(seq), `seq.${variant}`);
      }
    });

    test("LargeList token columns are refused by the trajectory schema check, naming each column and its type; without the check they read as written", async () => {
      const path = at("py", "seq.large-tokens");
      await assert.rejects(rl.dataset.open(path), (e: Error) => {
        assert.match(e.message, /not in the trajectory schema; mistyped columns: tokens \(LargeList<Int32>, expected List<int32>\), token_logp \(LargeList<Float32>, expected List<f32>\), token_adv \(LargeList<Float32>, expected List<f32>\)/);
        return true;
      });
      const ds = await rl.dataset.open(path, { validate: false });
      assertSameColumns(jsonColumns(ds.table), jsonColumns(seq), "seq.large-tokens");
    });

    test("the refusal of LargeList token columns says what to do: cast them to List with pyarrow before writing", async () => {
      const hint =
        "pyarrow's large and view types (large_list, large_string, string_view, …) are not the trajectory schema's: cast those columns before writing, " +
        "e.g. table.cast(pa.schema([pa.field(f.name, pa.list_(f.type.value_type), f.nullable) if pa.types.is_large_list(f.type) else f for f in table.schema], metadata=table.schema.metadata))";
      await assert.rejects(rl.dataset.open(at("py", "seq.large-tokens")), (e: Error) => e.message.endsWith(`; ${hint}`));
    });

    for (const [variant, note] of Object.entries(TRAJ_VARIANTS)) {
      if (!note.refused) continue;
      test(`${variant}: ${note.what}: refused at once, never read as other data`, async () => {
        const path = at("py", `traj.${variant}`);
        const bytes = new Uint8Array(readFileSync(path));
        assert.equal(undecodableCompression(readArrowLayout(bytesSource(bytes), path)), note.refused);
        const started = Date.now();
        // The refusal names the file and the codec, says Trellis cannot decompress it and how to re-save it.
        await assert.rejects(rl.dataset.open(path), { message: compressedIpcError(path, note.refused!).message });
        assert.ok(Date.now() - started < 5_000, "refused within 5 s");
      });
    }

    test("a save_to_disk export and a Minari export whose Arrow files pyarrow recompressed (zstd) are refused with the codec and what to do", async () => {
      ok(py.write["hf-zstd"], "recompressing the HF export");
      ok(py.write["minari-arrow-zstd"], "recompressing the Minari export");
      const shard = at("py", "hf-zstd", "data-00000-of-00003.arrow");
      await assert.rejects(openHfDataset(at("py", "hf-zstd")), { message: compressedIpcError(shard, "ZSTD").message });
      const episode = at("py", "minari-arrow-zstd", "data", "0", "part-0.arrow");
      await assert.rejects(readMinariArrow(at("py", "minari-arrow-zstd")), { message: compressedIpcError(episode, "ZSTD").message });
    });
  });
});
