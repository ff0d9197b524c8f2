/**
 * Fuzz of Arrow IPC files' metadata (one changed byte, truncations): every
 * open returns or throws within a time bound, and either throws an Error
 * naming the file or gives exactly the table written. Opens run in a worker
 * thread (test/helpers/bounded-open.ts), so a hang fails a case instead of
 * stopping the suite. Random draws are fast-check's, from fixed seeds.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { tableToIPC } from "apache-arrow";
import fc from "fast-check";
import { bytesSource, readArrowLayout } from "../../lib/data/arrow-layout.js";
import { datasetFrom } from "../../lib/data/dataset.js";
import { arrowFixtureTable } from "../helpers/arrow-fixture.js";
import { BoundedOpener, type OpenOutcome } from "../helpers/bounded-open.js";

/** Generous: an open of these files takes milliseconds; a corrupted length used to loop for minutes. */
const OPEN_MS = 1_000;

let dir: string;
/** Written by Trellis (schema message after the magic). */
let trellisPath: string;
/** The same table written by apache-arrow's file writer (schema in the footer only). */
let arrowJsPath: string;
/** The same table as an IPC stream (a `.arrows` dataset). */
let streamPath: string;
let opener: BoundedOpener;
let caseNumber = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-arrow-fuzz-"));
  const table = await arrowFixtureTable();
  const kinds = new Set(table.schema.fields.map((f) => f.type.constructor.name));
  assert.ok(["Dictionary", "FixedSizeList", "Bool", "Float32", "Int64"].every((k) => kinds.has(k)), `column types: ${[...kinds]}`);
  assert.ok(table.getChild("value")!.nullCount > 0 && table.getChild("value")!.nullCount < table.numRows);
  assert.ok(table.schema.metadata.get("trellis.env_id"), "schema metadata");
  trellisPath = join(dir, "trellis.arrow");
  await datasetFrom(table).save(trellisPath);
  arrowJsPath = join(dir, "arrow-js.arrow");
  await writeFile(arrowJsPath, tableToIPC(table, "file"));
  streamPath = join(dir, "stream.arrows");
  await writeFile(streamPath, tableToIPC(table, "stream"));
  opener = new BoundedOpener(trellisPath, OPEN_MS);
});

after(async () => {
  await opener?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Named byte ranges of a file's metadata: the magic, the schema message, each batch's metadata, the end-of-stream marker, the footer. */
function metadataRegions(bytes: Uint8Array): { name: string; start: number; end: number }[] {
  const layout = readArrowLayout(bytesSource(bytes), "fixture");
  const regions: { name: string; start: number; end: number }[] = [];
  const isFile = layout.format === "file";
  if (isFile) regions.push({ name: "magic", start: 0, end: 8 });
  const schemaStart = isFile ? 8 : 0;
  if (layout.schemaMessage) regions.push({ name: "schema message", start: schemaStart, end: schemaStart + layout.schemaMessage.metaDataLength });
  layout.dictionaries.forEach((d, i) => regions.push({ name: `dictionary batch ${i} metadata`, start: d.offset, end: d.offset + d.metaDataLength }));
  layout.batches.forEach((b, i) => regions.push({ name: `record batch ${i} metadata`, start: b.offset, end: b.offset + b.metaDataLength }));
  const last = [...layout.dictionaries, ...layout.batches].reduce((end, b) => Math.max(end, b.offset + b.metaDataLength + b.bodyLength), 0);
  regions.push({ name: "end-of-stream marker", start: last, end: last + 8 });
  if (isFile) {
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getInt32(bytes.length - 10, true);
    regions.push({ name: "footer", start: bytes.length - 10 - footerLength, end: bytes.length - 10 });
    regions.push({ name: "footer length and closing magic", start: bytes.length - 10, end: bytes.length });
  }
  return regions;
}

/** Writes `bytes` to a fresh file and opens it in the worker. */
async function openVariant(bytes: Uint8Array, name: string): Promise<{ path: string; outcome: OpenOutcome }> {
  const path = join(dir, `case-${caseNumber++}${name}`);
  await writeFile(path, bytes);
  const outcome = await opener.open(path);
  await rm(path, { force: true });
  return { path, outcome };
}

/** The rule: an error that names the file, or exactly the original table. */
function acceptable({ path, outcome }: { path: string; outcome: OpenOutcome }): string | undefined {
  if (outcome.kind === "same") return undefined;
  if (outcome.kind === "error") return outcome.detail!.includes(path) ? undefined : `an error that does not name the file: ${outcome.detail}`;
  return `${outcome.kind}: ${outcome.detail ?? ""}`;
}

/**
 * One-byte changes drawn over each region of the file at `path` in turn,
 * `runs` per region, each open checked by {@link acceptable}; except that in
 * the region `unchecked` (a schema with no twin to compare it with), a
 * different table is counted rather than refused. Returns the outcomes.
 */
async function fuzzOneByte(path: string, extension: string, runs: number, seed: number, unchecked?: string): Promise<{ counts: Record<string, number>; silent: string[] }> {
  const bytes = new Uint8Array(await readFile(path));
  const counts: Record<string, number> = {};
  const silent: string[] = [];
  for (const [k, region] of metadataRegions(bytes).entries()) {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: region.start, max: region.end - 1 }), fc.integer({ min: 1, max: 255 }), async (at, delta) => {
        const variant = bytes.slice();
        variant[at] = (variant[at]! + delta) & 0xff;
        const o = await openVariant(variant, extension);
        const what = `${region.name}: byte ${at} (${at - region.start} into it) ${bytes[at]} → ${variant[at]}`;
        counts[o.outcome.kind] = (counts[o.outcome.kind] ?? 0) + 1;
        if (o.outcome.kind === "different" && region.name === unchecked) silent.push(`${what}: ${o.outcome.detail}`);
        else assert.equal(acceptable(o), undefined, what);
      }),
      { seed: seed + k, numRuns: Math.min(runs, 255 * (region.end - region.start)), endOnFailure: true },
    );
  }
  return { counts, silent };
}

