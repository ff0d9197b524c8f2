/**
 * Hugging Face `datasets` `save_to_disk` directories ⇄ the trajectory schema.
 *
 * Layout: `data-00000-of-0000N.arrow` shards (Arrow IPC *stream* format),
 * `state.json` (`_data_files: [{ filename }]` lists the shards in order, plus
 * `_fingerprint`, `_format_*`, `_output_all_columns`, `_split`) and
 * `dataset_info.json` (`features`: per column `{ _type: "Value", dtype }` or
 * `{ _type: "Sequence", feature, length }`). The writer also stores
 * `{ info: { features } }` under the Arrow schema metadata key `huggingface`.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Bool, DataType, Field, FixedSizeList, Float32, Int32, Int64, RecordBatch, Schema, Struct, Table, makeData, tableToIPC, type Data } from "apache-arrow";
import { parseArrowIPC } from "../arrow-ipc.js";
import { Dataset } from "../dataset.js";
import { readRegularFile } from "../regular-file.js";
import { META_ENV_ID } from "../schema.js";
import { episodesFromEnds, flatFromTable, readNumericColumn, tableFromFlat, type FlatTrajectory, type NumericColumn, type TableMetaOptions } from "./common.js";

/** Trajectory fields an HF dataset's columns map onto. */
export type HfTrajectoryField = "obs" | "action" | "reward" | "terminated" | "truncated" | "next_obs" | "episode_id" | "t";

/** Column names tried for each field, in order. */
export const HF_COLUMN_CANDIDATES: Record<HfTrajectoryField, readonly string[]> = {
  obs: ["obs", "observation", "observations", "state", "observation.state"],
  action: ["action", "actions"],
  reward: ["reward", "rewards", "next.reward"],
  terminated: ["terminated", "terminals", "terminal", "terminations", "done", "dones", "next.done"],
  truncated: ["truncated", "timeouts", "timeout", "truncations"],
  next_obs: ["next_obs", "next_observation", "next_observations"],
  episode_id: ["episode_id", "episode_index", "episode"],
  t: ["t", "step", "frame_index", "timestep"],
};

const REQUIRED: readonly HfTrajectoryField[] = ["obs", "action", "reward", "terminated"];

export interface OpenHfOptions extends TableMetaOptions {
  /** Explicit column for a field (overrides the candidates; must exist). */
  columns?: Partial<Record<HfTrajectoryField, string>>;
  /** Discrete actions (default: the action column holds integer scalars). */
  discrete?: boolean;
}

