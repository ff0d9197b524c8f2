import assert from "node:assert/strict";
import { test } from "node:test";
import { RecordBatch, Schema, Table, tableFromIPC, tableToIPC } from "apache-arrow";
import fc from "fast-check";
import { TrajectoryRecorder } from "../../lib/data/recorder.js";
import { makeVecEnv } from "../../lib/envs/registry.js";
import { Rng } from "../../lib/random/rng.js";
import { VERSION } from "../../lib/version.js";
import { Actor, actorJobProblems } from "../../lib/workers/actor.js";
import { META_BATCH, readTrajectoryBatch, trajectoryBatchBytes, TrajectoryBatchError, type BatchExpectation } from "../../lib/workers/trajectory-batch.js";

const N = 3;
const STEPS = 40;
const expect: BatchExpectation = { envId: "CartPole-v1", obsSize: 4, actionSize: 2, discrete: true, numEnvs: N, numSteps: STEPS };

/** STEPS steps of CartPole (3 copies, episodes ending inside) as an actor records them, and what it fed. */
function actorBatch(policyVersion = 5) {
  const env = makeVecEnv("CartPole-v1", { n: N, seed: 2 });
  const rng = Rng.fromSeed(3);
  const recorder = TrajectoryRecorder.forEnv(env, { runId: "w" });
  env.reset();
  const fed = { obs: [] as number[], actions: [] as number[], rewards: [] as number[], nextObs: [] as number[], terminated: [] as number[], logp: [] as number[], values: [] as number[] };
  for (let s = 0; s < STEPS; s++) {
    const obs = Float32Array.from(env.obs);
    const actions = Int32Array.from({ length: N }, () => rng.int(2));
    const logp = Float32Array.from({ length: N }, () => Math.log(0.3 + 0.4 * rng.float()));
    const values = Float32Array.from({ length: N }, () => rng.float() * 10);
    env.step(actions);
    recorder.record({ obs, actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, logp, values, policyVersion });
    fed.obs.push(...obs);
    fed.actions.push(...actions);
    fed.rewards.push(...env.rewards);
    fed.terminated.push(...env.terminated);
    fed.logp.push(...logp);
    fed.values.push(...values);
    for (let i = 0; i < N; i++) fed.nextObs.push(...(env.terminated[i] || env.truncated[i] ? env.finalObs : env.obs).subarray(i * 4, (i + 1) * 4));
  }
  return { batch: recorder.flush(), fed };
}

test("a batch round-trips: every column as the actor recorded it, the header and the policy version", () => {
  const { batch, fed } = actorBatch();
  const bytes = trajectoryBatchBytes(batch, { worker: "host-a/1", seq: 7, numEnvs: N, numSteps: STEPS });
  const b = readTrajectoryBatch(bytes, expect);
  assert.deepEqual(b.header, { worker: "host-a/1", seq: 7, numEnvs: N, numSteps: STEPS });
  assert.equal(b.policyVersion, 5);
  assert.equal(b.envId, "CartPole-v1");
  assert.equal(b.libraryVersion, VERSION);
  assert.deepEqual([...b.obs], [...Float32Array.from(fed.obs)]);
  assert.deepEqual([...b.actions], fed.actions);
  assert.deepEqual([...b.rewards], [...Float32Array.from(fed.rewards)]);
  assert.deepEqual([...b.terminated], fed.terminated);
  assert.ok(fed.terminated.some((x) => x === 1), "an episode ended inside the batch");
  assert.deepEqual([...b.nextObs], [...Float32Array.from(fed.nextObs)]);
  assert.deepEqual([...b.logp], [...Float32Array.from(fed.logp)]);
  assert.deepEqual([...b.values], [...Float32Array.from(fed.values)]);
  assert.equal(b.episodeIds.length, N * STEPS);
});

