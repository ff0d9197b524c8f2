import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../lib/random/rng.js";
import type { PrefixedTokens, TransformerConfig } from "../../../lib/seq/policies/index.js";
import { FastTransformer } from "../../../lib/seq/policies/fast-transformer.js";

type Cfg = Partial<TransformerConfig> & { vocabSize: number };

/** A fast model with O(1) weights everywhere (gains, biases too), so every gradient is far from 0. */
function model(config: Cfg, seed: number, threads: 1 | 2 = 1): { fast: FastTransformer; rng: Rng } {
  const rng = Rng.fromSeed(seed);
  const fast = FastTransformer.create(config, { rng, std: 0.4, threads });
  for (let i = 0; i < fast.params.length; i++) fast.params[i] = fast.params[i]! + 0.3 * rng.normal();
  return { fast, rng };
}

/**
 * Random prefixes of lengths 1..maxPrefix (one of them used by no sequence)
 * and `sequences` suffixes of lengths 0..(context − prefix), and the same
 * sequences as a right-padded [batch, length] grid for `forward`.
 */
function prefixedBatch(rng: Rng, vocab: number, context: number, prefixes: number, sequences: number, maxPrefix: number) {
  const prefixStarts = new Int32Array(prefixes + 1);
  for (let p = 0; p < prefixes; p++) prefixStarts[p + 1] = prefixStarts[p]! + 1 + rng.int(maxPrefix);
  const prefixTokens = Int32Array.from({ length: prefixStarts[prefixes]! }, () => rng.int(vocab));
  // the last prefix is left unused: its rows are computed but seen by no sequence
  const sequencePrefix = Int32Array.from({ length: sequences }, () => rng.int(Math.max(1, prefixes - 1)));
  const suffixStarts = new Int32Array(sequences + 1);
  for (let s = 0; s < sequences; s++) {
    const p = sequencePrefix[s]!;
    const room = context - (prefixStarts[p + 1]! - prefixStarts[p]!);
    suffixStarts[s + 1] = suffixStarts[s]! + rng.int(room + 1);
  }
  const suffixTokens = Int32Array.from({ length: suffixStarts[sequences]! }, () => rng.int(vocab));
  const input: PrefixedTokens = { prefixTokens, prefixStarts, sequencePrefix, suffixTokens, suffixStarts };
  const prefixLength = (s: number) => prefixStarts[sequencePrefix[s]! + 1]! - prefixStarts[sequencePrefix[s]!]!;
  const suffixLength = (s: number) => suffixStarts[s + 1]! - suffixStarts[s]!;
  let length = 1;
  for (let s = 0; s < sequences; s++) length = Math.max(length, prefixLength(s) + suffixLength(s));
  const grid = new Int32Array(sequences * length);
  /** Per grid cell: its row of the prefixed logits (−1 for padding). */
  const rowOf = new Int32Array(sequences * length).fill(-1);
  const P = prefixTokens.length;
  for (let s = 0; s < sequences; s++) {
    const p0 = prefixStarts[sequencePrefix[s]!]!;
    for (let t = 0; t < prefixLength(s); t++) (grid[s * length + t] = prefixTokens[p0 + t]!), (rowOf[s * length + t] = p0 + t);
    for (let j = 0; j < suffixLength(s); j++) {
      const at = s * length + prefixLength(s) + j;
      grid[at] = suffixTokens[suffixStarts[s]! + j]!;
      rowOf[at] = P + suffixStarts[s]! + j;
    }
  }
  return { input, grid, length, rowOf, rows: P + suffixTokens.length };
}

