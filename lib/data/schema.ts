/**
 * The Arrow trajectory schema (DESIGN.md, "Arrow trajectory schema"): one row
 * per environment step of one copy.
 */
import { Bool, Dictionary, Field, FixedSizeList, Float32, Int32, Int64, Int8, Schema, Utf8, type DataType } from "apache-arrow";
import { VERSION } from "../version.js";

/** Where a row came from (the values of the `source` dictionary, in index order). */
export const TRAJECTORY_SOURCES = ["online", "offline", "hint", "teacher", "sim", "reference"] as const;
export type TrajectorySource = (typeof TRAJECTORY_SOURCES)[number];

/** Dictionary ids of the two dictionary columns (stable, so batches of one run share them). */
export const RUN_ID_DICTIONARY_ID = 0;
export const SOURCE_DICTIONARY_ID = 1;

/** Schema metadata keys. */
export const META_ENV_ID = "trellis.env_id";
export const META_OBSERVATION_SPACE = "trellis.observation_space";
export const META_ACTION_SPACE = "trellis.action_space";
export const META_LIBRARY_VERSION = "trellis.library_version";
/** The names of the constraint costs in the `cost` column (JSON array), present when the table has one. */
export const META_COST_NAMES = "trellis.cost_names";

export interface TrajectorySchemaOptions {
  /** Floats per observation row. */
  obsSize: number;
  /** Floats per action row (ignored, and 1, for discrete actions). */
  actionSize: number;
  /** Discrete actions: `action` is int32; otherwise FixedSizeList<f32>[actionSize]. */
  discrete: boolean;
  /** The env id, e.g. `CartPole-v1`. */
  envId: string;
  /** Description of the observation space; stored as JSON (typed arrays become plain arrays, ±Infinity strings). */
  observationSpace?: unknown;
  /** Description of the action space; stored as JSON like `observationSpace`. */
  actionSpace?: unknown;
  /** Library version written into the metadata (default: this library's `VERSION`). */
  libraryVersion?: string;
  /**
   * Names of the env's constraint costs: with any, the table ends with a
   * nullable `cost` column (f32 for one cost, FixedSizeList<f32>[k] for k)
   * and the names go into the metadata.
   */
  costNames?: readonly string[];
}

/** JSON for a space description: typed arrays as arrays, non-finite numbers as strings ("Infinity", "-Infinity", "NaN"). */
export function spaceToJson(space: unknown): string {
  return JSON.stringify(space ?? null, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      return Array.from(value as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : String(x)));
    }
    if (typeof value === "number" && !Number.isFinite(value)) return String(value);
    return value;
  });
}

const f32List = (size: number) => new FixedSizeList(size, new Field("item", new Float32(), false));

/** The Arrow type of the `run_id` column. */
export const runIdType = () => new Dictionary(new Utf8(), new Int32(), RUN_ID_DICTIONARY_ID);
/** The Arrow type of the `source` column. */
export const sourceType = () => new Dictionary(new Utf8(), new Int8(), SOURCE_DICTIONARY_ID);

/** The trajectory schema for one env's shapes, with env id, spaces and library version in its metadata. */
export function trajectorySchema(options: TrajectorySchemaOptions): Schema {
  const { obsSize, actionSize, discrete, envId } = options;
  if (!Number.isInteger(obsSize) || obsSize < 1) throw new RangeError(`trajectorySchema: obsSize must be an integer ≥ 1, got ${String(obsSize)}`);
  if (!discrete && (!Number.isInteger(actionSize) || actionSize < 1)) {
    throw new RangeError(`trajectorySchema: actionSize must be an integer ≥ 1 for continuous actions, got ${String(actionSize)}`);
  }
  if (typeof envId !== "string") throw new TypeError(`trajectorySchema: envId must be a string, got ${String(envId)}`);
  const action: DataType = discrete ? new Int32() : f32List(actionSize);
  const fields = [
    new Field("run_id", runIdType(), false),
    new Field("episode_id", new Int64(), false),
    new Field("t", new Int32(), false),
    new Field("obs", f32List(obsSize), false),
    new Field("action", action, false),
    new Field("reward", new Float32(), false),
    new Field("terminated", new Bool(), false),
    new Field("truncated", new Bool(), false),
    new Field("next_obs", f32List(obsSize), true),
    new Field("behavior_logp", new Float32(), false),
    new Field("value", new Float32(), true),
    new Field("advantage", new Float32(), true),
    new Field("return", new Float32(), true),
    new Field("policy_version", new Int32(), false),
    new Field("source", sourceType(), false),
    new Field("group_id", new Int64(), true),
  ];
  const costNames = options.costNames ?? [];
  if (costNames.length > 0) fields.push(new Field("cost", costNames.length === 1 ? new Float32() : f32List(costNames.length), true));
  const metadata = new Map<string, string>([
    [META_ENV_ID, envId],
    [META_OBSERVATION_SPACE, spaceToJson(options.observationSpace)],
    [META_ACTION_SPACE, spaceToJson(options.actionSpace)],
    [META_LIBRARY_VERSION, options.libraryVersion ?? VERSION],
  ]);
  if (costNames.length > 0) metadata.set(META_COST_NAMES, JSON.stringify(costNames));
  return new Schema(fields, metadata);
}
