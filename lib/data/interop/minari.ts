/**
 * Minari's Arrow and Parquet storages ⇄ the trajectory schema (flat Box
 * observations; Discrete or flat Box actions).
 *
 * Minari's `ArrowStorage` (`ParquetStorage`) writes each episode with pyarrow's
 * `write_dataset(..., format="arrow" | "parquet", partitioning=["episode_id"])`
 * under `<dataset>/data/`: one directory per episode, named by its id, holding
 * `part-0.arrow` (an Arrow IPC file) or `part-0.parquet` (the partition column
 * episode_id is not stored in it) and a `metadata.json` (`{ id, total_steps }`). An episode of
 * n steps has n + 1 rows: `observations` holds obs_0 … obs_n, while
 * `actions`, `rewards`, `terminations`, `truncations` are padded with one
 * zero row at the end. `data/metadata.json` holds dataset metadata
 * (`data_format`, `total_episodes`, `total_steps`, the spaces serialized as
 * Minari's `serialize_space` does, …).
 *
 * Mapping: trajectory row t of an episode takes obs_t, action_t, reward_t,
 * the flags of step t, and next_obs = obs_{t+1}.
 */
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Bool, DataType, Field, FixedSizeList, Float32, Int32, RecordBatch, Schema, Struct, Table, makeData, tableFromIPC, tableToIPC, type Data } from "apache-arrow";
import * as pq from "parquet-wasm";
import { arrowFileBytes, parseArrowIPC } from "../arrow-ipc.js";
import { Dataset } from "../dataset.js";
import { readRegularFile } from "../regular-file.js";
import { META_ACTION_SPACE, META_ENV_ID, META_OBSERVATION_SPACE } from "../schema.js";
import { allocFlat, episodeRuns, flatFromTable, readNumericColumn, tableFromFlat, type FlatTrajectory, type NumericColumn, type TableMetaOptions } from "./common.js";

