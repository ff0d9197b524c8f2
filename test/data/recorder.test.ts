import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Bool, DataType, Dictionary, FixedSizeList, Float32, Int32, Int64, Int8, Utf8, tableFromIPC, tableToIPC, type Table } from "apache-arrow";
import { TrajectoryRecorder } from "../../lib/data/recorder.js";
import { META_ACTION_SPACE, META_ENV_ID, META_LIBRARY_VERSION, META_OBSERVATION_SPACE, trajectorySchema } from "../../lib/data/schema.js";
import { makeVecEnv } from "../../lib/envs/registry.js";
import { Rng } from "../../lib/random/rng.js";
import { VERSION } from "../../lib/version.js";

const N = 3;
const STEPS = 60;

interface Fed {
  obs: Float32Array[];
  actions: Int32Array[];
  rewards: Float32Array[];
  terminated: Uint8Array[];
  truncated: Uint8Array[];
  nextObs: Float32Array[];
  finalObs: Float32Array[];
  logp: Float32Array[];
  values: Float32Array[];
}

/** Records STEPS steps of CartPole (n = 3, seed 1) with random actions, flushing once midway. */
function recordCartPole(): { recorder: TrajectoryRecorder; fed: Fed; midBatchRows: number } {
  const env = makeVecEnv("CartPole-v1", { n: N, seed: 1 });
  const rng = Rng.fromSeed(7);
  const recorder = TrajectoryRecorder.forEnv(env, { runId: "test-run", initialCapacity: 8 });
  const fed: Fed = { obs: [], actions: [], rewards: [], terminated: [], truncated: [], nextObs: [], finalObs: [], logp: [], values: [] };
  env.reset();
  let midBatchRows = -1;
  for (let s = 0; s < STEPS; s++) {
    const obs = Float32Array.from(env.obs);
    const actions = Int32Array.from({ length: N }, () => rng.int(2));
    const logp = new Float32Array(N).fill(Math.log(0.5));
    const values = Float32Array.from({ length: N }, () => rng.float());
    env.step(actions);
    recorder.record({
      obs,
      actions,
      rewards: env.rewards,
      terminated: env.terminated,
      truncated: env.truncated,
      nextObs: env.obs,
      finalObs: env.finalObs,
      logp,
      values,
      policyVersion: s >> 4,
    });
    fed.obs.push(obs);
    fed.actions.push(actions);
    fed.rewards.push(Float32Array.from(env.rewards));
    fed.terminated.push(Uint8Array.from(env.terminated));
    fed.truncated.push(Uint8Array.from(env.truncated));
    fed.nextObs.push(Float32Array.from(env.obs));
    fed.finalObs.push(Float32Array.from(env.finalObs));
    fed.logp.push(logp);
    fed.values.push(values);
    if (s === 24) midBatchRows = recorder.flush().numRows;
  }
  return { recorder, fed, midBatchRows };
}

function checkColumns(table: Table, fed: Fed): void {
  assert.equal(table.numRows, STEPS * N);
  const col = (name: string) => {
    const c = table.getChild(name);
    assert.ok(c, `column ${name}`);
    return c;
  };
  const episode = col("episode_id");
  const t = col("t");
  const obs = col("obs");
  const nextObs = col("next_obs");
  // Episode ids: copy i starts at i; every finished episode takes the next unused id (3, 4, …), in copy order within a step.
  const episodeOf = [0, 1, 2];
  const tOf = [0, 0, 0];
  let nextEpisode = N;
  let finished = 0;
  for (let s = 0; s < STEPS; s++) {
    for (let i = 0; i < N; i++) {
      const r = s * N + i;
      assert.equal(col("run_id").get(r), "test-run");
      assert.equal(episode.get(r), BigInt(episodeOf[i]!), `episode_id row ${r}`);
      assert.equal(t.get(r), tOf[i], `t row ${r}`);
      assert.deepEqual(Array.from(obs.get(r)!), Array.from(fed.obs[s]!.subarray(i * 4, i * 4 + 4)), `obs row ${r}`);
      assert.equal(col("action").get(r), fed.actions[s]![i]);
      assert.equal(col("reward").get(r), fed.rewards[s]![i]);
      const te = fed.terminated[s]![i] === 1;
      const tr = fed.truncated[s]![i] === 1;
      assert.equal(col("terminated").get(r), te);
      assert.equal(col("truncated").get(r), tr);
      const expectedNext = te || tr ? fed.finalObs[s]! : fed.nextObs[s]!;
      assert.deepEqual(Array.from(nextObs.get(r)!), Array.from(expectedNext.subarray(i * 4, i * 4 + 4)), `next_obs row ${r}`);
      assert.equal(col("behavior_logp").get(r), fed.logp[s]![i]);
      assert.equal(col("value").get(r), fed.values[s]![i]);
      assert.equal(col("advantage").get(r), null);
      assert.equal(col("return").get(r), null);
      assert.equal(col("group_id").get(r), null);
      assert.equal(col("policy_version").get(r), s >> 4);
      assert.equal(col("source").get(r), "online");
      if (te || tr) {
        finished++;
        episodeOf[i] = nextEpisode++;
        tOf[i] = 0;
      } else tOf[i]!++;
    }
  }
  assert.ok(finished >= 3, `random CartPole should finish some episodes in ${STEPS} steps (finished ${finished})`);
  // With auto-reset, a finished copy's nextObs row is the next episode's first
  // observation; the recorded next_obs must be finalObs, which differs from it.
  let differs = 0;
  for (let s = 0; s < STEPS; s++) {
    for (let i = 0; i < N; i++) {
      if (fed.terminated[s]![i] || fed.truncated[s]![i]) {
        if (fed.finalObs[s]![i * 4] !== fed.nextObs[s]![i * 4]) differs++;
      }
    }
  }
  assert.equal(differs, finished);
  assert.equal(nextObs.nullCount, 0);
  assert.equal(col("advantage").nullCount, STEPS * N);
}

