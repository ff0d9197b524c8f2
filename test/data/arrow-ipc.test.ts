import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Dictionary, Field, FixedSizeList, Message, MetadataVersion, Schema, tableFromIPC, tableToIPC, type Table } from "apache-arrow";
import { FileBlock, Footer } from "apache-arrow/ipc/metadata/file";
import { arrowFileBytes, parseArrowIPC } from "../../lib/data/arrow-ipc.js";
import { datasetFrom, openDataset } from "../../lib/data/dataset.js";
import { openHfDataset, saveHfDataset } from "../../lib/data/interop/hf.js";
import { writeMinariArrow } from "../../lib/data/interop/minari.js";
import { arrowFixtureTable } from "../helpers/arrow-fixture.js";
import { BoundedOpener } from "../helpers/bounded-open.js";
import { fieldAt, follow, footerStart, root, streamMessages, vectorElement, vectorLength } from "../helpers/flatbuffer-bytes.js";
import { tableDifference } from "../helpers/table-difference.js";

let dir: string;
let table: Table;
/** Written by Trellis (Dataset.save). */
let path: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-arrow-ipc-"));
  table = await arrowFixtureTable(512);
  path = join(dir, "data.arrow");
  await datasetFrom(table).save(path);
});

after(() => rm(dir, { recursive: true, force: true }));

/** The schema message right after the magic of an Arrow file, as apache-arrow decodes it (undefined when another message is there). */
function leadingSchema(bytes: Uint8Array): Schema | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.getUint32(8, true), 0xffffffff, "a message after the magic");
  const message = Message.decode(bytes.subarray(16, 16 + view.getInt32(12, true)));
  return message.isSchema() ? message.header() : undefined;
}

/** `bytes` (a file Trellis wrote) with its footer's schema replaced by `schema`. */
function withFooterSchema(bytes: Uint8Array, schema: Schema): Uint8Array {
  const start = footerStart(bytes);
  const footer = Footer.decode(bytes.subarray(start, bytes.length - 10));
  const encoded = Footer.encode(new Footer(schema, MetadataVersion.V5, [...footer.recordBatches()] as FileBlock[], [...footer.dictionaryBatches()] as FileBlock[]));
  const out = new Uint8Array(start + encoded.length + 10);
  out.set(bytes.subarray(0, start));
  out.set(encoded, start);
  new DataView(out.buffer).setInt32(start + encoded.length, encoded.length, true);
  out.set(bytes.subarray(bytes.length - 6), out.length - 6);
  return out;
}

test("Trellis writes Arrow files as pyarrow does: the schema message after the magic, the same schema in the footer, the same table read back", async () => {
  const bytes = new Uint8Array(await readFile(path));
  const schema = leadingSchema(bytes);
  assert.ok(schema, "the first message is the schema");
  assert.deepEqual(schema.fields.map(String), table.schema.fields.map(String));
  assert.deepEqual([...schema.metadata], [...table.schema.metadata]);
  const footer = Footer.decode(bytes.subarray(footerStart(bytes), bytes.length - 10));
  assert.deepEqual(footer.schema.fields.map(String), table.schema.fields.map(String));
  assert.equal(footer.numRecordBatches, 3);
  assert.equal(tableDifference(table, tableFromIPC(bytes)), undefined, "apache-arrow's reader");
  assert.equal(tableDifference(table, parseArrowIPC(bytes, path)), undefined, "Trellis's reader");
  assert.equal(tableDifference(table, (await openDataset(path)).table), undefined, "openDataset");
  // Minari's episode files too.
  await writeMinariArrow(table, join(dir, "minari"));
  const episodes = await readdir(join(dir, "minari", "data"));
  const episodeDir = episodes.find((n) => /^\d+$/.test(n))!;
  assert.ok(leadingSchema(new Uint8Array(await readFile(join(dir, "minari", "data", episodeDir, "part-0.arrow")))), "a Minari part-0.arrow starts with its schema");
});