export interface SaveHfOptions {
  /** Rows per shard (default: all in one shard). */
  shardRows?: number;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The shard file names of a save_to_disk directory, in order: from state.json's `_data_files`, else the sorted `data-*.arrow`. */
async function shardNames(dir: string): Promise<string[]> {
  const statePath = join(dir, "state.json");
  if (await exists(statePath)) {
    const state = JSON.parse(await readFile(statePath, "utf8")) as { _data_files?: Array<{ filename?: unknown }> };
    const files = state._data_files;
    if (!Array.isArray(files) || files.some((f) => typeof f?.filename !== "string")) throw new Error(`${statePath}: _data_files must be a list of { filename }`);
    // Shards lie in the directory itself: a name that leads elsewhere is not followed.
    const outside = files.find((f) => /[\\/]|^\.\.?$/.test(f.filename as string));
    if (outside) throw new Error(`${statePath}: _data_files names ${JSON.stringify(outside.filename)}, which is not a file of ${dir} (shards are plain file names)`);
    if (files.length) return files.map((f) => f.filename as string);
  }
  const names = (await readdir(dir)).filter((n) => /^data-\d+-of-\d+\.arrow$/.test(n)).sort();
  if (!names.length) throw new Error(`${dir}: not a Hugging Face save_to_disk directory (no state.json _data_files and no data-*.arrow shards)`);
  return names;
}

/** The shards of a save_to_disk directory, concatenated in order (schemas must have the same columns). */
export async function readHfTable(dir: string): Promise<Table> {
  const names = await shardNames(dir);
  const tables: Table[] = [];
  for (const name of names) {
    const path = join(dir, name);
    tables.push(parseArrowIPC(await readRegularFile(path), path));
  }
  const first = tables[0]!;
  const names0 = first.schema.fields.map((f) => f.name);
  const batches: RecordBatch[] = [];
  tables.forEach((t, i) => {
    const cols = t.schema.fields.map((f) => f.name);
    if (cols.length !== names0.length || names0.some((n) => !cols.includes(n))) {
      throw new Error(`${join(dir, names[i]!)}: columns [${cols.join(", ")}] differ from the first shard's [${names0.join(", ")}]`);
    }
    const aligned = cols.every((n, j) => n === names0[j]) ? t : t.select(names0);
    for (const b of aligned.batches) batches.push(new RecordBatch(first.schema, b.data));
  });
  return new Table(first.schema, batches);
}

/** Which column each trajectory field maps to (throws listing unmapped required fields). */
export function mapHfColumns(columnNames: readonly string[], explicit: Partial<Record<HfTrajectoryField, string>> = {}, where = "openHfDataset"): Partial<Record<HfTrajectoryField, string>> {
  const mapping: Partial<Record<HfTrajectoryField, string>> = {};
  const bad: string[] = [];
  for (const field of Object.keys(HF_COLUMN_CANDIDATES) as HfTrajectoryField[]) {
    const chosen = explicit[field];
    if (chosen !== undefined) {
      if (!columnNames.includes(chosen)) bad.push(`${field} → ${chosen} (no such column)`);
      else mapping[field] = chosen;
      continue;
    }
    const hit = HF_COLUMN_CANDIDATES[field].find((c) => columnNames.includes(c));
    if (hit !== undefined) mapping[field] = hit;
  }
  const unmapped = REQUIRED.filter((f) => mapping[f] === undefined && explicit[f] === undefined);
  if (unmapped.length || bad.length) {
    const parts: string[] = [];
    if (unmapped.length) parts.push(`unmapped required columns: ${unmapped.map((f) => `${f} (tried ${HF_COLUMN_CANDIDATES[f].join(", ")})`).join("; ")}`);
    if (bad.length) parts.push(`bad explicit mapping: ${bad.join("; ")}`);
    throw new Error(`${where}: ${parts.join("; ")}; available columns: ${columnNames.join(", ")}; pass options.columns to map them`);
  }
  return mapping;
}

/**
 * Opens a `save_to_disk` directory as a trajectory dataset. Rows must be
 * grouped by episode (each episode's rows consecutive, in step order).
 * Without an episode id column, episodes end at terminated|truncated rows;
 * without `t`, steps are counted within episodes; without next_obs, it is the
 * next row's obs within the episode (null on each episode's last row).
 */
export async function openHfDataset(dir: string, options: OpenHfOptions = {}): Promise<Dataset> {
  const table = await readHfTable(dir);
  const map = mapHfColumns(table.schema.fields.map((f) => f.name), options.columns);
  const where = (f: HfTrajectoryField) => `openHfDataset(${dir}): column ${map[f]!} (${f})`;
  const read = (f: HfTrajectoryField): NumericColumn | undefined => (map[f] === undefined ? undefined : readNumericColumn(table.getChild(map[f]!)!, where(f)));
  const n = table.numRows;
  const obs = read("obs")!;
  const action = read("action")!;
  const reward = read("reward")!;
  const term = read("terminated")!;
  const trunc = read("truncated");
  const next = read("next_obs");
  const ep = read("episode_id");
  const tc = read("t");
  if (reward.width !== 1) throw new RangeError(`${where("reward")}: expected one value per row, got ${reward.width}`);
  if (next && next.width !== obs.width) throw new RangeError(`${where("next_obs")}: width ${next.width} differs from obs width ${obs.width}`);
  const actionType = table.getChild(map.action!)!.type as DataType;
  const discrete = options.discrete ?? (action.kind === "int" && !DataType.isFixedSizeList(actionType) && !DataType.isList(actionType));
  if (discrete && action.width !== 1) throw new RangeError(`${where("action")}: discrete actions need one value per row, got ${action.width}`);
  const d = obs.width;
  const a = discrete ? 1 : action.width;
  const terminated = Uint8Array.from(term.values, (x) => (x ? 1 : 0));
  const truncated = trunc ? Uint8Array.from(trunc.values, (x) => (x ? 1 : 0)) : new Uint8Array(n);
  let episodeIds: Float64Array;
  let t: Int32Array;
  if (ep) {
    episodeIds = ep.values;
    t = new Int32Array(n);
    for (let r = 0; r < n; r++) t[r] = r > 0 && episodeIds[r] === episodeIds[r - 1] ? t[r - 1]! + 1 : 0;
  } else ({ episodeIds, t } = episodesFromEnds(terminated.map((x, i) => x | truncated[i]!), n));
  if (tc) t = Int32Array.from(tc.values);
  const nextObs = new Float32Array(n * d);
  const nextObsValid = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    if (next) {
      if (next.valid && !next.valid[r]) continue;
      nextObs.set(next.values.subarray(r * d, (r + 1) * d), r * d);
      nextObsValid[r] = 1;
    } else if (r + 1 < n && episodeIds[r + 1] === episodeIds[r] && !terminated[r] && !truncated[r]) {
      nextObs.set(obs.values.subarray((r + 1) * d, (r + 2) * d), r * d);
      nextObsValid[r] = 1;
    }
  }
  const flat: FlatTrajectory = {
    rows: n,
    obsSize: d,
    actionSize: a,
    discrete,
    obs: Float32Array.from(obs.values),
    actions: discrete ? Int32Array.from(action.values) : Float32Array.from(action.values),
    rewards: Float32Array.from(reward.values),
    terminated,
    truncated,
    nextObs,
    nextObsValid,
    episodeIds,
    t,
  };
  const envId = options.envId ?? table.schema.metadata.get(META_ENV_ID) ?? "";
  return new Dataset(tableFromFlat(flat, { ...options, envId }));
}

