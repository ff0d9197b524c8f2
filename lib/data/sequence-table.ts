/**
 * `sequenceTable`: rows of a sequence task (a language model's completions, in
 * turns or segments) as an Arrow table in the trajectory schema with the
 * sequence columns of DESIGN.md (`tokens` List<int32>, `token_logp` List<f32>,
 * `token_adv` List<f32>). Until the sequence tasks themselves land, this is
 * how such data is made by hand or converted from another tool's output, and
 * what the sequence credit view (`dataset.credit()`) reads.
 *
 * Per row: `obs` is the prompt's token ids (List<f32>, may be empty), `action`
 * the number of tokens the row adds (its tokens are in `tokens`), `t` the
 * row's position in its episode (completion), `terminated` true on the last.
 */
import { Bool, Field, Float32, Int32, Int64, List, RecordBatch, Schema, Struct, Table, Utf8, makeData, vectorFromArray, type DataType, type Vector } from "apache-arrow";
import { META_ACTION_SPACE, META_ENV_ID, META_LIBRARY_VERSION, META_OBSERVATION_SPACE, TRAJECTORY_SOURCES, runIdType, sourceType, type TrajectorySource } from "./schema.js";
import { VERSION } from "../version.js";

export interface SequenceRow {
  /** The completion this row belongs to. */
  episodeId: number;
  /** The prompt's group (GRPO); omitted when there is none. */
  groupId?: number;
  tokens: ArrayLike<number>;
  tokenLogp?: ArrayLike<number>;
  tokenAdv?: ArrayLike<number>;
  /** Reward of this row (a completion's reward is the sum of its rows'). */
  reward: number;
  /** Where the tokens came from (default "online"). */
  source?: TrajectorySource;
  /** The prompt's token ids. */
  prompt?: ArrayLike<number>;
  /** Log-probability of the row under the behavior policy (default: the sum of `tokenLogp`, else 0). */
  behaviorLogp?: number;
  /** Per token, 1 where the clipped surrogate held its ratio at a bound in the update (a `token_clipped` List<bool> column when any row has it). */
  tokenClipped?: ArrayLike<number>;
  /** Updates of the policy before it sampled the row (default 0). */
  policyVersion?: number;
  /** The problem the prompt came from (a task item's id); a `prompt_id` column when any row has one. */
  promptId?: string;
}

const list = (item: DataType) => new List(new Field("item", item, false));

/** The rows as a table (row order kept; `t` counts each episode's rows in order). */
export function sequenceTable(rows: readonly SequenceRow[], options: { runId?: string; envId?: string } = {}): Table {
  const lastRow = new Map<number, number>();
  rows.forEach((r, i) => {
    if (!Number.isInteger(r.episodeId)) throw new TypeError(`sequenceTable: row ${i}: episodeId must be an integer, got ${String(r.episodeId)}`);
    if (r.policyVersion !== undefined && !(Number.isInteger(r.policyVersion) && r.policyVersion >= 0)) throw new TypeError(`sequenceTable: row ${i}: policyVersion must be an integer ≥ 0, got ${String(r.policyVersion)}`);
    if (r.promptId !== undefined && typeof r.promptId !== "string") throw new TypeError(`sequenceTable: row ${i}: promptId must be a string, got ${typeof r.promptId}`);
    for (const name of ["tokenLogp", "tokenAdv", "tokenClipped"] as const) {
      const v = r[name];
      if (v && v.length !== r.tokens.length) throw new RangeError(`sequenceTable: row ${i}: ${name} has ${v.length} values for ${r.tokens.length} tokens`);
    }
    if (r.source !== undefined && !TRAJECTORY_SOURCES.includes(r.source)) throw new RangeError(`sequenceTable: row ${i}: source must be one of ${TRAJECTORY_SOURCES.join(", ")}, got ${String(r.source)}`);
    lastRow.set(r.episodeId, i);
  });
  const counter = new Map<number, number>();
  const t = rows.map((r) => {
    const k = counter.get(r.episodeId) ?? 0;
    counter.set(r.episodeId, k + 1);
    return k;
  });
  const anyLogp = rows.some((r) => r.tokenLogp);
  const anyAdv = rows.some((r) => r.tokenAdv);
  const fields: Field[] = [];
  const columns: Record<string, Vector> = {};
  const add = (name: string, type: DataType, nullable: boolean, values: unknown[]) => {
    fields.push(new Field(name, type, nullable));
    columns[name] = vectorFromArray(values, type);
  };
  add("run_id", runIdType(), false, rows.map(() => options.runId ?? "sequences"));
  add("episode_id", new Int64(), false, rows.map((r) => BigInt(r.episodeId)));
  add("t", new Int32(), false, t);
  add("obs", list(new Float32()), false, rows.map((r) => Array.from(r.prompt ?? [])));
  add("action", new Int32(), false, rows.map((r) => r.tokens.length));
  add("reward", new Float32(), false, rows.map((r) => r.reward));
  add("terminated", new Bool(), false, rows.map((r, i) => lastRow.get(r.episodeId) === i));
  add("truncated", new Bool(), false, rows.map(() => false));
  add("next_obs", list(new Float32()), true, rows.map(() => null));
  add("behavior_logp", new Float32(), false, rows.map((r) => r.behaviorLogp ?? (r.tokenLogp ? Array.from(r.tokenLogp).reduce((s, x) => s + x, 0) : 0)));
  add("value", new Float32(), true, rows.map(() => null));
  add("advantage", new Float32(), true, rows.map(() => null));
  add("return", new Float32(), true, rows.map(() => null));
  add("policy_version", new Int32(), false, rows.map((r) => r.policyVersion ?? 0));
  add("source", sourceType(), false, rows.map((r) => r.source ?? "online"));
  add("group_id", new Int64(), true, rows.map((r) => (r.groupId === undefined ? null : BigInt(r.groupId))));
  add("tokens", list(new Int32()), false, rows.map((r) => Array.from(r.tokens)));
  if (anyLogp) add("token_logp", list(new Float32()), true, rows.map((r) => (r.tokenLogp ? Array.from(r.tokenLogp) : null)));
  if (anyAdv) add("token_adv", list(new Float32()), true, rows.map((r) => (r.tokenAdv ? Array.from(r.tokenAdv) : null)));
  if (rows.some((r) => r.tokenClipped)) add("token_clipped", list(new Bool()), true, rows.map((r) => (r.tokenClipped ? Array.from(r.tokenClipped, (v) => v !== 0) : null)));
  if (rows.some((r) => r.promptId !== undefined)) add("prompt_id", new Utf8(), true, rows.map((r) => r.promptId ?? null));
  const metadata = new Map([
    [META_ENV_ID, options.envId ?? "sequence"],
    [META_OBSERVATION_SPACE, JSON.stringify({ kind: "tokens" })],
    [META_ACTION_SPACE, JSON.stringify({ kind: "tokens" })],
    [META_LIBRARY_VERSION, VERSION],
  ]);
  const schema = new Schema(fields, metadata);
  const children = fields.map((f) => columns[f.name]!.data[0]!);
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(fields), length: rows.length, nullCount: 0, children }))]);
}
