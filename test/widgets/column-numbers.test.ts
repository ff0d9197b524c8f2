import assert from "node:assert/strict";
import { test } from "node:test";
import { Bool, FixedSizeList, Field, Float32, Int64, makeData, makeVector, vectorFromArray } from "apache-arrow";
import { columnNumbers } from "../../widgets/server/column-numbers.js";

const same = (a: ArrayLike<number>, b: number[]) => assert.deepEqual(Array.from(a, (x) => (Number.isNaN(x) ? "NaN" : x)), b.map((x) => (Number.isNaN(x) ? "NaN" : x)));

test("columnNumbers: floats, 64-bit ints, bools (also sliced past a byte), nulls as NaN, across chunks", () => {
  same(columnNumbers(vectorFromArray([1.5, null, -2], new Float32())).values, [1.5, NaN, -2]);
  same(columnNumbers(vectorFromArray([3n, 2n ** 40n], new Int64())).values, [3, 2 ** 40]);
  const bools = vectorFromArray([true, false, true, true, false, false, true, false, true, false, true], new Bool());
  same(columnNumbers(bools).values, [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1]);
  same(columnNumbers(bools.slice(7)).values, [0, 1, 0, 1]);
  const chunked = vectorFromArray([1, 2], new Float32()).concat(vectorFromArray([3], new Float32()));
  assert.equal(chunked.data.length, 2);
  same(columnNumbers(chunked).values, [1, 2, 3]);
});

test("columnNumbers: a FixedSizeList column is rows × width, a null row all NaN, a slice starts at its first row", () => {
  const type = new FixedSizeList(2, new Field("item", new Float32(), false));
  const child = makeData({ type: new Float32(), length: 6, data: Float32Array.of(1, 2, 3, 4, 5, 6) });
  const valid = Uint8Array.of(0b101);
  const col = makeVector(makeData({ type, length: 3, child, nullBitmap: valid, nullCount: 1 }));
  const got = columnNumbers(col);
  assert.equal(got.width, 2);
  same(got.values, [1, 2, NaN, NaN, 5, 6]);
  same(columnNumbers(col.slice(2)).values, [5, 6]);
  const single = makeVector(makeData({ type: new FixedSizeList(1, new Field("item", new Float32(), false)), length: 2, child: makeData({ type: new Float32(), length: 2, data: Float32Array.of(-1, 0.5) }) }));
  assert.deepEqual(columnNumbers(single), { values: Float64Array.of(-1, 0.5), width: 1 });
});