/** The batch's table with one column or the metadata changed, as IPC bytes. */
function altered(change: (t: Table) => Table): Uint8Array {
  const { batch } = actorBatch();
  const table = tableFromIPC(trajectoryBatchBytes(batch, { worker: "w", seq: 0, numEnvs: N, numSteps: STEPS }));
  return tableToIPC(change(table), "stream");
}

function withMetadata(t: Table, key: string, value: string | null): Table {
  const metadata = new Map(t.schema.metadata);
  if (value === null) metadata.delete(key);
  else metadata.set(key, value);
  const schema = new Schema(t.schema.fields, metadata);
  return new Table(schema, t.batches.map((b) => new RecordBatch(schema, b.data)));
}

test("a batch that is not what the learner trains on is refused by name", () => {
  const { batch } = actorBatch();
  const good = trajectoryBatchBytes(batch, { worker: "w", seq: 0, numEnvs: N, numSteps: STEPS });
  const refused = (bytes: Uint8Array, pattern: RegExp, e: BatchExpectation = expect) => assert.throws(() => readTrajectoryBatch(bytes, e, "batch w#0"), (err: unknown) => err instanceof TrajectoryBatchError && pattern.test(err.message) && err.message.startsWith("batch w#0"));
  refused(good, /made on env "CartPole-v1", the learner trains on "Acrobot-v1"/, { ...expect, envId: "Acrobot-v1" });
  refused(good, /40 steps × 3 copies, the learner expects 20 × 3/, { ...expect, numSteps: 20 });
  refused(good, /lists of 4, expected 6/, { ...expect, obsSize: 6 });
  refused(good.subarray(0, good.length - 20), /truncated|corrupted/);
  refused(new Uint8Array([1, 2, 3]), /batch w#0/);
  refused(altered((t) => withMetadata(t, META_BATCH, null)), /no "trellis.batch" header/);
  refused(altered((t) => withMetadata(t, META_BATCH, "{oops")), /header is not JSON/);
  refused(altered((t) => withMetadata(t, META_BATCH, JSON.stringify({ worker: "w", seq: -1, numEnvs: N, numSteps: STEPS }))), /header.seq must be an integer ≥ 0/);
  refused(altered((t) => withMetadata(t, META_BATCH, JSON.stringify({ worker: "w", seq: 0, numEnvs: N, numSteps: STEPS + 1 }))), /120 rows, the header says 41 steps × 3 copies = 123/, { ...expect, numSteps: STEPS + 1 });
  refused(altered((t) => t.slice(0, 30)), /30 rows, the header says 40 steps × 3 copies = 120/);
  refused(altered((t) => new Table(t.schema, [...t.slice(0, 60).batches, ...t.slice(60).batches])), /comes in 2 record batches/);
  refused(altered((t) => t.select(t.schema.fields.map((f) => f.name).filter((n) => n !== "reward"))), /missing columns: reward/);
  assert.throws(() => trajectoryBatchBytes(batch, { worker: "", seq: 0, numEnvs: N, numSteps: STEPS }), /header.worker must be a non-empty string/);
  assert.throws(() => trajectoryBatchBytes(batch, { worker: "w", seq: 0, numEnvs: N, numSteps: 2 }), /120 rows, the header says 2 steps × 3 copies/);
});

test("values the learner cannot train on are refused: a non-finite observation, an action out of range, two policy versions", () => {
  const env = makeVecEnv("CartPole-v1", { n: 1, seed: 2 });
  const recorder = TrajectoryRecorder.forEnv(env, { runId: "w" });
  env.reset();
  const step = (obs: Float32Array, action: number, policyVersion: number) => {
    env.step(Int32Array.of(0));
    recorder.record({ obs, actions: Int32Array.of(action), rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, logp: Float32Array.of(-0.7), values: Float32Array.of(0), policyVersion });
  };
  const one = { ...expect, numEnvs: 1, numSteps: 2 };
  const header = { worker: "w", seq: 1, numEnvs: 1, numSteps: 2 };
  step(Float32Array.of(0, 0, 0, 0), 0, 1);
  step(Float32Array.of(0, NaN, 0, 0), 1, 1);
  assert.throws(() => readTrajectoryBatch(trajectoryBatchBytes(recorder.flush(), header), one), /column obs holds a non-finite value at row 1/);
  step(Float32Array.of(0, 0, 0, 0), 0, 1);
  step(Float32Array.of(0, 0, 0, 0), 2, 1);
  assert.throws(() => readTrajectoryBatch(trajectoryBatchBytes(recorder.flush(), header), one), /column action holds 2 at row 1, expected an index in \[0, 2\)/);
  step(Float32Array.of(0, 0, 0, 0), 0, 1);
  step(Float32Array.of(0, 0, 0, 0), 1, 2);
  assert.throws(() => readTrajectoryBatch(trajectoryBatchBytes(recorder.flush(), header), one), /policy versions 1 and 2/);
});

test("fuzz: a changed byte or a cut anywhere gives a TrajectoryBatchError or a batch of the expected shape, never another error", () => {
  const { batch } = actorBatch();
  const good = trajectoryBatchBytes(batch, { worker: "w", seq: 3, numEnvs: N, numSteps: STEPS });
  fc.assert(
    fc.property(fc.nat({ max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, xor, cut) => {
      const bytes = cut ? good.slice(0, at) : good.slice();
      if (!cut) bytes[at]! ^= xor;
      try {
        const b = readTrajectoryBatch(bytes, expect);
        // a change inside a data buffer can decode: the shapes still hold
        assert.equal(b.obs.length, N * STEPS * 4);
        assert.equal(b.actions.length, N * STEPS);
        assert.ok(b.actions.every((a) => a === 0 || a === 1));
      } catch (error) {
        if (!(error instanceof TrajectoryBatchError)) throw error;
      }
    }),
    { seed: 42, numRuns: 400 },
  );
});

test("property: any value as an actor's job (it travels as JSON from the learner) gives a list of problems or an actor, never a crash", () => {
  fc.assert(
    fc.property(fc.anything(), (job) => {
      const problems = actorJobProblems(job);
      assert.ok(Array.isArray(problems) && problems.every((p) => typeof p === "string"));
      if (problems.length) assert.throws(() => new Actor(job as never, 0, "w"), (e: unknown) => e instanceof Error && e.message.startsWith("actor: "));
    }),
    { seed: 7, numRuns: 300 },
  );
});

test("constraint costs travel in the batch: read back as recorded; a batch without the learner's costs is refused", () => {
  const env = makeVecEnv("CartPole-Cost-v1", { n: N, seed: 2, xLimit: 0.02 });
  const recorder = TrajectoryRecorder.forEnv(env, { runId: "w" });
  env.reset();
  const fed: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const obs = Float32Array.from(env.obs);
    const actions = Int32Array.from({ length: N }, (_, i) => (s + i) % 2);
    env.step(actions);
    recorder.record({ obs, actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, logp: new Float32Array(N).fill(-0.7), values: new Float32Array(N), costs: env.costs!, policyVersion: 1 });
    fed.push(...env.costs!);
  }
  const bytes = trajectoryBatchBytes(recorder.flush(), { worker: "w", seq: 0, numEnvs: N, numSteps: STEPS });
  const costed = { ...expect, envId: "CartPole-Cost-v1", costSize: 1 };
  const b = readTrajectoryBatch(bytes, costed);
  assert.deepEqual([...b.costs], fed);
  assert.ok(fed.some((c) => c > 0), "some steps cost");
  assert.equal(readTrajectoryBatch(bytes, { ...costed, costSize: 0 }).costs.length, 0, "a learner without costs ignores the column");
  const { batch } = actorBatch();
  const plain = trajectoryBatchBytes(batch, { worker: "w", seq: 0, numEnvs: N, numSteps: STEPS });
  assert.throws(() => readTrajectoryBatch(plain, { ...expect, costSize: 1 }), (e: unknown) => e instanceof TrajectoryBatchError && /no cost column; the learner's env has 1 constraint cost/.test(e.message));
});
