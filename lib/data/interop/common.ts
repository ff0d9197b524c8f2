/**
 * Shared pieces of the interop converters: a flat, typed-array form of
 * trajectory rows ({@link FlatTrajectory}), building a trajectory-schema
 * `Table` from it, reading it back from a table, and reading foreign numeric
 * columns (scalars, FixedSizeLists, Lists; any int/float/bool type) into flat
 * arrays.
 */
import { DataType, FixedSizeList, Float32, RecordBatch, Struct, Table, makeData, vectorFromArray, Utf8, type Data, type Vector } from "apache-arrow";
import { TRAJECTORY_SOURCES, trajectorySchema, type TrajectorySource } from "../schema.js";


/** Trajectory rows as flat typed arrays (row-major for vectors). */
export interface FlatTrajectory {
  rows: number;
  obsSize: number;
  /** Floats per action row (1 for discrete). */
  actionSize: number;
  discrete: boolean;
  /** rows × obsSize. */
  obs: Float32Array;
  /** Discrete: rows int32; continuous: rows × actionSize floats. */
  actions: Int32Array | Float32Array;
  rewards: Float32Array;
  /** 0/1 per row. */
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** rows × obsSize (rows where `nextObsValid` is 0 are unspecified). */
  nextObs: Float32Array;
  /** 1 where the row's next_obs is known; absent: all known. */
  nextObsValid?: Uint8Array;
  /** Episode id per row. */
  episodeIds: Float64Array;
  /** Step index within the episode per row. */
  t: Int32Array;
}

/** What a built table carries besides the rows. */
export interface TableMetaOptions {
  /** Env id in the schema metadata (default ""). */
  envId?: string;
  /** `run_id` of every row (default "offline"). */
  runId?: string;
  /** `source` of every row (default "offline"). */
  source?: TrajectorySource;
  observationSpace?: unknown;
  actionSpace?: unknown;
}