const MINARI_COLUMNS = ["observations", "actions", "rewards", "terminations", "truncations"] as const;

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Episode id of a partition directory name (`7` or hive-style `episode_id=7`), or undefined. */
function partitionId(name: string): number | undefined {
  const m = /^(?:episode_id=)?(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function readEpisodeFile(path: string): Promise<Table> {
  const bytes = await readRegularFile(path);
  if (!path.toLowerCase().endsWith(".parquet")) return parseArrowIPC(bytes, path);
  try {
    return tableFromIPC(pq.readParquet(bytes).intoIPCStream());
  } catch (error) {
    throw new Error(`${path}: not a readable Arrow IPC or Parquet file: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export interface ReadMinariOptions extends TableMetaOptions {
  /** Discrete actions (default: the actions column holds integer scalars). */
  discrete?: boolean;
}

/**
 * Reads a Minari Arrow (or Parquet) dataset: `dir` is the dataset directory
 * (holding `data/`) or the `data/` directory itself. Episodes are read in
 * ascending id order.
 */
export async function readMinariArrow(dir: string, options: ReadMinariOptions = {}): Promise<Dataset> {
  const dataDir = (await isDir(join(dir, "data"))) ? join(dir, "data") : dir;
  const episodes = (await readdir(dataDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && partitionId(e.name) !== undefined)
    .map((e) => ({ id: partitionId(e.name)!, path: join(dataDir, e.name) }))
    .sort((x, y) => x.id - y.id);
  if (!episodes.length) throw new Error(`readMinariArrow(${dir}): no episode directories (named by episode id) in ${dataDir}`);
  let envId = options.envId;
  let meta: Record<string, unknown> = {};
  try {
    meta = JSON.parse(await readFile(join(dataDir, "metadata.json"), "utf8")) as Record<string, unknown>;
  } catch {
    // A dataset without (readable) metadata still has its episodes.
  }
  if (envId === undefined) {
    const spec = typeof meta.env_spec === "string" ? (JSON.parse(meta.env_spec) as { id?: unknown }) : undefined;
    envId = typeof spec?.id === "string" ? spec.id : typeof meta[META_ENV_ID] === "string" ? (meta[META_ENV_ID] as string) : "";
  }
  const observationSpace = options.observationSpace ?? spaceFromMinari(meta.observation_space);
  const actionSpace = options.actionSpace ?? spaceFromMinari(meta.action_space);
  const parts: Array<{ id: number; obs: NumericColumn; actions: NumericColumn; rewards: NumericColumn; term: NumericColumn; trunc: NumericColumn; intActions: boolean }> = [];
  for (const ep of episodes) {
    const files = (await readdir(ep.path)).filter((n) => !n.startsWith("_") && !n.startsWith(".") && n !== "metadata.json" && /\.(arrow|feather|ipc|parquet)$/i.test(n)).sort();
    if (!files.length) throw new Error(`readMinariArrow: episode directory ${ep.path} holds no .arrow/.parquet file`);
    const tables = await Promise.all(files.map((f) => readEpisodeFile(join(ep.path, f))));
    const batches = tables.flatMap((t) => t.batches.map((b) => new RecordBatch(tables[0]!.schema, b.data)));
    const table = new Table(tables[0]!.schema, batches);
    const missing = MINARI_COLUMNS.filter((c) => table.getChild(c) === null);
    if (missing.length) throw new Error(`readMinariArrow: ${join(ep.path, files[0]!)} lacks Minari columns: ${missing.join(", ")} (has ${table.schema.fields.map((f) => f.name).join(", ")})`);
    const col = (name: string) => readNumericColumn(table.getChild(name)!, `readMinariArrow: ${ep.path} column ${name}`);
    const actionsType = table.getChild("actions")!.type as DataType;
    const actions = col("actions");
    parts.push({
      id: ep.id,
      obs: col("observations"),
      actions,
      rewards: col("rewards"),
      term: col("terminations"),
      trunc: col("truncations"),
      intActions: actions.kind === "int" && !DataType.isFixedSizeList(actionsType) && !DataType.isList(actionsType),
    });
  }
  const d = parts[0]!.obs.width;
  const discrete = options.discrete ?? parts[0]!.intActions;
  const a = discrete ? 1 : parts[0]!.actions.width;
  let rows = 0;
  for (const p of parts) {
    const m = p.obs.values.length / Math.max(d, 1);
    if (p.obs.width !== d) throw new RangeError(`readMinariArrow: episode ${p.id} has observations of width ${p.obs.width}, episode ${parts[0]!.id} of width ${d}`);
    if (p.actions.width !== (discrete ? 1 : a)) throw new RangeError(`readMinariArrow: episode ${p.id} has actions of width ${p.actions.width}, expected ${a}`);
    if (m < 1) throw new RangeError(`readMinariArrow: episode ${p.id} has no observations`);
    for (const [name, c] of [["actions", p.actions], ["rewards", p.rewards], ["terminations", p.term], ["truncations", p.trunc]] as const) {
      if (c.values.length / c.width !== m) throw new RangeError(`readMinariArrow: episode ${p.id} has ${m} observations but ${c.values.length / c.width} ${name} rows (Minari pads them to the observations' length)`);
    }
    rows += m - 1;
  }
  const flat = allocFlat(rows, d, a, discrete);
  let r = 0;
  for (const p of parts) {
    const n = p.obs.values.length / d - 1;
    for (let t = 0; t < n; t++, r++) {
      flat.obs.set(p.obs.values.subarray(t * d, (t + 1) * d), r * d);
      flat.nextObs.set(p.obs.values.subarray((t + 1) * d, (t + 2) * d), r * d);
      flat.actions.set(p.actions.values.subarray(t * a, (t + 1) * a), r * a);
      flat.rewards[r] = p.rewards.values[t]!;
      flat.terminated[r] = p.term.values[t] ? 1 : 0;
      flat.truncated[r] = p.trunc.values[t] ? 1 : 0;
      flat.episodeIds[r] = p.id;
      flat.t[r] = t;
    }
  }
  return new Dataset(tableFromFlat(flat, { ...options, envId, observationSpace, actionSpace }));
}

export interface WriteMinariOptions {
  /** `dataset_id` in data/metadata.json (default "trellis/dataset-v0"). */
  datasetId?: string;
  /** Minari's storage format: "arrow" (Arrow IPC files, the default) or "parquet". */
  format?: "arrow" | "parquet";
}

/** A number as Python's json module writes it (Infinity and NaN as bare tokens, which json.loads reads back). */
function pyJsonNumber(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  return JSON.stringify(x);
}

/**
 * A trajectory schema's space (its metadata JSON, see `spaceToJson`) as
 * Minari's `serialize_space` string: `{"type": "Box", "dtype": "float32", "shape", "low", "high"}`
 * or `{"type": "Discrete", "dtype": "int64", "start": 0, "n"}`; null when unknown.
 */
export function minariSpace(spaceJson: string | undefined): string | null {
  if (!spaceJson) return null;
  const space = JSON.parse(spaceJson) as { kind?: string; n?: number; shape?: number[]; low?: (number | string)[]; high?: (number | string)[] } | null;
  if (space?.kind === "discrete" && typeof space.n === "number") return `{"type": "Discrete", "dtype": "int64", "start": 0, "n": ${space.n}}`;
  if (space?.kind === "box" && Array.isArray(space.low) && Array.isArray(space.high)) {
    const nums = (xs: (number | string)[]) => `[${xs.map((x) => pyJsonNumber(Number(x))).join(", ")}]`;
    return `{"type": "Box", "dtype": "float32", "shape": ${JSON.stringify(space.shape ?? [space.low.length])}, "low": ${nums(space.low)}, "high": ${nums(space.high)}}`;
  }
  return null;
}

/** A Minari `serialize_space` string as a trajectory-schema space (Box and Discrete; undefined otherwise). */
export function spaceFromMinari(serialized: unknown): unknown {
  if (typeof serialized !== "string") return undefined;
  // Python's json writes ±Infinity and NaN as bare tokens: quote them for JSON.parse.
  const json = serialized.replace(/(-?Infinity|NaN)(?=\s*[,\]}])/g, '"$1"');
  const s = JSON.parse(json) as { type?: string; n?: number; start?: number; shape?: number[]; low?: (number | string)[]; high?: (number | string)[] };
  if (s.type === "Discrete" && typeof s.n === "number") return { kind: "discrete", n: s.n };
  if (s.type === "Box" && Array.isArray(s.low) && Array.isArray(s.high)) {
    return { kind: "box", shape: s.shape ?? [s.low.length], low: Float32Array.from(s.low, Number), high: Float32Array.from(s.high, Number) };
  }
  return undefined;
}

/**
 * Writes a trajectory table (or dataset) in Minari's Arrow (or Parquet) layout
 * under `dir` (`dir/data/<episode_id>/part-0.arrow` or `.parquet` +
 * `metadata.json`, and `dir/data/metadata.json`). Rows are ordered by (episode_id, t); each
 * episode's n + 1 observations are its rows' obs plus the last row's
 * next_obs, which must therefore not be null (record with `finalObs`).
 * Observations, actions and rewards are written as float32, flags as bool.
 */
export async function writeMinariArrow(source: Table | Dataset, dir: string, options: WriteMinariOptions = {}): Promise<void> {
  const table = source instanceof Dataset ? source.table : source;
  const format = options.format ?? "arrow";
  if (format !== "arrow" && format !== "parquet") throw new RangeError(`writeMinariArrow: format must be "arrow" or "parquet", got ${JSON.stringify(format)}`);
  const flat = flatFromTable(table, "writeMinariArrow");
  const d = flat.obsSize;
  const a = flat.actionSize;
  const runs = episodeRuns(flat.episodeIds);
  for (const [lo, hi] of runs) {
    if (flat.nextObsValid && !flat.nextObsValid[hi - 1]) {
      throw new Error(`writeMinariArrow: episode ${flat.episodeIds[lo]}'s last row (t = ${flat.t[hi - 1]}) has a null next_obs; Minari needs each episode's final observation`);
    }
  }
  const ids = new Set(runs.map(([lo]) => flat.episodeIds[lo]!));
  if (ids.size !== runs.length) throw new Error("writeMinariArrow: an episode id occurs in separate runs of rows");
  const f32List = (size: number) => new FixedSizeList(size, new Field("item", new Float32(), false));
  const fields = [
    new Field("observations", f32List(d), false),
    new Field("actions", flat.discrete ? new Int32() : f32List(a), false),
    new Field("rewards", new Float32(), false),
    new Field("terminations", new Bool(), false),
    new Field("truncations", new Bool(), false),
  ];
  const schema = new Schema(fields);
  const dataDir = join(dir, "data");
  await mkdir(dataDir, { recursive: true });
  let totalSteps = 0;
  let maxId = -1;
  for (const [lo, hi] of runs) {
    const id = flat.episodeIds[lo]!;
    const n = hi - lo;
    const m = n + 1;
    const obs = new Float32Array(m * d);
    obs.set(flat.obs.subarray(lo * d, hi * d));
    obs.set(flat.nextObs.subarray((hi - 1) * d, hi * d), n * d);
    const actions = flat.discrete ? new Int32Array(m) : new Float32Array(m * a);
    actions.set(flat.actions.subarray(lo * a, hi * a));
    const rewards = new Float32Array(m);
    rewards.set(flat.rewards.subarray(lo, hi));
    const bits = (flags: Uint8Array) => {
      const out = new Uint8Array((m + 7) >> 3);
      for (let i = 0; i < n; i++) if (flags[lo + i]) out[i >> 3]! |= 1 << (i & 7);
      return out;
    };
    const list = (i: number, values: Float32Array, size: number) => {
      const type = fields[i]!.type as FixedSizeList<Float32>;
      return makeData({ type, length: m, child: makeData({ type: type.children[0]!.type, length: m * size, data: values }) });
    };
    const children: Data[] = [
      list(0, obs, d),
      flat.discrete ? makeData({ type: new Int32(), length: m, data: actions as Int32Array }) : list(1, actions as Float32Array, a),
      makeData({ type: new Float32(), length: m, data: rewards }),
      makeData({ type: new Bool(), length: m, data: bits(flat.terminated) }),
      makeData({ type: new Bool(), length: m, data: bits(flat.truncated) }),
    ];
    const struct = makeData({ type: new Struct(fields), length: m, children, nullCount: 0 });
    const episodeDir = join(dataDir, String(id));
    await mkdir(episodeDir, { recursive: true });
    const episode = new Table(schema, [new RecordBatch(schema, struct)]);
    if (format === "parquet") await writeFile(join(episodeDir, "part-0.parquet"), pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(episode, "stream"))));
    else await writeFile(join(episodeDir, "part-0.arrow"), arrowFileBytes(episode));
    await writeFile(join(episodeDir, "metadata.json"), JSON.stringify({ id, total_steps: n }));
    totalSteps += n;
    maxId = Math.max(maxId, id);
  }
  const envId = table.schema.metadata.get(META_ENV_ID) ?? "";
  const metadata = {
    data_format: format,
    observation_space: minariSpace(table.schema.metadata.get(META_OBSERVATION_SPACE)),
    action_space: minariSpace(table.schema.metadata.get(META_ACTION_SPACE)),
    dataset_id: options.datasetId ?? "trellis/dataset-v0",
    total_episodes: maxId + 1,
    total_steps: totalSteps,
    env_spec: envId ? JSON.stringify({ id: envId }) : null,
    [META_ENV_ID]: envId,
  };
  await writeFile(join(dataDir, "metadata.json"), JSON.stringify(metadata, null, 2) + "\n");
}
