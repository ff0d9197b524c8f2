import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { readSafetensors, SafetensorsError, writeSafetensors, type SafeTensor } from "../../../lib/seq/policies/index.js";

function file(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const sample = new Map<string, SafeTensor>([
  ["a", { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -7]) }],
  ["b.weight", { shape: [], data: Float32Array.from([42]) }],
  ["empty", { shape: [0, 4], data: new Float32Array(0) }],
]);

test("write → read round-trips shapes, values and metadata; the header is 8-byte aligned and little-endian", () => {
  const bytes = writeSafetensors(sample, { format: "pt" });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const back = readSafetensors(bytes);
  assert.deepEqual(back.metadata, { format: "pt" });
  assert.deepEqual([...back.tensors.keys()], ["a", "b.weight", "empty"]);
  for (const [name, t] of sample) assert.deepEqual(back.tensors.get(name), t);
  // a hand-made file: one F32 1.0 = 00 00 80 3f
  const hand = readSafetensors(file({ x: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, Uint8Array.from([0, 0, 0x80, 0x3f])));
  assert.deepEqual([...hand.tensors.get("x")!.data], [1]);
});

test("malformed files give clear SafetensorsErrors", () => {
  const f32 = (begin: number, end: number, shape = [(end - begin) / 4]) => ({ dtype: "F32", shape, data_offsets: [begin, end] });
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(3), /shorter than the 8-byte header length/],
    [Uint8Array.from([255, 255, 255, 255, 255, 255, 255, 255, 0]), /runs past the end/],
    [file([1, 2]), /not a JSON object/],
    [file({ x: { dtype: "F16", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /dtype F16; only F32 is supported/],
    [file({ x: { dtype: "Q4", shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /unknown dtype "Q4"/],
    [file({ x: f32(0, 8) }, new Uint8Array(4)), /not within the 4 data bytes/],
    [file({ x: f32(0, 8, [3]) }, new Uint8Array(8)), /needs 12 bytes, data_offsets give 8/],
    [file({ x: f32(0, 8), y: f32(4, 12) }, new Uint8Array(12)), /overlap another tensor/],
    [file({ x: f32(4, 8) }, new Uint8Array(8)), /a hole of unused bytes \[0, 4\)/],
    [file({ x: f32(0, 4) }, new Uint8Array(8)), /cover 4 of the 8 data bytes/],
    [file({ x: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /shape must be an array of non-negative integers/],
    [file({ __metadata__: { a: 1 } }), /__metadata__\.a must be a string/],
  ];
  for (const [bytes, re] of cases) assert.throws(() => readSafetensors(bytes), (e: unknown) => e instanceof SafetensorsError && re.test(e.message), String(re));
  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setBigUint64(0, 8n, true);
  bad.set([0xff, 0xfe, 0, 0, 0, 0, 0, 0], 8);
  assert.throws(() => readSafetensors(bad), /not valid UTF-8/);
  assert.throws(() => writeSafetensors([["x", { shape: [3], data: new Float32Array(2) }]]), /does not match its 2 values/);
});

/** Reading never crashes (only SafetensorsError) and never hangs; when it succeeds, the result is self-consistent. */
function readsCleanly(bytes: Uint8Array): void {
  try {
    const { tensors } = readSafetensors(bytes);
    for (const [, t] of tensors) assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
  }
}

test("fuzz: random bytes give a SafetensorsError or a valid result", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), readsCleanly), { numRuns: 500, seed: 7 });
  // with a plausible length prefix, so the JSON parser is reached
  fc.assert(fc.property(fc.string({ maxLength: 120 }), fc.uint8Array({ maxLength: 64 }), (s, data) => readsCleanly(file(JSON.parse(JSON.stringify(s)), data))), { numRuns: 300, seed: 8 });
});

test("fuzz: mutated valid files (byte flips, truncation, header edits) give a SafetensorsError or a valid result", () => {
  const valid = writeSafetensors(sample, { format: "pt" });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(valid.length), (flips, cut) => {
      const m = valid.slice(0, cut);
      for (const [i, v] of flips) if (i < m.length) m[i] = v;
      readsCleanly(m);
    }),
    { numRuns: 1000, seed: 9 },
  );
  const values = fc.oneof(fc.integer({ min: -5, max: 1e12 }), fc.double(), fc.string(), fc.constant(null), fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 4 }));
  fc.assert(
    fc.property(fc.constantFrom("a", "b.weight", "empty"), fc.constantFrom("dtype", "shape", "data_offsets"), values, (name, key, value) => {
      const n = Number(new DataView(valid.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(valid.subarray(8, 8 + n)));
      header[name][key] = value;
      readsCleanly(file(header, valid.subarray(8 + n)));
    }),
    { numRuns: 500, seed: 10 },
  );
});