test("an Arrow file Trellis writes, one byte changed anywhere in its metadata: an error naming the file or the same table, within 1 s", async () => {
  const { counts } = await fuzzOneByte(trellisPath, ".arrow", 100, 1_000);
  assert.ok((counts.error ?? 0) > 0);
});

test("the same file truncated at every metadata boundary and at random points: an error naming the file, within 1 s", async () => {
  const bytes = new Uint8Array(await readFile(trellisPath));
  const boundaries = new Set<number>();
  for (const r of metadataRegions(bytes)) for (const at of [r.start, r.end]) for (const d of [-1, 0, 1, 4, 8]) boundaries.add(at + d);
  const lengths = [...boundaries].filter((n) => n >= 0 && n < bytes.length).sort((a, b) => a - b);
  const truncated = async (n: number) => {
    const o = await openVariant(bytes.subarray(0, n), ".arrow");
    assert.equal(o.outcome.kind === "error" ? acceptable(o) : `${o.outcome.kind}: ${o.outcome.detail ?? ""}`, undefined, `truncated to ${n} bytes`);
  };
  for (const n of lengths) await truncated(n);
  await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), truncated), { seed: 2_000, numRuns: 40, endOnFailure: true });
});

// Without a second copy of the schema, a changed character of a name or metadata string cannot be told from the original.
test("an Arrow IPC stream dataset, one byte changed in its metadata: never a hang, errors name the file, a different table only from its schema's strings", async (t) => {
  const { counts, silent } = await fuzzOneByte(streamPath, ".arrows", 60, 3_000, "schema message");
  t.diagnostic(`outcomes ${JSON.stringify(counts)}; unseen changes in the schema message: ${silent.length}`);
  for (const s of silent) assert.match(s, /: (schema metadata|column \d+ is) /, s);
});

test("a file written by apache-arrow's writer (no schema message to compare the footer with): never a hang, errors name the file, a different table only from its footer's schema", async (t) => {
  const { counts, silent } = await fuzzOneByte(arrowJsPath, ".arrow", 60, 4_000, "footer");
  t.diagnostic(`outcomes ${JSON.stringify(counts)}; unseen changes in the footer: ${silent.length}`);
  for (const s of silent) assert.match(s, /: (schema metadata|column \d+ is) /, s);
});
