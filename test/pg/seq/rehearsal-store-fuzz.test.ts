// The rehearsal store is read back from a checkpoint's tensors: garbage there
// is a RangeError naming the store, never another error or a silently wrong store.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RehearsalStore } from "../../../lib/pg/seq/rehearsal-store.js";

const floats = fc.array(fc.oneof(fc.integer({ min: -3, max: 40 }), fc.double({ noNaN: false })), { maxLength: 40 }).map((a) => Float32Array.from(a));

test("RehearsalStore.fromArrays: any tensors give a store that round-trips, null (none saved), or a RangeError", () => {
  fc.assert(
    fc.property(fc.option(floats), fc.option(floats), fc.option(floats), (lengths, tokens, refLogp) => {
      const a: Record<string, Float32Array> = {};
      if (lengths) a.rehearsalLengths = lengths;
      if (tokens) a.rehearsalTokens = tokens;
      if (refLogp) a.rehearsalRefLogp = refLogp;
      let store: RehearsalStore | null;
      try {
        store = RehearsalStore.fromArrays(a);
      } catch (e) {
        assert.ok(e instanceof RangeError, String(e));
        assert.match((e as Error).message, /rehearsal/);
        return;
      }
      if (!lengths && !tokens && !refLogp) return assert.equal(store, null);
      // what loads saves back to the same tensors
      const back = store!.toArrays();
      assert.deepEqual(back.rehearsalTokens, tokens);
      assert.deepEqual(back.rehearsalRefLogp, refLogp);
      assert.deepEqual(back.rehearsalLengths, lengths);
    }),
    { numRuns: 500 },
  );
});

test("well-shaped tensors with garbage inside: token ids, log-probs and the prompt count are checked", () => {
  const store = (tokens: number[], refLogp: number[], prompts = 1) => () => RehearsalStore.fromArrays({ rehearsalLengths: Float32Array.of(prompts, 1, 2), rehearsalTokens: Float32Array.from(tokens), rehearsalRefLogp: Float32Array.from(refLogp) });
  assert.throws(store([5, 0.5, 2], [-1, -1]), /rehearsal token 1 is 0.5/);
  assert.throws(store([5, -1, 2], [-1, -1]), /rehearsal token 1 is -1/);
  assert.throws(store([5, 6, 2], [-1, NaN]), /rehearsal log-prob 1 is NaN/);
  assert.throws(store([5, 6, 2], [-1, 0.5]), /rehearsal log-prob 1 is 0.5/);
  assert.throws(store([5, 6, 2], [-1, -1], 1.5), /prompt count is 1.5/);
  fc.assert(
    fc.property(fc.array(fc.double(), { minLength: 3, maxLength: 3 }), fc.array(fc.double(), { minLength: 2, maxLength: 2 }), (tokens, refLogp) => {
      try {
        const s = store(tokens, refLogp)()!;
        assert.deepEqual([...s.samples[0]!.prompt, ...s.samples[0]!.tokens], [...Float32Array.from(tokens)].map((x) => x + 0), "the stored ids load exactly (−0 is id 0)");
        assert.deepEqual([...s.samples[0]!.refLogp], [...Float32Array.from(refLogp)]);
      } catch (e) {
        assert.ok(e instanceof RangeError, String(e));
      }
    }),
    { numRuns: 300 },
  );
});

test("a saved store loads back equal", () => {
  const store = RehearsalStore.fromArrays({ rehearsalLengths: Float32Array.of(1, 2, 3), rehearsalTokens: Float32Array.of(5, 6, 7, 8, 2), rehearsalRefLogp: Float32Array.of(-0.5, -1, -0.25) })!;
  assert.equal(store.size, 1);
  assert.deepEqual([...store.samples[0]!.prompt], [5, 6]);
  assert.deepEqual([...store.samples[0]!.tokens], [7, 8, 2]);
  assert.deepEqual(RehearsalStore.fromArrays(store.toArrays())!.samples, store.samples);
});