describe("trajectorySchema", () => {
  test("column types, nullability and metadata", () => {
    const env = makeVecEnv("CartPole-v1", { n: 2 });
    const schema = trajectorySchema({ obsSize: 4, actionSize: 1, discrete: true, envId: env.id, observationSpace: env.observationSpace, actionSpace: env.actionSpace });
    const expected: [string, (t: DataType) => boolean, boolean][] = [
      ["run_id", (t) => t instanceof Dictionary && t.dictionary instanceof Utf8, false],
      ["episode_id", (t) => t instanceof Int64, false],
      ["t", (t) => t instanceof Int32, false],
      ["obs", (t) => t instanceof FixedSizeList && t.listSize === 4 && t.valueType instanceof Float32, false],
      ["action", (t) => t instanceof Int32, false],
      ["reward", (t) => t instanceof Float32, false],
      ["terminated", (t) => t instanceof Bool, false],
      ["truncated", (t) => t instanceof Bool, false],
      ["next_obs", (t) => t instanceof FixedSizeList && t.listSize === 4 && t.valueType instanceof Float32, true],
      ["behavior_logp", (t) => t instanceof Float32, false],
      ["value", (t) => t instanceof Float32, true],
      ["advantage", (t) => t instanceof Float32, true],
      ["return", (t) => t instanceof Float32, true],
      ["policy_version", (t) => t instanceof Int32, false],
      ["source", (t) => t instanceof Dictionary && t.dictionary instanceof Utf8 && t.indices instanceof Int8, false],
      ["group_id", (t) => t instanceof Int64, true],
    ];
    assert.deepEqual(schema.fields.map((f) => f.name), expected.map(([n]) => n));
    for (const [name, isType, nullable] of expected) {
      const f = schema.fields.find((x) => x.name === name)!;
      assert.ok(isType(f.type), `${name}: ${String(f.type)}`);
      assert.equal(f.nullable, nullable, `${name} nullable`);
    }
    assert.equal(schema.metadata.get(META_ENV_ID), "CartPole-v1");
    assert.equal(schema.metadata.get(META_LIBRARY_VERSION), VERSION);
    assert.deepEqual(JSON.parse(schema.metadata.get(META_ACTION_SPACE)!), { kind: "discrete", n: 2 });
    const obsSpace = JSON.parse(schema.metadata.get(META_OBSERVATION_SPACE)!);
    assert.equal(obsSpace.kind, "box");
    assert.deepEqual(obsSpace.shape, [4]);
    assert.equal(obsSpace.low.length, 4);
  });

  test("continuous actions are FixedSizeList<f32>[actionSize]", () => {
    const schema = trajectorySchema({ obsSize: 3, actionSize: 2, discrete: false, envId: "x", libraryVersion: "9.9.9" });
    const action = schema.fields[4]!.type;
    assert.ok(action instanceof FixedSizeList && action.listSize === 2 && action.valueType instanceof Float32);
    assert.equal(schema.metadata.get(META_LIBRARY_VERSION), "9.9.9");
  });
});