type HfFeature = { _type: "Value"; dtype: string } | { _type: "Sequence"; feature: HfFeature; length: number };

const value = (dtype: string): HfFeature => ({ _type: "Value", dtype });
const sequence = (dtype: string, length: number): HfFeature => ({ _type: "Sequence", feature: value(dtype), length });

/**
 * Writes a trajectory table (or dataset) as a `save_to_disk` directory:
 * columns episode_id (int64), t (int32), obs (float32 Sequence of fixed
 * length), action (int32, or float32 Sequence), reward (float32), terminated,
 * truncated (bool) and next_obs (float32 Sequence, nullable), rows ordered by
 * (episode_id, t); shards `data-XXXXX-of-YYYYY.arrow` (IPC streams), plus
 * dataset_info.json and state.json. Creates `dir` if needed; overwrites those files.
 */
export async function saveHfDataset(source: Table | Dataset, dir: string, options: SaveHfOptions = {}): Promise<string[]> {
  const table = source instanceof Dataset ? source.table : source;
  const flat = flatFromTable(table, "saveHfDataset");
  const n = flat.rows;
  const shardRows = options.shardRows ?? Math.max(n, 1);
  if (!Number.isInteger(shardRows) || shardRows < 1) throw new RangeError(`saveHfDataset: shardRows must be an integer ≥ 1, got ${String(shardRows)}`);
  const d = flat.obsSize;
  const a = flat.actionSize;
  const features: Record<string, HfFeature> = {
    episode_id: value("int64"),
    t: value("int32"),
    obs: sequence("float32", d),
    action: flat.discrete ? value("int32") : sequence("float32", a),
    reward: value("float32"),
    terminated: value("bool"),
    truncated: value("bool"),
    next_obs: sequence("float32", d),
  };
  const f32List = (size: number) => new FixedSizeList(size, new Field("item", new Float32(), true));
  const metadata = new Map<string, string>([["huggingface", JSON.stringify({ info: { features } })]]);
  const envId = table.schema.metadata.get(META_ENV_ID);
  if (envId !== undefined) metadata.set(META_ENV_ID, envId);
  const fields = [
    new Field("episode_id", new Int64(), true),
    new Field("t", new Int32(), true),
    new Field("obs", f32List(d), true),
    new Field("action", flat.discrete ? new Int32() : f32List(a), true),
    new Field("reward", new Float32(), true),
    new Field("terminated", new Bool(), true),
    new Field("truncated", new Bool(), true),
    new Field("next_obs", f32List(d), true),
  ];
  const schema = new Schema(fields, metadata);
  const shards = Math.max(1, Math.ceil(n / shardRows));
  const width = Math.max(5, String(shards).length);
  const pad = (k: number) => String(k).padStart(width, "0");
  const filenames: string[] = [];
  await mkdir(dir, { recursive: true });
  let totalBytes = 0;
  for (let s = 0; s < shards; s++) {
    const lo = s * shardRows;
    const hi = Math.min(n, lo + shardRows);
    const len = hi - lo;
    const bits = (flags: Uint8Array) => {
      const out = new Uint8Array((len + 7) >> 3);
      for (let i = 0; i < len; i++) if (flags[lo + i]) out[i >> 3]! |= 1 << (i & 7);
      return out;
    };
    const list = (i: number, values: Float32Array, size: number, valid?: Uint8Array) => {
      const type = fields[i]!.type as FixedSizeList<Float32>;
      const child = makeData({ type: type.children[0]!.type, length: len * size, data: values.slice(lo * size, hi * size) });
      let nullCount = 0;
      if (valid) for (let r = lo; r < hi; r++) nullCount += valid[r] ? 0 : 1;
      return nullCount ? makeData({ type, length: len, child, nullCount, nullBitmap: bits(valid!) }) : makeData({ type, length: len, child });
    };
    const children: Data[] = [
      makeData({ type: new Int64(), length: len, data: BigInt64Array.from(flat.episodeIds.subarray(lo, hi), (x) => BigInt(x)) }),
      makeData({ type: new Int32(), length: len, data: flat.t.slice(lo, hi) }),
      list(2, flat.obs, d),
      flat.discrete ? makeData({ type: new Int32(), length: len, data: (flat.actions as Int32Array).slice(lo, hi) }) : list(3, flat.actions as Float32Array, a),
      makeData({ type: new Float32(), length: len, data: flat.rewards.slice(lo, hi) }),
      makeData({ type: new Bool(), length: len, data: bits(flat.terminated) }),
      makeData({ type: new Bool(), length: len, data: bits(flat.truncated) }),
      list(7, flat.nextObs, d, flat.nextObsValid),
    ];
    const struct = makeData({ type: new Struct(fields), length: len, children, nullCount: 0 });
    const bytes = tableToIPC(new Table(schema, [new RecordBatch(schema, struct)]), "stream");
    const filename = `data-${pad(s)}-of-${pad(shards)}.arrow`;
    await writeFile(join(dir, filename), bytes);
    totalBytes += bytes.byteLength;
    filenames.push(filename);
  }
  await writeHfInfo(dir, filenames, features, totalBytes, `Trellis trajectories${envId ? ` (${envId})` : ""}`);
  return filenames;
}

/**
 * Writes a save_to_disk directory's dataset_info.json (with `features`) and
 * state.json (listing the shards `filenames`, already written in `dir`).
 */
export async function writeHfInfo(dir: string, filenames: readonly string[], features: Readonly<Record<string, unknown>>, totalBytes: number, description: string): Promise<void> {
  const info = {
    builder_name: null,
    citation: "",
    config_name: null,
    dataset_name: null,
    dataset_size: totalBytes,
    description,
    download_checksums: null,
    download_size: null,
    features,
    homepage: "",
    license: "",
    size_in_bytes: totalBytes,
    splits: null,
    supervised_keys: null,
    version: null,
  };
  const state = {
    _data_files: filenames.map((filename) => ({ filename })),
    _fingerprint: randomBytes(8).toString("hex"),
    _format_columns: null,
    _format_kwargs: {},
    _format_type: null,
    _output_all_columns: false,
    _split: null,
  };
  await writeFile(join(dir, "dataset_info.json"), JSON.stringify(info, null, 2) + "\n");
  await writeFile(join(dir, "state.json"), JSON.stringify(state, null, 2) + "\n");
}