test("a footer whose schema differs from the schema message in any field (nullability, metadata, list size, dictionary id) is named corrupted", async () => {
  const bytes = new Uint8Array(await readFile(path));
  const fields = table.schema.fields;
  const replace = (name: string, make: (f: Field) => Field) => new Schema(fields.map((f) => (f.name === name ? make(f) : f)), table.schema.metadata);
  const variants: Record<string, Schema> = {
    nullability: replace("reward", (f) => new Field(f.name, f.type, !f.nullable, f.metadata)),
    "field metadata": replace("reward", (f) => new Field(f.name, f.type, f.nullable, new Map([["unit", "m"]]))),
    "schema metadata": new Schema(fields, new Map([...table.schema.metadata].map(([k, v]) => [k, k === "trellis.env_id" ? "CartPole-v0" : v]))),
    "list size": replace("obs", (f) => new Field(f.name, new FixedSizeList(2, (f.type as FixedSizeList).children[0]!), f.nullable, f.metadata)),
  };
  // The two dictionary columns' ids swapped: both dict<utf8>, so apache-arrow would read each with the other's values.
  const idOf = (name: string) => (fields.find((f) => f.name === name)!.type as Dictionary).id;
  const withId = (f: Field, id: number) => new Field(f.name, new Dictionary((f.type as Dictionary).dictionary, (f.type as Dictionary).indices, id, (f.type as Dictionary).isOrdered), f.nullable, f.metadata);
  variants["dictionary ids"] = new Schema(
    fields.map((f) => (f.name === "run_id" ? withId(f, idOf("source")) : f.name === "source" ? withId(f, idOf("run_id")) : f)),
    table.schema.metadata,
  );
  for (const [what, schema] of Object.entries(variants)) {
    const damaged = join(dir, `footer-${what.replace(/ /g, "-")}.arrow`);
    await writeFile(damaged, withFooterSchema(bytes, schema));
    await assert.rejects(openDataset(damaged), (e: Error) => e.message.includes(damaged) && /corrupted Arrow IPC file: the footer's schema differs from the schema at the start of the file/.test(e.message), what);
  }
});

test("a corrupted vector length in the footer (custom metadata of 926 M entries) is an error naming the file within 1 s, not a hang", async () => {
  // apache-arrow's own file layout, where the footer holds the only schema.
  const bytes = tableToIPC(table, "file");
  const start = footerStart(bytes);
  const footer = root(bytes, start);
  const schema = root(bytes, fieldAt(bytes, footer, 1)!);
  const metadataLength = vectorLength(bytes, fieldAt(bytes, schema, 2)!);
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(metadataLength, 926_000_000, true);
  const damaged = join(dir, "huge-metadata.arrow");
  await writeFile(damaged, bytes);
  const opener = new BoundedOpener(path, 1_000);
  try {
    const outcome = await opener.open(damaged);
    assert.equal(outcome.kind, "error", `${outcome.kind}: ${outcome.detail ?? ""}`);
    assert.match(outcome.detail!, /huge-metadata\.arrow: corrupted Arrow IPC file: .*custom_metadata: vector of 926000000 elements/);
  } finally {
    await opener.close();
  }
});

test("batch metadata that apache-arrow reads as different data is refused: a record batch's row count, a column's null count (more, or none), a dictionary's bytes or id", async () => {
  const stream = tableToIPC(table, "stream");
  const messages = streamMessages(stream, 0);
  const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const check = async (name: string, damage: (b: Uint8Array) => void, expected: RegExp) => {
    const bytes = stream.slice();
    damage(bytes);
    const damaged = join(dir, `${name}.arrows`);
    await writeFile(damaged, bytes);
    await assert.rejects(openDataset(damaged), (e: Error) => e.message.includes(damaged) && expected.test(e.message), name);
  };
  const batch = messages.find((m) => m.headerType === 3)!;
  await check("rows", (b) => view(b).setBigInt64(fieldAt(b, batch.header, 0)!, 0n, true), /corrupted Arrow IPC stream: record batch 0 at byte \d+ says 0 rows, its column run_id has \d+/);
  // Nodes in schema order: run_id, episode_id, t, obs, obs.item, action, reward, terminated, truncated, next_obs, next_obs.item, behavior_logp, value.
  const valueNode = table.schema.fields.slice(0, table.schema.fields.findIndex((f) => f.name === "value")).reduce((n, f) => n + 1 + (f.type.children?.length ?? 0), 0);
  const nullCount = table.batches[0]!.getChild("value")!.nullCount;
  await check("nulls", (b) => view(b).setBigInt64(vectorElement(b, fieldAt(b, batch.header, 1)!, valueNode, 16) + 8, BigInt(nullCount + 1), true), new RegExp(`record batch 0 at byte \\d+ says its column value has ${nullCount + 1} nulls, its validity bitmap has ${nullCount}`));
  // (A dictionary batch of id 0 leaves the field out: the default.)
  // A column of nulls only said to have none: apache-arrow then drops its bitmap and reads the values as numbers.
  const groupNode = table.schema.fields.slice(0, table.schema.fields.findIndex((f) => f.name === "group_id")).reduce((n, f) => n + 1 + (f.type.children?.length ?? 0), 0);
  const groupNulls = table.batches[0]!.getChild("group_id")!.nullCount;
  assert.equal(groupNulls, table.batches[0]!.numRows, "group_id is all nulls in a PPO run");
  await check("no-nulls", (b) => view(b).setBigInt64(vectorElement(b, fieldAt(b, batch.header, 1)!, groupNode, 16) + 8, 0n, true), new RegExp(`says its column group_id has 0 nulls, its validity bitmap has ${groupNulls}`));
  const dictionary = messages.find((m) => m.headerType === 2 && fieldAt(stream, m.header, 0) !== undefined)!;
  // A dictionary's string bytes cut short: apache-arrow would read its strings clipped.
  await check("dictionary-data", (b) => {
    const data = follow(b, fieldAt(b, dictionary.header, 1)!);
    const length = vectorElement(b, fieldAt(b, data, 2)!, 2, 16) + 8;
    view(b).setBigInt64(length, 8n, true);
  }, /column (run_id|source) \(dictionary\) has offsets from 0 to \d+, past the \d+ bytes of its data/);
  await check("dictionary-id", (b) => view(b).setBigInt64(fieldAt(b, dictionary.header, 0)!, 7n, true), /dictionary batch at byte \d+ has id 7, which no column uses/);
});

test("Hugging Face shards are read through the same checks: a damaged shard is named", async () => {
  const hf = join(dir, "hf");
  const [shard] = await saveHfDataset(table, hf);
  const shardPath = join(hf, shard!);
  const bytes = new Uint8Array(await readFile(shardPath));
  const batch = streamMessages(bytes, 0).find((m) => m.headerType === 3)!;
  new DataView(bytes.buffer, bytes.byteOffset).setBigInt64(fieldAt(bytes, batch.header, 0)!, 1n, true);
  await writeFile(shardPath, bytes);
  await assert.rejects(openHfDataset(hf), (e: Error) => e.message.includes(shardPath) && /corrupted Arrow IPC stream: record batch 0 at byte \d+ says 1 rows/.test(e.message));
});

test("arrowFileBytes refuses a table whose dictionary is replaced between batches, as the file format has no replacement dictionaries", () => {
  const a = datasetFrom(table.slice(0, 10)).table;
  const b = tableFromIPC(tableToIPC(table.slice(10, 20), "stream"));
  const mixed = a.concat(b);
  assert.throws(() => arrowFileBytes(mixed), /dictionary \d+ changes between record batches; the Arrow IPC file format allows only additions/);
});

test("files pyarrow writes pass the checks and read as apache-arrow reads them (test/fixtures/gen-arrow-pyarrow.py)", async () => {
  const fixture = (name: string) => new URL(`../../../test/fixtures/arrow/${name}`, import.meta.url);
  for (const name of ["empty-table.arrow", "no-batches.arrow"]) {
    const t = parseArrowIPC(new Uint8Array(await readFile(fixture(name))), name);
    assert.deepEqual([t.numRows, t.schema.fields.map(String)], [0, ["x: Int32"]], name);
  }
  for (const name of ["types.arrow", "types.arrows"]) {
    const bytes = new Uint8Array(await readFile(fixture(name)));
    const t = parseArrowIPC(bytes, name);
    assert.equal(t.numRows, 3, name);
    assert.equal(t.batches.length, 2, name);
    assert.equal(t.schema.fields.length, 13, name);
    assert.equal(t.schema.metadata.get("source"), "gen-arrow-pyarrow.py");
    assert.equal(tableDifference(tableFromIPC(bytes), t), undefined, name);
  }
});
