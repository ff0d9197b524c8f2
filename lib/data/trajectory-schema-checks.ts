// The trajectory schema's columns and types (DESIGN.md, "Arrow trajectory
// schema"): which a table must have, which types each may have, and the
// error that lists what does not conform.
import { DataType, type Schema } from "apache-arrow";

type TypeCheck = { describe: string; ok: (t: DataType) => boolean };
const isF32 = (t: DataType) => DataType.isFloat(t) && t.precision === 1;
const isInt = (bits: number) => (t: DataType) => DataType.isInt(t) && t.bitWidth === bits && t.isSigned;
const isDictUtf8 = (t: DataType) => DataType.isDictionary(t) && DataType.isUtf8(t.dictionary);
const isF32List = (t: DataType) => (DataType.isFixedSizeList(t) || DataType.isList(t)) && isF32(t.children[0]!.type);

/** The trajectory schema's columns, each with the types it may have. */
const TRAJECTORY_COLUMNS: Record<string, TypeCheck> = {
  run_id: { describe: "dict<utf8>", ok: isDictUtf8 },
  episode_id: { describe: "int64", ok: isInt(64) },
  t: { describe: "int32", ok: isInt(32) },
  obs: { describe: "FixedSizeList<f32> | List<f32>", ok: isF32List },
  action: { describe: "int32 | FixedSizeList<f32>", ok: (t) => isInt(32)(t) || (DataType.isFixedSizeList(t) && isF32(t.children[0]!.type)) },
  reward: { describe: "f32", ok: isF32 },
  terminated: { describe: "bool", ok: DataType.isBool },
  truncated: { describe: "bool", ok: DataType.isBool },
  next_obs: { describe: "FixedSizeList<f32> | List<f32>", ok: isF32List },
  behavior_logp: { describe: "f32", ok: isF32 },
  value: { describe: "f32", ok: isF32 },
  advantage: { describe: "f32", ok: isF32 },
  return: { describe: "f32", ok: isF32 },
  policy_version: { describe: "int32", ok: isInt(32) },
  source: { describe: "dict<utf8>", ok: isDictUtf8 },
  group_id: { describe: "int64", ok: isInt(64) },
};

/** The sequence-task columns: optional, but typed as DESIGN.md says when present. */
const SEQUENCE_COLUMNS: Record<string, TypeCheck> = {
  tokens: { describe: "List<int32>", ok: (t) => DataType.isList(t) && isInt(32)(t.children[0]!.type) },
  token_logp: { describe: "List<f32>", ok: (t) => DataType.isList(t) && isF32(t.children[0]!.type) },
  token_adv: { describe: "List<f32>", ok: (t) => DataType.isList(t) && isF32(t.children[0]!.type) },
};

/** Columns of constrained envs: optional, typed when present. */
const COST_COLUMNS: Record<string, TypeCheck> = {
  cost: { describe: "f32 | FixedSizeList<f32>", ok: (t) => isF32(t) || (DataType.isFixedSizeList(t) && isF32(t.children[0]!.type)) },
};

/** Problems of `schema` against the trajectory schema (empty when it conforms). */
export function trajectorySchemaProblems(schema: Schema): { missing: string[]; mistyped: string[] } {
  const missing: string[] = [];
  const mistyped: string[] = [];
  for (const [name, check] of Object.entries(TRAJECTORY_COLUMNS)) {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) missing.push(name);
    else if (!check.ok(field.type)) mistyped.push(`${name} (${String(field.type)}, expected ${check.describe})`);
  }
  for (const [name, check] of Object.entries({ ...SEQUENCE_COLUMNS, ...COST_COLUMNS })) {
    const field = schema.fields.find((f) => f.name === name);
    if (field && !check.ok(field.type)) mistyped.push(`${name} (${String(field.type)}, expected ${check.describe})`);
  }
  return { missing, mistyped };
}

/** Throws when `schema` does not conform to the trajectory schema, listing missing and mistyped columns. */
export function assertTrajectorySchema(schema: Schema, where: string): void {
  const { missing, mistyped } = trajectorySchemaProblems(schema);
  if (missing.length || mistyped.length) {
    const parts = [];
    if (missing.length) parts.push(`missing columns: ${missing.join(", ")}`);
    if (mistyped.length) parts.push(`mistyped columns: ${mistyped.join(", ")}`);
    if (mistyped.some((m) => /^\S+ \((LargeList|LargeUtf8|LargeBinary|Utf8View|BinaryView)\b/.test(m))) parts.push(LARGE_TYPES_HINT);
    throw new Error(`${where}: not in the trajectory schema; ${parts.join("; ")}`);
  }
}

/** What to do about columns pyarrow wrote with its large or view types (the trajectory schema uses List, Utf8, Binary). */
const LARGE_TYPES_HINT =
  "pyarrow's large and view types (large_list, large_string, string_view, …) are not the trajectory schema's: cast those columns before writing, " +
  "e.g. table.cast(pa.schema([pa.field(f.name, pa.list_(f.type.value_type), f.nullable) if pa.types.is_large_list(f.type) else f for f in table.schema], metadata=table.schema.metadata))";

