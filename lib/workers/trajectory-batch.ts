/**
 * A rollout batch as it travels from an actor to the learner: `numSteps`
 * steps of `numEnvs` env copies, time-major, as one Arrow IPC stream in the
 * trajectory schema (the rows a `TrajectoryRecorder` flushes: obs, action,
 * reward, terminated, truncated, next_obs — the observation after the step,
 * or the episode's last one where it ended —, behavior_logp, value,
 * policy_version, episode_id, t), with the batch's header in the schema
 * metadata under `trellis.batch`: who made it and its number, so the
 * learner can drop a batch it has already counted and audit where each came
 * from.
 *
 * Reading checks the bytes (parseArrowIPC), the schema, the header and
 * every column's shape and values, and names what is wrong; the columns come
 * back as typed arrays over the decoded buffers (one copy for bit-packed and
 * 64-bit columns only).
 */
import { DataType, RecordBatch, Schema, Table, tableToIPC, type Data } from "apache-arrow";
import { parseArrowIPC } from "../data/arrow-ipc.js";
import { actorHeaderProblem, readBatchHeader } from "./batch-header.js";
import { META_ENV_ID, META_LIBRARY_VERSION } from "../data/schema.js";
import { assertTrajectorySchema } from "../data/trajectory-schema-checks.js";

export const META_BATCH = "trellis.batch";

/** Who made a batch and which one it is. */
export interface BatchHeader {
  /** The actor's id (unique among the run's workers; written into each batch for audits). */
  readonly worker: string;
  /** The actor's batch counter: (worker, seq) names a batch once, so a redelivered one is recognized. */
  readonly seq: number;
  readonly numEnvs: number;
  readonly numSteps: number;
  /** The actor's action generator after the rollout (4 words), so a learner can continue its stream. */
  readonly rng?: readonly number[];
  /** The `numEnvs × obsSize` observations after the last step (finished copies: their next episode's first), base64 of float32 little-endian. */
  readonly lastObs?: string;
  /** Seconds the actor spent on the rollout (the training view's throughput per worker). */
  readonly seconds?: number;
}

/** A decoded rollout batch: `numSteps × numEnvs` rows, time-major (row = step · numEnvs + copy). */
export interface RolloutBatch {
  readonly header: BatchHeader;
  readonly envId: string;
  /** The Trellis version that wrote it. */
  readonly libraryVersion: string;
  /** The version of the policy that acted (every row's). */
  readonly policyVersion: number;
  readonly obs: Float32Array;
  /** Discrete: one int per row; continuous: actionSize floats per row. */
  readonly actions: Int32Array | Float32Array;
  readonly rewards: Float32Array;
  /** 1 where the step ended its episode in a terminal state. */
  readonly terminated: Uint8Array;
  /** 1 where the step ended its episode by a time limit. */
  readonly truncated: Uint8Array;
  /** The observation after each step (the episode's last one where it ended); the last step's rows bootstrap the next rollout. */
  readonly nextObs: Float32Array;
  readonly logp: Float32Array;
  readonly values: Float32Array;
  readonly episodeIds: Float64Array;
  /** The observations after the last step (`numEnvs × obsSize`), when the actor sent them. */
  readonly lastObs: Float32Array | null;
  /** `costSize` constraint costs per row, for envs with costs (empty otherwise). */
  readonly costs: Float32Array;
}

/** What the learner expects of a batch (its env's shapes and the rollout's size). */
export interface BatchExpectation {
  readonly envId: string;
  readonly obsSize: number;
  readonly actionSize: number;
  readonly discrete: boolean;
  readonly numEnvs: number;
  readonly numSteps: number;
  /** Constraint costs per row (the env's `costNames`; default 0: no cost column). */
  readonly costSize?: number;
}

/** A batch that is not what the learner can train on: bytes, schema, header or values. */
export class TrajectoryBatchError extends Error {
  override name = "TrajectoryBatchError";
}

