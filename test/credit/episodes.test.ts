import assert from "node:assert/strict";
import { test } from "node:test";
import { contiguousEpisodeOffsets, episodeLayout, gatherRows, scatterRows } from "../../lib/credit/episodes.js";

test("episodeLayout groups interleaved rows by episode in order of first appearance", () => {
  // Two env copies interleaved (time-major): episode 10 on copy 0, 11 on copy 1, then 12 on copy 0.
  const ids = [10, 11, 10, 11, 12, 11];
  const t = Int32Array.of(0, 0, 1, 1, 0, 2);
  for (const arr of [Int32Array.from(ids), Float64Array.from(ids), BigInt64Array.from(ids, BigInt)]) {
    const layout = episodeLayout(arr, t);
    assert.deepEqual([...layout.order], [0, 2, 1, 3, 5, 4]);
    assert.deepEqual([...layout.offsets], [0, 2, 5, 6]);
    assert.deepEqual(layout.ids.map(Number), [10, 11, 12]);
    assert.equal(layout.identity, false);
    const x = Float32Array.of(0, 1, 2, 3, 4, 5);
    const gathered = gatherRows(x, layout.order);
    assert.deepEqual([...gathered], [0, 2, 1, 3, 5, 4]);
    assert.deepEqual([...scatterRows(gathered, layout.order)], [...x]);
  }
});

test("episodeLayout sorts an episode by t and rejects gaps and repeats", () => {
  const layout = episodeLayout(Int32Array.of(1, 1, 1), Int32Array.of(5, 3, 4));
  assert.deepEqual([...layout.order], [1, 2, 0]);
  assert.throws(() => episodeLayout(Int32Array.of(1, 1), Int32Array.of(0, 2)), /episode 1 has t = 0 then t = 2/);
  assert.throws(() => episodeLayout(Int32Array.of(1, 1), Int32Array.of(0, 0)), /t = 0 then t = 0/);
  const sorted = episodeLayout(Int32Array.of(4, 4, 2), Int32Array.of(0, 1, 0));
  assert.equal(sorted.identity, true);
  assert.deepEqual([...sorted.offsets], [0, 2, 3]);
});

test("contiguousEpisodeOffsets finds where the id changes", () => {
  assert.deepEqual([...contiguousEpisodeOffsets(BigInt64Array.of(3n, 3n, 4n, 5n, 5n))], [0, 2, 3, 5]);
  assert.deepEqual([...contiguousEpisodeOffsets(new Int32Array(0))], [0]);
});
