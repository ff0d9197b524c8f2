/**
 * Sampled completions as they travel from an actor to a sequence run's
 * learner: one Arrow IPC stream, one row per completion, in the order of the
 * contexts asked for: `tokens` (list of int32: the new tokens), `logprobs`
 * and `entropies` (lists of float64, one per token: what the learner's own
 * sampler returns), `finish` (uint8: 1 when the stop token ended it). The
 * header (schema metadata `trellis.completions`) names the actor and its
 * batch number, the policy version that sampled, the generator state after
 * sampling and the seconds it took.
 *
 * Reading checks the bytes, the schema, the header and every value against
 * what the learner asked (how many completions, the vocabulary, the token
 * budget, the stop token), and names what is wrong.
 */
import { Field, Float64, Int32, List, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Uint8, type Data } from "apache-arrow";
import { parseArrowIPC } from "../data/arrow-ipc.js";
import { actorHeaderProblem, readBatchHeader } from "./batch-header.js";
import type { Completion } from "../seq/policies/sample.js";

export const META_COMPLETIONS = "trellis.completions";

export interface CompletionsHeader {
  readonly worker: string;
  readonly seq: number;
  readonly policyVersion: number;
  /** The sampling generator after the batch (4 words), so a learner can continue its stream. */
  readonly rng: readonly number[];
  readonly seconds: number;
}

/** What the learner asked of a batch. */
export interface CompletionsExpectation {
  readonly count: number;
  readonly vocabSize: number;
  readonly maxNewTokens: number;
  readonly stopToken?: number;
  readonly policyVersion: number;
}

export class CompletionsBatchError extends Error {
  override name = "CompletionsBatchError";
}

const FIELDS = [
  new Field("tokens", new List(new Field("item", new Int32(), false)), false),
  new Field("logprobs", new List(new Field("item", new Float64(), false)), false),
  new Field("entropies", new List(new Field("item", new Float64(), false)), false),
  new Field("finish", new Uint8(), false),
];

/** The Arrow IPC stream of `completions` with `header`. */
export function completionsBatchBytes(completions: readonly Completion[], header: CompletionsHeader): Uint8Array {
  const problem = headerProblem(header);
  if (problem) throw new RangeError(`completionsBatchBytes: ${problem}`);
  const n = completions.length;
  const offsets = new Int32Array(n + 1);
  completions.forEach((c, i) => (offsets[i + 1] = offsets[i]! + c.tokens.length));
  const total = offsets[n]!;
  const tokens = new Int32Array(total);
  const logprobs = new Float64Array(total);
  const entropies = new Float64Array(total);
  const finish = new Uint8Array(n);
  completions.forEach((c, i) => {
    tokens.set(c.tokens, offsets[i]!);
    logprobs.set(c.logprobs, offsets[i]!);
    entropies.set(c.entropies, offsets[i]!);
    finish[i] = c.finish === "stop" ? 1 : 0;
  });
  const list = (field: Field, values: Int32Array | Float64Array): Data =>
    makeData({ type: field.type as List, length: n, nullCount: 0, valueOffsets: offsets, child: makeData({ type: (field.type as List).children[0]!.type, length: total, nullCount: 0, data: values } as never) } as never);
  const schema = new Schema(FIELDS, new Map([[META_COMPLETIONS, JSON.stringify(header)]]));
  const children = [list(FIELDS[0]!, tokens), list(FIELDS[1]!, logprobs), list(FIELDS[2]!, entropies), makeData({ type: new Uint8(), length: n, nullCount: 0, data: finish })];
  const data = makeData({ type: new Struct(FIELDS), length: n, nullCount: 0, children: children as Data[] });
  return tableToIPC(new Table(schema, [new RecordBatch(schema, data)]), "stream");
}

function headerProblem(h: unknown): string | undefined {
  const x = h as Partial<CompletionsHeader> | null;
  if (typeof x !== "object" || x === null) return `the header must be an object, got ${JSON.stringify(h)}`;
  if (!Number.isSafeInteger(x.policyVersion) || x.policyVersion! < 0) return `header.policyVersion must be an integer ≥ 0, got ${JSON.stringify(x.policyVersion)}`;
  return actorHeaderProblem(x, true);
}