/** The Arrow IPC stream bytes of `batch` (a recorder's flush of numSteps × numEnvs rows) with `header` in its metadata. */
export function trajectoryBatchBytes(batch: RecordBatch, header: BatchHeader): Uint8Array {
  const problem = headerProblem(header);
  if (problem) throw new RangeError(`trajectoryBatchBytes: ${problem}`);
  if (batch.numRows !== header.numEnvs * header.numSteps) throw new RangeError(`trajectoryBatchBytes: the batch has ${batch.numRows} rows, the header says ${header.numSteps} steps × ${header.numEnvs} copies`);
  const metadata = new Map(batch.schema.metadata);
  metadata.set(META_BATCH, JSON.stringify(header));
  const schema = new Schema(batch.schema.fields, metadata);
  return tableToIPC(new Table(schema, [new RecordBatch(schema, batch.data)]), "stream");
}

function headerProblem(h: unknown): string | undefined {
  const x = h as Partial<BatchHeader> | null;
  if (typeof x !== "object" || x === null) return `the header must be an object, got ${JSON.stringify(h)}`;
  const common = actorHeaderProblem(x, false);
  if (common) return common;
  if (!Number.isInteger(x.numEnvs) || x.numEnvs! < 1) return `header.numEnvs must be an integer ≥ 1, got ${JSON.stringify(x.numEnvs)}`;
  if (!Number.isInteger(x.numSteps) || x.numSteps! < 1) return `header.numSteps must be an integer ≥ 1, got ${JSON.stringify(x.numSteps)}`;
  if (x.lastObs !== undefined && typeof x.lastObs !== "string") return `header.lastObs must be a base64 string, got ${typeof x.lastObs}`;
  return undefined;
}

