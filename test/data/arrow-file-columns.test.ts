import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Field, Schema, tableToIPC, type Table } from "apache-arrow";
import { FileBlock, Footer } from "apache-arrow/ipc/metadata/file";
import { ArrowFileColumns } from "../../lib/data/arrow-file-columns.js";
import { datasetFrom, openDataset } from "../../lib/data/dataset.js";
import { rl } from "../../lib/index.js";
import { Rng } from "../../lib/random/rng.js";
import { syntheticRows } from "../helpers/sequences.js";

let dir: string;
let table: Table;
let path: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-columns-"));
  const run = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo({ numSteps: 64 })).build();
  await run.train({ steps: 2_048 });
  table = run.data;
  run.dispose();
  path = join(dir, "cartpole.arrow");
  await datasetFrom(table).save(path);
});

after(() => rm(dir, { recursive: true, force: true }));

/**
 * A file written by apache-arrow's JS writer (which keeps the schema in the
 * footer only) laid out as pyarrow lays files out: the schema message right
 * after the magic, the footer's blocks moved by its size. `footerSchema`
 * replaces the footer's schema.
 */
function withLeadingSchema(file: Uint8Array, footerSchema?: Schema): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const footerLength = view.getInt32(file.length - 10, true);
  const footerStart = file.length - 10 - footerLength;
  const footer = Footer.decode(file.subarray(footerStart, footerStart + footerLength));
  const stream = tableToIPC(table.slice(0, 0), "stream");
  const schemaMessage = stream.subarray(0, 8 + new DataView(stream.buffer, stream.byteOffset).getInt32(4, true));
  const shift = schemaMessage.length;
  const move = (b: FileBlock) => new FileBlock(b.metaDataLength, b.bodyLength, b.offset + shift);
  const newFooter = Footer.encode(new Footer(footerSchema ?? footer.schema, footer.version, [...footer.recordBatches()].map(move), [...footer.dictionaryBatches()].map(move)));
  const tail = new Uint8Array(10);
  new DataView(tail.buffer).setInt32(0, newFooter.length, true);
  tail.set(new TextEncoder().encode("ARROW1"), 4);
  const out = new Uint8Array(8 + shift + (footerStart - 8) + newFooter.length + 10);
  out.set(file.subarray(0, 8), 0);
  out.set(schemaMessage, 8);
  out.set(file.subarray(8, footerStart), 8 + shift);
  out.set(newFooter, 8 + shift + footerStart - 8);
  out.set(tail, out.length - 10);
  return out;
}

test("reading some columns of an Arrow IPC file reads only their bytes, and they equal the table's", async () => {
  const file = ArrowFileColumns.open(path)!;
  assert.ok(file, "an uncompressed file can be projected");
  assert.equal(file.numRows, table.numRows);
  assert.equal(file.bytesRead, 0, "opening reads the layout, no column");
  const size = (await readFile(path)).length;
  const cols = file.read(["action", "reward"]);
  assert.ok(file.bytesRead < size / 4, `${file.bytesRead} of ${size} bytes for two scalar columns`);
  for (const name of ["action", "reward"]) assert.deepEqual([...cols.get(name)!], [...table.getChild(name)!], name);
  assert.throws(() => file.read(["nope"]), /no column nope/);
  const whole = file.readTable();
  assert.equal(whole.numRows, table.numRows);
  assert.deepEqual([...whole.getChild("obs")!].map((v) => [...v!]), [...table.getChild("obs")!].map((v) => [...v!]));
});