/** The completions in `bytes`, checked against `expect`; throws a {@link CompletionsBatchError} naming `what` and the problem. */
export function readCompletionsBatch(bytes: Uint8Array, expect: CompletionsExpectation, what = "completions batch"): { header: CompletionsHeader; completions: Completion[] } {
  const fail = (message: string): never => {
    throw new CompletionsBatchError(`${what}: ${message}`);
  };
  let table: Table;
  try {
    table = parseArrowIPC(bytes, what);
  } catch (error) {
    throw new CompletionsBatchError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  const header = readBatchHeader<CompletionsHeader>(table.schema.metadata, META_COMPLETIONS, headerProblem, fail);
  if (header.policyVersion !== expect.policyVersion) fail(`sampled with policy version ${header.policyVersion}, the learner asked for ${expect.policyVersion}`);
  const fields = table.schema.fields;
  if (fields.length !== FIELDS.length || fields.some((f, i) => f.name !== FIELDS[i]!.name || String(f.type) !== String(FIELDS[i]!.type))) {
    fail(`schema ${fields.map((f) => `${f.name}: ${f.type}`).join(", ")}; expected ${FIELDS.map((f) => `${f.name}: ${f.type}`).join(", ")}`);
  }
  if (table.numRows !== expect.count) fail(`${table.numRows} completions, the learner asked for ${expect.count}`);
  const n = expect.count;
  const one = (name: string): Data => {
    const v = table.getChild(name)!;
    if (v.data.length !== 1) fail(`column ${name} comes in ${v.data.length} record batches, expected 1`);
    const d = v.data[0]!;
    if (d.nullCount > 0) fail(`column ${name} has ${d.nullCount} nulls`);
    return d;
  };
  const lists = ["tokens", "logprobs", "entropies"].map((name) => {
    const d = one(name);
    const offsets = d.valueOffsets as Int32Array;
    const child = d.children[0]!;
    if (child.nullCount > 0) fail(`column ${name} has ${child.nullCount} null items`);
    if (offsets[0] !== 0) fail(`column ${name}'s offsets start at ${offsets[0]}`);
    for (let i = 0; i < n; i++) if (!(offsets[i + 1]! >= offsets[i]!)) fail(`column ${name}'s offsets decrease at row ${i}`);
    if (offsets[n] !== child.length) fail(`column ${name}'s offsets end at ${offsets[n]}, its values hold ${child.length}`);
    return { offsets, values: child.values as Int32Array | Float64Array };
  });
  const [tok, lp, ent] = lists as [{ offsets: Int32Array; values: Int32Array }, { offsets: Int32Array; values: Float64Array }, { offsets: Int32Array; values: Float64Array }];
  const finish = one("finish").values as Uint8Array;
  const completions: Completion[] = [];
  for (let i = 0; i < n; i++) {
    const from = tok.offsets[i]!;
    const to = tok.offsets[i + 1]!;
    if (lp.offsets[i] !== from || lp.offsets[i + 1] !== to || ent.offsets[i] !== from || ent.offsets[i + 1] !== to) fail(`completion ${i}: tokens, logprobs and entropies differ in length`);
    const len = to - from;
    if (len > expect.maxNewTokens) fail(`completion ${i} has ${len} tokens, more than maxNewTokens ${expect.maxNewTokens}`);
    for (let k = from; k < to; k++) {
      const t = tok.values[k]!;
      if (!(t >= 0 && t < expect.vocabSize)) fail(`completion ${i} token ${k - from} (${t}) is outside the vocabulary [0, ${expect.vocabSize})`);
      if (!(lp.values[k]! <= 0) || !Number.isFinite(lp.values[k]!)) fail(`completion ${i} token ${k - from}: log-probability ${lp.values[k]} is not a finite number ≤ 0`);
      if (!(ent.values[k]! >= 0) || !Number.isFinite(ent.values[k]!)) fail(`completion ${i} token ${k - from}: entropy ${ent.values[k]} is not a finite number ≥ 0`);
    }
    const f = finish[i]!;
    if (f > 1) fail(`completion ${i}: finish must be 0 (length) or 1 (stop), got ${f}`);
    if (f === 1 && (len === 0 || expect.stopToken === undefined || tok.values[to - 1] !== expect.stopToken)) fail(`completion ${i} says it stopped but does not end with the stop token ${expect.stopToken}`);
    completions.push({ tokens: tok.values.slice(from, to), logprobs: lp.values.slice(from, to), entropies: ent.values.slice(from, to), finish: f === 1 ? "stop" : "length" });
  }
  return { header, completions };
}