/** Every element within `rel` of its value plus `rel` of the array's largest |value|. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    assert.ok(Math.abs(a - e) <= rel * (Math.abs(e) + scale), `${what}[${i}]: ${a} vs packed ${e}`);
  }
}

const VARIANTS: { name: string; config: Cfg; prefixes: number; sequences: number; maxPrefix: number; threads: 1 | 2 }[] = [
  { name: "the GRPO shape (d 64, 4 heads, MLP 256, vocab 16), learned", config: { vocabSize: 16 }, prefixes: 5, sequences: 24, maxPrefix: 7, threads: 1 },
  { name: "the GRPO shape, rotary, threads 2 (rows split with the helper)", config: { vocabSize: 16, positions: "rotary" }, prefixes: 9, sequences: 40, maxPrefix: 7, threads: 2 },
  { name: "learned, threads 2, untied, vocab 7 (padded LM head)", config: { vocabSize: 7, context: 10, layers: 2, dModel: 16, heads: 2, mlpHidden: 24, tieEmbeddings: false }, prefixes: 4, sequences: 30, maxPrefix: 5, threads: 2 },
  { name: "rotary, head size 6 (attention in JS, not the f32x4 kernel)", config: { vocabSize: 7, context: 6, layers: 2, dModel: 12, heads: 2, mlpHidden: 12, positions: "rotary" }, prefixes: 3, sequences: 7, maxPrefix: 4, threads: 1 },
];

for (const { name, config, prefixes, sequences, maxPrefix, threads } of VARIANTS) {
  test(`forwardPrefixed's logits and gradients equal forward's on the same sequences padded (${name})`, () => {
    const { fast, rng } = model(config, 21, threads);
    assert.equal(fast.threads, threads);
    const V = config.vocabSize;
    const b = prefixedBatch(rng, V, fast.context, prefixes, sequences, maxPrefix);
    const logits = fast.forwardPrefixed(b.input);
    assert.equal(logits.length, b.rows * V);
    // the prefixed logits of every grid cell, and the grid's padding cells set to the packed values (not compared)
    const packed = fast.forward(b.grid, sequences, b.length);
    const expected = packed.slice();
    b.rowOf.forEach((row, at) => row >= 0 && expected.set(logits.subarray(row * V, (row + 1) * V), at * V));
    assertClose(expected, packed, 1e-5, "logits");

    // a shared prefix row's gradient goes to the first sequence that has it in the grid; padding and unused rows get 0
    const dLogits = Float32Array.from({ length: b.rows * V }, () => rng.normal());
    const dGrid = new Float32Array(packed.length);
    const given = new Set<number>();
    b.rowOf.forEach((row, at) => {
      if (row < 0 || given.has(row)) return;
      given.add(row);
      dGrid.set(dLogits.subarray(row * V, (row + 1) * V), at * V);
    });
    for (let row = 0; row < b.rows; row++) if (!given.has(row)) dLogits.fill(0, row * V, (row + 1) * V);
    fast.zeroGrads();
    fast.backward(dGrid);
    const packedGrads = fast.grads.slice();
    fast.zeroGrads();
    fast.forwardPrefixed(b.input);
    fast.backward(dLogits);
    for (const [slot, { offset, size }] of fast.layout.slots) {
      const e = packedGrads.subarray(offset, offset + size);
      assert.ok(e.some((x) => x !== 0), `${slot}: the packed gradient is all 0 (the test would prove nothing)`);
      assertClose(fast.grads.subarray(offset, offset + size), e, 1e-4, `grad ${slot}`);
    }
    fast.close();
  });
}

test("forwardPrefixed on two threads is bit-identical to one thread, and repeatable", () => {
  const { fast: one, rng } = model({ vocabSize: 16, positions: "rotary" }, 4);
  const two = new FastTransformer(one.config, one.params.slice(), { threads: 2 });
  const b = prefixedBatch(rng, 16, one.context, 8, 64, 7);
  const d = Float32Array.from({ length: b.rows * 16 }, () => rng.normal());
  const run = (m: FastTransformer) => {
    m.zeroGrads();
    const logits = m.forwardPrefixed(b.input);
    m.backward(d);
    return { logits, grads: m.grads.slice() };
  };
  const first = run(one);
  assert.deepEqual(run(two), first);
  assert.deepEqual(run(one), first);
  two.close();
});

test("forwardPrefixed refuses bad input with RangeErrors naming what was expected", () => {
  const { fast } = model({ vocabSize: 7, context: 6, layers: 1, dModel: 8, heads: 2, mlpHidden: 8 }, 1);
  const ok = (): PrefixedTokens => ({
    prefixTokens: Int32Array.of(1, 2, 3, 4),
    prefixStarts: Int32Array.of(0, 3, 4),
    sequencePrefix: Int32Array.of(0, 1, 0),
    suffixTokens: Int32Array.of(5, 6, 0, 1),
    suffixStarts: Int32Array.of(0, 2, 2, 4),
  });
  assert.equal(fast.forwardPrefixed(ok()).length, 8 * 7);
  const refuses = (change: Partial<PrefixedTokens>, pattern: RegExp) =>
    assert.throws(() => fast.forwardPrefixed({ ...ok(), ...change }), (e: unknown) => e instanceof RangeError && pattern.test(e.message), String(pattern));
  refuses({ suffixTokens: Int32Array.of(5, 6, 0, 1, 2, 3), suffixStarts: Int32Array.of(0, 2, 2, 6) }, /sequence 2 has 3 prefix \+ 4 suffix tokens, more than the context of 6 positions/);
  refuses({ prefixTokens: new Int32Array(8), prefixStarts: Int32Array.of(0, 7, 8) }, /prefix 0 has 7 tokens, more than the context of 6/);
  refuses({ sequencePrefix: Int32Array.of(0, 2, 0) }, /sequencePrefix\[1\] = 2 is not a prefix index in \[0, 2\)/);
  refuses({ sequencePrefix: Int32Array.of(0, -1, 0) }, /sequencePrefix\[1\] = -1 is not a prefix index/);
  refuses({ suffixTokens: Int32Array.of(5, 7, 0, 1) }, /suffixTokens\[1\] = 7 is outside the vocabulary \[0, 7\)/);
  refuses({ prefixTokens: Int32Array.of(1, -2, 3, 4) }, /prefixTokens\[1\] = -2 is outside the vocabulary/);
  refuses({ prefixStarts: Int32Array.of(0, 4, 4) }, /prefixStarts must be an Int32Array of 3 offsets rising from 0 to 4 \(each part at least one token\)/);
  refuses({ prefixStarts: Int32Array.of(0) }, /prefixStarts must be an Int32Array of at least 2 offsets/);
  refuses({ suffixStarts: Int32Array.of(0, 2, 4) }, /suffixStarts must be an Int32Array of 4 offsets rising from 0 to 4/);
  refuses({ suffixStarts: Int32Array.of(0, 3, 2, 4) }, /part 1 has -1 tokens/);
  refuses({ suffixTokens: [5, 6, 0, 1] as unknown as Int32Array }, /suffixTokens must be an Int32Array/);
  fast.forwardPrefixed(ok());
  assert.throws(() => fast.backward(new Float32Array(7)), /expected dLogits of 8·7 = 56 values/);
});