test("an opened dataset samples from the columns it draws without reading the rest; same rows as in memory", async () => {
  const opened = await openDataset(path);
  const inMemory = datasetFrom(table);
  assert.equal(opened.numSteps, table.numRows);
  assert.deepEqual(opened.schema.fields.map((f) => f.name), table.schema.fields.map((f) => f.name));
  const a = opened.sampler({ batchSize: 32, rng: Rng.fromSeed(5) });
  const b = inMemory.sampler({ batchSize: 32, rng: Rng.fromSeed(5) });
  for (let k = 0; k < 10; k++) {
    const x = a.next();
    const y = b.next();
    assert.deepEqual(x.rows, y.rows);
    for (const name of a.columns) assert.deepEqual(x.columns[name], y.columns[name], name);
  }
  // Anything that needs the whole table reads it then; the results are the in-memory dataset's.
  assert.deepEqual(opened.stats(), inMemory.stats());
});

test("a file laid out with the schema message after the magic opens; a footer whose schema differs is named corrupted", async () => {
  // apache-arrow's own file writer leaves the schema message out (Trellis's writer now puts it in).
  const bytes = tableToIPC(table, "file");
  const pyarrowLike = join(dir, "leading-schema.arrow");
  await writeFile(pyarrowLike, withLeadingSchema(bytes));
  const ds = await openDataset(pyarrowLike);
  assert.deepEqual([...ds.sampler({ batchSize: 16, rng: Rng.fromSeed(1), columns: ["reward"] }).next().columns.reward!].length, 16);
  assert.deepEqual(ds.stats(), datasetFrom(table).stats());

  const renamed = new Schema(table.schema.fields.map((f) => (f.name === "reward" ? new Field("rewards", f.type, f.nullable) : f)), table.schema.metadata);
  const damaged = join(dir, "damaged-footer.arrow");
  await writeFile(damaged, withLeadingSchema(bytes, renamed));
  await assert.rejects(openDataset(damaged), (e: Error) => e.message.includes(damaged) && /corrupted Arrow IPC file: the footer's schema differs/.test(e.message));
});

test("a file changed on disk after opening is refused with a clear message", async () => {
  const copy = join(dir, "changing.arrow");
  await writeFile(copy, await readFile(path));
  const ds = await openDataset(copy);
  const later = new Date(Date.now() + 5_000);
  await utimes(copy, later, later);
  assert.throws(() => ds.sampler({ batchSize: 8, rng: Rng.fromSeed(1) }), /changed on disk since the dataset was opened; open it again/);
});

test("offline training from an opened file gives the numbers of the same data in memory", async () => {
  const train = async (ds: Awaited<ReturnType<typeof openDataset>>) => {
    const run = rl.offline(ds, { seed: 2 }).algo(rl.iql({ batchSize: 64, logEvery: 10 })).build();
    await run.train({ updates: 20 });
    const row = run.metricsLog.last()!;
    run.dispose();
    return { ...row, wallTime: 0 };
  };
  assert.deepEqual(await train(await openDataset(path)), await train(datasetFrom(table)));
});

test("every column of a sequence table (lists of tokens, dictionaries, bools) reads alone as in the table", async () => {
  const seqPath = join(dir, "sequences.arrow");
  const seq = rl.dataset.sequences(syntheticRows());
  await seq.save(seqPath);
  const file = ArrowFileColumns.open(seqPath)!;
  const kinds = new Set(seq.table.schema.fields.map((f) => f.type.constructor.name));
  assert.ok(["List", "Dictionary", "Bool"].every((k) => kinds.has(k)), `column types: ${[...kinds]}`);
  const plain = (v: unknown): unknown => (v !== null && typeof v === "object" && "toArray" in v ? Array.from((v as { toArray(): ArrayLike<unknown> }).toArray()) : typeof v === "bigint" ? Number(v) : v);
  for (const f of seq.table.schema.fields) {
    const alone = file.read([f.name]).get(f.name)!;
    assert.deepEqual([...alone].map(plain), [...seq.table.getChild(f.name)!].map(plain), f.name);
  }
  // The dataset's own single-column access, and a column that is not there.
  const opened = await openDataset(seqPath);
  assert.deepEqual([...opened.column("reward")!], [...seq.table.getChild("reward")!]);
  assert.equal(opened.column("nope"), null);
});