describe("TrajectoryRecorder", () => {
  test("records CartPole steps column for column (episode ids, t, next_obs = finalObs)", () => {
    const { recorder, fed, midBatchRows } = recordCartPole();
    assert.equal(midBatchRows, 25 * N);
    assert.equal(recorder.pendingRows, (STEPS - 25) * N);
    const table = recorder.toTable();
    assert.equal(table.batches.length, 2);
    assert.equal(recorder.pendingRows, 0);
    assert.equal(recorder.recordedRows, STEPS * N);
    assert.equal(table.schema, recorder.schema);
    checkColumns(table, fed);
  });

  test("IPC round trip preserves columns, types and metadata", () => {
    const { recorder, fed } = recordCartPole();
    const table = recorder.toTable();
    const back = tableFromIPC(tableToIPC(table));
    assert.deepEqual(back.schema.fields.map((f) => [f.name, String(f.type), f.nullable]), table.schema.fields.map((f) => [f.name, String(f.type), f.nullable]));
    assert.deepEqual(new Map(back.schema.metadata), new Map(table.schema.metadata));
    checkColumns(back, fed);
  });

  test("record copies its inputs; missing logp/values/finalObs give NaN/null/null", () => {
    const rec = new TrajectoryRecorder({ numEnvs: 2, obsSize: 1, actionSize: 2, discrete: false, envId: "toy" });
    const obs = Float32Array.of(1, 2);
    const nextObs = Float32Array.of(3, 4);
    const actions = Float32Array.of(0.1, 0.2, 0.3, 0.4);
    rec.record({ obs, actions, rewards: Float32Array.of(1, 2), terminated: Uint8Array.of(0, 1), truncated: Uint8Array.of(0, 0), nextObs, policyVersion: 5, source: "teacher" });
    obs.fill(-1);
    nextObs.fill(-1);
    actions.fill(-1);
    const batch = rec.flush();
    assert.equal(batch.numRows, 2);
    assert.deepEqual(Array.from(batch.getChild("obs")!.get(0)!), [1]);
    assert.deepEqual(Array.from(batch.getChild("action")!.get(1)!), [Math.fround(0.3), Math.fround(0.4)]);
    assert.deepEqual(Array.from(batch.getChild("next_obs")!.get(0)!), [3]);
    assert.equal(batch.getChild("next_obs")!.get(1), null);
    assert.ok(Number.isNaN(batch.getChild("behavior_logp")!.get(0)));
    assert.equal(batch.getChild("value")!.get(0), null);
    assert.equal(batch.getChild("source")!.get(1), "teacher");
    assert.equal(batch.getChild("policy_version")!.get(1), 5);
    assert.equal(batch.getChild("episode_id")!.get(1), 1n);
    assert.equal(rec.episodeId(1), 2);
    assert.equal(rec.stepIndex(0), 1);
    assert.equal(rec.flush().numRows, 0);
  });

  test("rejects buffers of the wrong type or length", () => {
    const rec = new TrajectoryRecorder({ numEnvs: 2, obsSize: 1, actionSize: 1, discrete: true, envId: "toy" });
    const ok = { obs: new Float32Array(2), actions: new Int32Array(2), rewards: new Float32Array(2), terminated: new Uint8Array(2), truncated: new Uint8Array(2), nextObs: new Float32Array(2), policyVersion: 0 };
    assert.throws(() => rec.record({ ...ok, obs: new Float32Array(3) }), RangeError);
    assert.throws(() => rec.record({ ...ok, actions: new Float32Array(2) }), TypeError);
    assert.equal(rec.pendingRows, 0);
  });
});

test("takeBatch hands the pending rows over without keeping them (an actor streaming its batches away)", () => {
  const env = makeVecEnv("CartPole-v1", { n: 2, seed: 1 });
  const recorder = TrajectoryRecorder.forEnv(env, { runId: "actor" });
  env.reset();
  const step = () => {
    const obs = Float32Array.from(env.obs);
    env.step(Int32Array.of(0, 1));
    recorder.record({ obs, actions: Int32Array.of(0, 1), rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, policyVersion: 0 });
  };
  step();
  step();
  const first = recorder.takeBatch();
  assert.equal(first.numRows, 4);
  step();
  assert.equal(recorder.takeBatch().numRows, 2);
  assert.equal(recorder.takeBatch().numRows, 0);
  assert.equal(recorder.toTable().numRows, 0, "nothing kept");
});