function packBits(flags: Uint8Array, rows: number): Uint8Array {
  const out = new Uint8Array((rows + 7) >> 3);
  for (let i = 0; i < rows; i++) if (flags[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** A trajectory-schema table (one record batch) over `flat`; behavior_logp is NaN, value/advantage/return/group_id null, policy_version 0. */
export function tableFromFlat(flat: FlatTrajectory, meta: TableMetaOptions = {}): Table {
  const { rows, obsSize: d, discrete } = flat;
  const actionSize = discrete ? 1 : flat.actionSize;
  const source = meta.source ?? "offline";
  const sourceIndex = TRAJECTORY_SOURCES.indexOf(source);
  if (sourceIndex < 0) throw new RangeError(`tableFromFlat: source must be one of ${TRAJECTORY_SOURCES.join(", ")}, got ${String(source)}`);
  const check = (name: string, arr: { length: number }, len: number) => {
    if (arr.length !== len) throw new RangeError(`tableFromFlat: ${name} has length ${arr.length}, expected ${len}`);
  };
  check("obs", flat.obs, rows * d);
  check("nextObs", flat.nextObs, rows * d);
  check("actions", flat.actions, rows * actionSize);
  check("rewards", flat.rewards, rows);
  check("terminated", flat.terminated, rows);
  check("truncated", flat.truncated, rows);
  check("episodeIds", flat.episodeIds, rows);
  check("t", flat.t, rows);
  const schema = trajectorySchema({
    obsSize: d,
    actionSize,
    discrete,
    envId: meta.envId ?? "",
    observationSpace: meta.observationSpace,
    actionSpace: meta.actionSpace,
  });
  const fields = schema.fields;
  const type = (i: number) => fields[i]!.type as any;
  const bytes = (rows + 7) >> 3;
  const f32List = (i: number, values: Float32Array, size: number, valid?: Uint8Array) => {
    const listType = type(i) as FixedSizeList<Float32>;
    const child = makeData({ type: listType.children[0]!.type, length: rows * size, data: values });
    let nullCount = 0;
    if (valid) for (let r = 0; r < rows; r++) nullCount += valid[r] ? 0 : 1;
    return nullCount > 0
      ? makeData({ type: listType, length: rows, child, nullCount, nullBitmap: packBits(valid!, rows) })
      : makeData({ type: listType, length: rows, child });
  };
  const allNull = (i: number, data: ArrayBufferView) => makeData({ type: type(i), length: rows, data: data as any, nullCount: rows, nullBitmap: new Uint8Array(bytes) });
  const episode = new BigInt64Array(rows);
  for (let r = 0; r < rows; r++) {
    const id = flat.episodeIds[r]!;
    if (!Number.isSafeInteger(id)) throw new RangeError(`tableFromFlat: episode id ${id} of row ${r} is not a safe integer`);
    episode[r] = BigInt(id);
  }
  const actions = discrete ? Int32Array.from(flat.actions) : Float32Array.from(flat.actions);
  const children: Data[] = [
    makeData({ type: type(0), length: rows, data: new Int32Array(rows), dictionary: vectorFromArray([meta.runId ?? "offline"], new Utf8()) }),
    makeData({ type: type(1), length: rows, data: episode }),
    makeData({ type: type(2), length: rows, data: Int32Array.from(flat.t) }),
    f32List(3, Float32Array.from(flat.obs), d),
    discrete ? makeData({ type: type(4), length: rows, data: actions as Int32Array }) : f32List(4, actions as Float32Array, actionSize),
    makeData({ type: type(5), length: rows, data: Float32Array.from(flat.rewards) }),
    makeData({ type: type(6), length: rows, data: packBits(flat.terminated, rows) }),
    makeData({ type: type(7), length: rows, data: packBits(flat.truncated, rows) }),
    f32List(8, Float32Array.from(flat.nextObs), d, flat.nextObsValid),
    makeData({ type: type(9), length: rows, data: new Float32Array(rows).fill(NaN) }),
    allNull(10, new Float32Array(rows)),
    allNull(11, new Float32Array(rows)),
    allNull(12, new Float32Array(rows)),
    makeData({ type: type(13), length: rows, data: new Int32Array(rows) }),
    makeData({ type: type(14), length: rows, data: new Int8Array(rows).fill(sourceIndex), dictionary: vectorFromArray([...TRAJECTORY_SOURCES], new Utf8()) }),
    allNull(15, new BigInt64Array(rows)),
  ];
  const struct = makeData({ type: new Struct(fields), length: rows, children, nullCount: 0 });
  return new Table(schema, [new RecordBatch(schema, struct)]);
}

/** A numeric column read into a flat array. */
export interface NumericColumn {
  /** Values per row (1 for scalars). */
  width: number;
  /** rows × width values (null rows hold zeros). */
  values: Float64Array;
  /** 1 where the row is valid; absent when no nulls. */
  valid?: Uint8Array;
  /** Element type family. */
  kind: "int" | "float" | "bool";
}

function elementType(type: DataType): DataType {
  if (DataType.isFixedSizeList(type) || DataType.isList(type)) return elementType(type.children[0]!.type);
  return type;
}

/** Whether `type` is a (list of) number/bool type that {@link readNumericColumn} reads. */
export function isNumericColumnType(type: DataType): boolean {
  if (DataType.isFixedSizeList(type) || DataType.isList(type)) {
    const child = type.children[0]!.type;
    return !DataType.isFixedSizeList(child) && !DataType.isList(child) && isNumericColumnType(child);
  }
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isBool(type);
}

/**
 * Reads a numeric column (int/float/bool scalars, or FixedSizeLists/Lists of
 * them with one width for all valid rows) into a flat Float64Array. `where`
 * names the column in errors.
 */
export function readNumericColumn(vector: Vector, where: string): NumericColumn {
  const type = vector.type as DataType;
  if (!isNumericColumnType(type)) throw new TypeError(`${where}: column type ${String(type)} is not a number, bool, or list of them`);
  const el = elementType(type);
  const kind = DataType.isBool(el) ? "bool" : DataType.isInt(el) ? "int" : "float";
  const rows = vector.length;
  const isList = DataType.isFixedSizeList(type) || DataType.isList(type);
  let width = DataType.isFixedSizeList(type) ? type.listSize : 1;
  if (DataType.isList(type)) {
    width = -1;
    for (let r = 0; r < rows && width < 0; r++) if (vector.isValid(r)) width = (vector.get(r) as Vector).length;
    if (width < 0) width = 0;
  }
  const values = new Float64Array(rows * width);
  let valid: Uint8Array | undefined;
  let r0 = 0;
  for (const chunk of vector.data) {
    const len = chunk.length;
    const noNulls = chunk.nullCount === 0;
    // Fast path: unsliced chunks of plain (non-bigint, non-bool) numbers.
    if (noNulls && chunk.offset === 0 && kind !== "bool") {
      if (!isList && !(chunk.values instanceof BigInt64Array) && !(chunk.values instanceof BigUint64Array)) {
        const src = chunk.values as unknown as ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> };
        values.set(src.subarray(0, len), r0);
        r0 += len;
        continue;
      }
      if (DataType.isFixedSizeList(type)) {
        const child = chunk.children[0]!;
        const cv = child.values as unknown;
        if (child.offset === 0 && child.nullCount === 0 && child.length >= len * width && !(cv instanceof BigInt64Array) && !(cv instanceof BigUint64Array)) {
          values.set((cv as Float32Array).subarray(0, len * width), r0 * width);
          r0 += len;
          continue;
        }
      }
    }
    // General path: row by row.
    const vec = vector.slice(r0, r0 + len);
    for (let i = 0; i < len; i++) {
      const r = r0 + i;
      const v = vec.get(i) as unknown;
      if (v === null || v === undefined) {
        valid ??= new Uint8Array(rows).fill(1);
        valid[r] = 0;
        continue;
      }
      if (isList) {
        const row = v as Vector;
        if (row.length !== width) throw new RangeError(`${where}: row ${r} has ${row.length} values, expected ${width} (rows must all have one length)`);
        for (let j = 0; j < width; j++) {
          const x = row.get(j) as unknown;
          values[r * width + j] = x === null ? NaN : Number(x);
        }
      } else values[r] = Number(v);
    }
    r0 += len;
  }
  return valid ? { width, values, valid, kind } : { width, values, kind };
}

/** Episode ids (0, 1, … in row order) and step indices from per-row end flags: a row whose flag is set ends its episode. */
export function episodesFromEnds(ends: ArrayLike<number>, rows: number): { episodeIds: Float64Array; t: Int32Array } {
  const episodeIds = new Float64Array(rows);
  const t = new Int32Array(rows);
  let ep = 0;
  let step = 0;
  for (let r = 0; r < rows; r++) {
    episodeIds[r] = ep;
    t[r] = step++;
    if (ends[r]) {
      ep++;
      step = 0;
    }
  }
  return { episodeIds, t };
}

/** Reads the table's rows (trajectory schema, or at least its obs/action/reward/terminated/truncated/episode_id/t/next_obs columns) into flat arrays, ordered by (episode_id, t) when `sort`. */
export function flatFromTable(table: Table, where: string, sort = true): FlatTrajectory {
  const need = ["episode_id", "t", "obs", "action", "reward", "terminated", "truncated"];
  const missing = need.filter((n) => table.getChild(n) === null);
  if (missing.length) throw new Error(`${where}: the table lacks trajectory columns: ${missing.join(", ")}`);
  const col = (name: string) => readNumericColumn(table.getChild(name)!, `${where}: column ${name}`);
  const ep = col("episode_id");
  const tc = col("t");
  const obs = col("obs");
  const action = col("action");
  const reward = col("reward");
  const term = col("terminated");
  const trunc = col("truncated");
  const nextObsVec = table.getChild("next_obs");
  const next = nextObsVec ? readNumericColumn(nextObsVec, `${where}: column next_obs`) : undefined;
  const rows = table.numRows;
  const d = obs.width;
  const discrete = action.kind !== "float" && !DataType.isFixedSizeList(table.getChild("action")!.type) && !DataType.isList(table.getChild("action")!.type);
  const a = discrete ? 1 : action.width;
  const order = Array.from({ length: rows }, (_, i) => i);
  if (sort) order.sort((x, y) => ep.values[x]! - ep.values[y]! || tc.values[x]! - tc.values[y]! || x - y);
  const flat = allocFlat(rows, d, a, discrete);
  const nextValid = next ? new Uint8Array(rows).fill(1) : new Uint8Array(rows);
  order.forEach((src, r) => {
    for (let j = 0; j < d; j++) flat.obs[r * d + j] = obs.values[src * d + j]!;
    for (let j = 0; j < a; j++) flat.actions[r * a + j] = action.values[src * a + j]!;
    flat.rewards[r] = reward.values[src]!;
    flat.terminated[r] = term.values[src] ? 1 : 0;
    flat.truncated[r] = trunc.values[src] ? 1 : 0;
    flat.episodeIds[r] = ep.values[src]!;
    flat.t[r] = tc.values[src]!;
    if (next) {
      if (next.valid && !next.valid[src]) nextValid[r] = 0;
      else for (let j = 0; j < d; j++) flat.nextObs[r * d + j] = next.values[src * d + j]!;
    }
  });
  if (!next || next.valid) flat.nextObsValid = nextValid;
  return flat;
}

/** Row ranges [start, end) of consecutive rows sharing an episode id. */
export function episodeRuns(episodeIds: Float64Array): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = 0;
  for (let r = 1; r <= episodeIds.length; r++) {
    if (r === episodeIds.length || episodeIds[r] !== episodeIds[start]) {
      if (r > start) runs.push([start, r]);
      start = r;
    }
  }
  return runs;
}


/** A zero-filled {@link FlatTrajectory} of `rows` rows. */
export function allocFlat(rows: number, obsSize: number, actionSize: number, discrete: boolean): FlatTrajectory {
  return {
    rows,
    obsSize,
    actionSize,
    discrete,
    obs: new Float32Array(rows * obsSize),
    actions: discrete ? new Int32Array(rows) : new Float32Array(rows * actionSize),
    rewards: new Float32Array(rows),
    terminated: new Uint8Array(rows),
    truncated: new Uint8Array(rows),
    nextObs: new Float32Array(rows * obsSize),
    episodeIds: new Float64Array(rows),
    t: new Int32Array(rows),
  };
}
