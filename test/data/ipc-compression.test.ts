// Compressed Arrow IPC bodies Trellis cannot decompress: found from the verified
// layout (undecodableCompression) before apache-arrow parses anything, and
// refused by parseArrowIPC (so by every reader) with a message that says what to
// do (compressedIpcError). pyarrow's own compressed files are checked in
// python-interop.test.ts; here apache-arrow writes ZSTD bodies through a real
// zstd encoder that stores raw (uncompressed) blocks, which any zstd decoder reads.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { CompressionType, compressionRegistry, tableFromIPC, tableToIPC, type Table } from "apache-arrow";
import { openDataset } from "../../lib/data/dataset.js";
import { parseArrowIPC } from "../../lib/data/arrow-ipc.js";
import { bytesSource, readArrowLayout } from "../../lib/data/arrow-layout.js";
import { compressedIpcError, undecodableCompression } from "../../lib/data/ipc-compression.js";
import { sequenceTable } from "../../lib/data/sequence-table.js";
import { syntheticRows } from "../helpers/sequences.js";

/** A zstd frame holding `data` in raw blocks (RFC 8878 §3.1.1: single segment, 4-byte content size, no checksum). */
function zstdRawFrame(data: Uint8Array): Uint8Array {
  const MAX_BLOCK = 128 * 1024;
  const blocks = Math.max(1, Math.ceil(data.length / MAX_BLOCK));
  const out = new Uint8Array(4 + 1 + 4 + blocks * 3 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xfd2fb528, true);
  out[4] = 0xa0; // Frame_Content_Size_flag 2 (4 bytes), Single_Segment_flag
  view.setUint32(5, data.length, true);
  let pos = 9;
  for (let b = 0; b < blocks; b++) {
    const chunk = data.subarray(b * MAX_BLOCK, Math.min(data.length, (b + 1) * MAX_BLOCK));
    const header = (chunk.length << 3) | (0 << 1) | (b === blocks - 1 ? 1 : 0); // Block_Type 0: raw
    out[pos] = header & 0xff;
    out[pos + 1] = (header >> 8) & 0xff;
    out[pos + 2] = (header >> 16) & 0xff;
    out.set(chunk, pos + 3);
    pos += 3 + chunk.length;
  }
  return out;
}

/** The content of a zstd frame made of raw blocks (what {@link zstdRawFrame} writes). */
function zstdRawContent(frame: Uint8Array): Uint8Array {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  assert.equal(view.getUint32(0, true), 0xfd2fb528);
  assert.equal(frame[4], 0xa0);
  const out = new Uint8Array(view.getUint32(5, true));
  let pos = 9;
  let at = 0;
  for (;;) {
    const header = frame[pos]! | (frame[pos + 1]! << 8) | (frame[pos + 2]! << 16);
    assert.equal((header >> 1) & 3, 0, "raw block");
    const size = header >> 3;
    out.set(frame.subarray(pos + 3, pos + 3 + size), at);
    at += size;
    pos += 3 + size;
    if (header & 1) return out;
  }
}

/** Writes `table` with ZSTD bodies, the encoder registered only while writing. */
function zstdIpc(table: Table, format: "file" | "stream"): Uint8Array {
  compressionRegistry.set(CompressionType.ZSTD, { encode: zstdRawFrame });
  try {
    return tableToIPC(table, format, CompressionType.ZSTD);
  } finally {
    compressionRegistry.set(CompressionType.ZSTD, null as never);
  }
}

const table = sequenceTable(syntheticRows(), { runId: "zstd" });
const dir = mkdtempSync(join(tmpdir(), "trellis-ipc-compression-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const codecOf = (bytes: Uint8Array) => undecodableCompression(readArrowLayout(bytesSource(bytes), "test.arrow"));
const rows = (t: Table) => t.toArray().map((r) => JSON.stringify(r.toJSON(), (_k, v) => (typeof v === "bigint" ? String(v) : v)));

test("uncompressed Arrow IPC files and streams (one or many batches, dictionaries) have nothing undecodable", () => {
  for (const format of ["file", "stream"] as const) {
    assert.equal(codecOf(tableToIPC(table, format)), undefined, format);
    const parsed = tableFromIPC(tableToIPC(table, format));
    assert.equal(codecOf(tableToIPC(parsed.concat(parsed), format)), undefined, `${format}, two batches`);
  }
});

test("ZSTD bodies are found in a file and a stream (dictionary and record batches) while no decoder is registered; parseArrowIPC refuses them by name", () => {
  for (const format of ["file", "stream"] as const) {
    const bytes = zstdIpc(table, format);
    assert.equal(codecOf(bytes), "ZSTD", format);
    assert.throws(() => tableFromIPC(bytes), /compressed but codec not found/, "apache-arrow alone cannot read it");
    assert.throws(() => parseArrowIPC(bytes, "/data/z.arrow"), { message: compressedIpcError("/data/z.arrow", "ZSTD").message });
  }
});

test("with a decoder registered the same bytes are decodable: nothing is reported and parseArrowIPC reads them back as written", () => {
  const bytes = zstdIpc(table, "file");
  compressionRegistry.set(CompressionType.ZSTD, { decode: zstdRawContent });
  try {
    assert.equal(codecOf(bytes), undefined);
    assert.deepEqual(rows(parseArrowIPC(bytes, "z.arrow")), rows(table));
  } finally {
    compressionRegistry.set(CompressionType.ZSTD, null as never);
  }
});

test("compressedIpcError names the file and the codec, says Trellis cannot decompress it and how to re-save it", () => {
  const message = compressedIpcError("/data/run.feather", "LZ4_FRAME").message;
  assert.match(message, /^\/data\/run\.feather: Arrow IPC data with LZ4_FRAME-compressed buffers/);
  assert.match(message, /Trellis cannot decompress/);
  assert.match(message, /feather\.write_feather\(table, path, compression="uncompressed"\)/);
  assert.match(message, /pyarrow\.parquet\.write_table/);
});

test("fuzz: truncated or corrupted compressed files and streams are refused with an error naming the file, never read", () => {
  const seeds = [zstdIpc(table, "file"), zstdIpc(table, "stream")];
  const damaged = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    cut: fc.nat(),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
  });
  fc.assert(
    fc.property(damaged, ({ seed, cut, flips }) => {
      const base = seeds[seed]!;
      const bytes = base.slice(0, base.length - (cut % base.length));
      for (const [at, value] of flips) if (bytes.length) bytes[at % bytes.length] = value;
      assert.throws(() => parseArrowIPC(bytes, "/data/damaged.arrow"), (e: Error) => e.message.startsWith("/data/damaged.arrow: "));
    }),
    { seed: 20261203, numRuns: 400 },
  );
});

test("rl.dataset.open refuses a ZSTD-compressed IPC file and stream at once, naming the codec and how to re-save it", async () => {
  for (const format of ["file", "stream"] as const) {
    const path = join(dir, `zstd.${format === "file" ? "arrow" : "arrows"}`);
    writeFileSync(path, zstdIpc(table, format));
    await assert.rejects(openDataset(path), { message: compressedIpcError(path, "ZSTD").message });
  }
});