/** The batch in `bytes`, checked against `expect`; throws a {@link TrajectoryBatchError} that names `what` and what is wrong. */
export function readTrajectoryBatch(bytes: Uint8Array, expect: BatchExpectation, what = "trajectory batch"): RolloutBatch {
  const fail = (message: string): never => {
    throw new TrajectoryBatchError(`${what}: ${message}`);
  };
  let table: Table;
  try {
    table = parseArrowIPC(bytes, what);
    assertTrajectorySchema(table.schema, what);
  } catch (error) {
    throw new TrajectoryBatchError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const meta = table.schema.metadata;
  const header = readBatchHeader<BatchHeader>(meta, META_BATCH, headerProblem, fail);
  const envId = meta.get(META_ENV_ID) ?? "";
  if (envId !== expect.envId) fail(`made on env "${envId}", the learner trains on "${expect.envId}"`);
  if (header.numEnvs !== expect.numEnvs || header.numSteps !== expect.numSteps) fail(`${header.numSteps} steps × ${header.numEnvs} copies, the learner expects ${expect.numSteps} × ${expect.numEnvs}`);
  const rows = header.numEnvs * header.numSteps;
  if (table.numRows !== rows) fail(`${table.numRows} rows, the header says ${header.numSteps} steps × ${header.numEnvs} copies = ${rows}`);
  const d = expect.obsSize;
  const column = (name: string): Data<DataType> => {
    const v = table.getChild(name)!;
    // one record batch per message: concatenating would copy; several are refused
    if (v.data.length !== 1) fail(`column ${name} comes in ${v.data.length} record batches, expected 1`);
    return v.data[0]!;
  };
  const noNulls = (name: string, data: Data): void => {
    if (data.nullCount > 0) fail(`column ${name} has ${data.nullCount} nulls`);
  };
  const f32 = (name: string, width: number, finite: boolean): Float32Array => {
    const data = column(name);
    noNulls(name, data);
    const values = (width === 1 ? data.values : data.children[0]!.values) as Float32Array;
    const offset = width === 1 ? data.offset : data.offset * width;
    if (width > 1 && (data.type as { listSize?: number }).listSize !== width) fail(`column ${name} holds lists of ${(data.type as { listSize?: number }).listSize ?? "varying length"}, expected ${width}`);
    const out = values.subarray(offset, offset + rows * width);
    if (out.length !== rows * width) fail(`column ${name} holds ${out.length} values, expected ${rows * width}`);
    if (finite) for (let i = 0; i < out.length; i++) if (!Number.isFinite(out[i]!)) fail(`column ${name} holds a non-finite value at row ${Math.floor(i / width)}`);
    return out;
  };
  const bits = (name: string): Uint8Array => {
    const data = column(name);
    noNulls(name, data);
    const out = new Uint8Array(rows);
    const v = data.values as Uint8Array;
    for (let i = 0; i < rows; i++) {
      const at = data.offset + i;
      out[i] = (v[at >> 3]! >> (at & 7)) & 1;
    }
    return out;
  };
  const obs = f32("obs", d, true);
  let actions: Int32Array | Float32Array;
  if (expect.discrete) {
    const data = column("action");
    noNulls("action", data);
    if (!(data.values instanceof Int32Array)) fail(`column action holds ${String(data.type)}, expected int32 indices (a discrete action space)`);
    actions = (data.values as Int32Array).subarray(data.offset, data.offset + rows);
    if (actions.length !== rows) fail(`column action holds ${actions.length} values, expected ${rows}`);
    const k = expect.actionSize;
    for (let i = 0; i < rows; i++) if (actions[i]! < 0 || actions[i]! >= k) fail(`column action holds ${actions[i]} at row ${i}, expected an index in [0, ${k})`);
  } else {
    if (!DataType.isFixedSizeList(column("action").type)) fail(`column action holds ${String(column("action").type)}, expected lists of ${expect.actionSize} floats (a continuous action space)`);
    actions = f32("action", expect.actionSize, true);
  }
  const rewards = f32("reward", 1, true);
  const logp = f32("behavior_logp", 1, true);
  for (let i = 0; i < rows; i++) if (logp[i]! > 1e-4 && expect.discrete) fail(`column behavior_logp holds ${logp[i]} at row ${i}, expected a log-probability ≤ 0`);
  const values = f32("value", 1, true);
  const nextObs = f32("next_obs", d, true);
  const k = expect.costSize ?? 0;
  if (k > 0 && !table.getChild("cost")) fail(`no cost column; the learner's env has ${k} constraint cost${k > 1 ? "s" : ""}`);
  const costs = k > 0 ? f32("cost", k, true) : new Float32Array(0);
  const terminated = bits("terminated");
  const truncated = bits("truncated");
  const pv = column("policy_version");
  noNulls("policy_version", pv);
  const versions = (pv.values as Int32Array).subarray(pv.offset, pv.offset + rows);
  const policyVersion = versions[0]!;
  for (let i = 1; i < rows; i++) if (versions[i] !== policyVersion) fail(`rows act with policy versions ${policyVersion} and ${versions[i]}; a batch comes from one version`);
  if (policyVersion < 0) fail(`policy_version ${policyVersion}, expected ≥ 0`);
  const ep = column("episode_id");
  noNulls("episode_id", ep);
  // as 32-bit halves: a BigInt per row costs more than the rest of the checks together
  const ids = ep.values as BigInt64Array;
  const halves = new Int32Array(ids.buffer, ids.byteOffset + ep.offset * 8, rows * 2);
  const episodeIds = new Float64Array(rows);
  for (let i = 0; i < rows; i++) episodeIds[i] = (halves[2 * i]! >>> 0) + halves[2 * i + 1]! * 4294967296;
  let lastObs: Float32Array | null = null;
  if (header.lastObs !== undefined) {
    const raw = Buffer.from(header.lastObs, "base64");
    if (raw.length !== header.numEnvs * d * 4) fail(`header.lastObs holds ${raw.length} bytes, expected ${header.numEnvs} × ${d} float32 values`);
    lastObs = new Float32Array(header.numEnvs * d);
    new Uint8Array(lastObs.buffer).set(raw);
    for (let i = 0; i < lastObs.length; i++) if (!Number.isFinite(lastObs[i]!)) fail(`header.lastObs holds a non-finite value at ${i}`);
  }
  return { header, envId, libraryVersion: meta.get(META_LIBRARY_VERSION) ?? "", policyVersion, obs, actions, rewards, terminated, truncated, nextObs, logp, values, episodeIds, lastObs, costs };
}

/** `obs` as a header's `lastObs` (base64 of float32 little-endian). */
export function encodeLastObs(obs: Float32Array): string {
  return Buffer.from(obs.buffer, obs.byteOffset, obs.byteLength).toString("base64");
}
