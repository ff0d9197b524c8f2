import assert from "node:assert/strict";
import { assertClose, assertLogitsClose } from "../../helpers/close-arrays.js";
import { test } from "node:test";
import { Rng } from "../../../lib/random/rng.js";
import { charTokenizer } from "../../../lib/seq/tokenizers/index.js";
import { fromGpt2Files, sampleBatch, sftBatch, SftTrainer, toGpt2Files, Transformer, type TransformerConfig } from "../../../lib/seq/policies/index.js";
import { FastTransformer, fastTransformer, fastTransformerUnsupported } from "../../../lib/seq/policies/fast-transformer.js";

type Cfg = Partial<TransformerConfig> & { vocabSize: number };

/** A reference model with O(1) weights everywhere (gains, biases too), so every gradient is far from 0, and its fast copy. */
function pair(config: Cfg, seed: number): { ref: Transformer; fast: FastTransformer; rng: Rng } {
  const rng = Rng.fromSeed(seed);
  const ref = Transformer.create(config, { rng, std: 0.4 });
  for (let i = 0; i < ref.params.length; i++) ref.params[i] = ref.params[i]! + 0.3 * rng.normal();
  return { ref, fast: FastTransformer.from(ref), rng };
}

function tokens(rng: Rng, n: number, vocab: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(vocab));
}

/** Every tensor's gradient within `rel` of the reference, relative to the element, plus 1e-4 of the tensor's largest (float32 rounding of sums that cancel: up to ~3e-5 of it in the O(1)-weight models). */
function assertGradsClose(fast: FastTransformer, ref: Transformer, rel: number): void {
  for (const [name, { offset, size }] of ref.layout.slots) {
    const e = ref.grads.subarray(offset, offset + size), a = fast.grads.subarray(offset, offset + size);
    let scale = 0;
    for (let i = 0; i < size; i++) scale = Math.max(scale, Math.abs(e[i]!));
    assert.ok(scale > 0, `${name}: the reference gradient is all 0 (the test would prove nothing)`);
    assertClose(a, e, rel, 1e-4 * scale, `grad ${name}`);
  }
}

const SMALL: Cfg = { vocabSize: 7, context: 6, layers: 2, dModel: 8, heads: 2, mlpHidden: 12 };
const VARIANTS: { name: string; config: Cfg; batch: number; length: number }[] = [
  { name: "the GRPO shape (d 64, 4 heads, MLP 256, vocab 16), learned, tied, length = context", config: { vocabSize: 16 }, batch: 3, length: 16 },
  { name: "rotary, untied, vocab 7 (padded LM head)", config: { ...SMALL, positions: "rotary", tieEmbeddings: false }, batch: 4, length: 5 },
  { name: "learned, untied, 1 layer, 4 heads of 4", config: { vocabSize: 5, context: 8, layers: 1, dModel: 16, heads: 4, mlpHidden: 32, tieEmbeddings: false }, batch: 2, length: 8 },
  { name: "rotary, tied, 3 layers, length 1", config: { ...SMALL, layers: 3, positions: "rotary" }, batch: 5, length: 1 },
  { name: "learned, head size 36", config: { vocabSize: 6, context: 5, layers: 1, dModel: 72, heads: 2, mlpHidden: 16 }, batch: 2, length: 5 },
  { name: "rotary, head size 6 (attention in JS, not the f32x4 kernel)", config: { ...SMALL, dModel: 12, heads: 2, positions: "rotary" }, batch: 3, length: 6 },
];

for (const { name, config, batch, length } of VARIANTS) {
  test(`logits and every parameter gradient equal the reference Transformer's (${name})`, () => {
    const { ref, fast, rng } = pair(config, 11);
    const toks = tokens(rng, batch * length, config.vocabSize);
    const expected = ref.forward(toks, batch, length);
    const logits = fast.forward(toks, batch, length);
    assert.ok(logits instanceof Float32Array);
    assertLogitsClose(logits, expected, "logits");
    const dLogits = Float64Array.from({ length: expected.length }, () => rng.normal());
    ref.backward(dLogits);
    fast.backward(dLogits);
    assertGradsClose(fast, ref, 1e-3);
    // backward accumulates, as the reference does
    ref.forward(toks, batch, length);
    fast.forward(toks, batch, length);
    ref.backward(dLogits);
    fast.backward(Float32Array.from(dLogits));
    assertGradsClose(fast, ref, 1e-3);
  });
}

test("batches of different shapes through one model (regions grow and are reused) match the reference", () => {
  const { ref, fast, rng } = pair({ ...SMALL, positions: "rotary" }, 5);
  for (const [batch, length] of [[2, 3], [40, 6], [1, 6], [7, 2]] as const) {
    ref.zeroGrads();
    fast.zeroGrads();
    const toks = tokens(rng, batch * length, SMALL.vocabSize);
    assertLogitsClose(fast.forward(toks, batch, length), ref.forward(toks, batch, length), `logits ${batch}×${length}`);
    const d = Float64Array.from({ length: batch * length * SMALL.vocabSize }, () => rng.normal());
    ref.backward(d);
    fast.backward(d);
    assertGradsClose(fast, ref, 1e-3);
  }
});

test("params changed between forwards are used (Adam updates the Float32Array in place)", () => {
  const { ref, fast, rng } = pair(SMALL, 8);
  const toks = tokens(rng, 12, SMALL.vocabSize);
  fast.forward(toks, 2, 6);
  for (let i = 0; i < fast.params.length; i++) fast.params[i] = fast.params[i]! * 0.9 + 0.01;
  ref.params.set(fast.params);
  assertLogitsClose(fast.forward(toks, 2, 6), ref.forward(toks, 2, 6), "logits after an update");
});

for (const [positions, dModel] of [["learned", 64], ["rotary", 64], ["rotary", 24], ["learned", 144]] as const) {
  test(`the batched decoder's logits equal forward's rows and the reference decoder's, rows sitting out steps included (${positions}, head size ${dModel / 4})`, () => {
    const config: Cfg = { vocabSize: 16, context: 10, positions, dModel };
    const { ref, fast, rng } = pair(config, 3);
    const rows = 9, L = 10, V = 16;
    const toks = tokens(rng, rows * L, V);
    const full = fast.forward(toks, rows, L);
    const dec = fast.decoder(rows), rdec = ref.decoder(rows);
    const out = new Float32Array(rows * V).fill(NaN), rout = new Float64Array(rows * V);
    // every row runs all L steps; rows r ≥ 6 also sit out steps 2 and 3, so they finish later
    const fed = new Int32Array(rows);
    for (let s = 0; fed.some((n) => n < L); s++) {
      const active = Uint8Array.from({ length: rows }, (_, r) => (fed[r]! < L && !(r >= 6 && (s === 2 || s === 3)) ? 1 : 0));
      const input = Int32Array.from({ length: rows }, (_, r) => (fed[r]! < L ? toks[r * L + fed[r]!]! : 0));
      const before = out.slice();
      dec.step(input, active, out);
      rdec.step(input, active, rout);
      assert.equal(dec.position, s + 1);
      for (let r = 0; r < rows; r++) {
        const got = out.subarray(r * V, (r + 1) * V);
        if (!active[r]) {
          assert.deepEqual(got, before.subarray(r * V, (r + 1) * V), `inactive row ${r} was written`);
          continue;
        }
        const t = fed[r]!++;
        assertLogitsClose(got, full.subarray((r * L + t) * V, (r * L + t + 1) * V), `decoder row ${r} position ${t} vs forward`);
        assertLogitsClose(got, rout.subarray(r * V, (r + 1) * V), `decoder row ${r} position ${t} vs reference decoder`);
      }
    }
    assert.throws(() => dec.step(new Int32Array(rows), null, out), (e: unknown) => e instanceof RangeError && /full/.test(e.message));
  });
}

test("sampleBatch gives the reference's completions (greedy) through the fast decoder", () => {
  const { ref, fast, rng } = pair({ vocabSize: 16 }, 4);
  const prompts = Array.from({ length: 20 }, () => tokens(rng, 6, 16));
  const opts = { maxNewTokens: 4, greedy: true, stopToken: 3 };
  const a = sampleBatch(fast, prompts, opts), b = sampleBatch(ref, prompts, opts);
  assert.deepEqual(a.map((c) => [...c.tokens]), b.map((c) => [...c.tokens]));
  a.forEach((c, i) => assertLogitsClose(c.logprobs, b[i]!.logprobs, `logprobs ${i}`));
});

test("deterministic: the same inputs give bit-identical logits, gradients and decoder logits; clone and toTransformer copy params", () => {
  const { fast, rng } = pair({ vocabSize: 16, positions: "rotary" }, 9);
  const toks = tokens(rng, 64 * 10, 16);
  const d = Float32Array.from({ length: 64 * 10 * 16 }, () => rng.normal());
  const run = (m: FastTransformer) => {
    m.zeroGrads();
    const logits = m.forward(toks, 64, 10);
    m.backward(d);
    const dec = m.decoder(64);
    const out = new Float32Array(64 * 16);
    for (let t = 0; t < 10; t++) dec.step(Int32Array.from({ length: 64 }, (_, r) => toks[r * 10 + t]!), null, out);
    return { logits, grads: m.grads.slice(), out };
  };
  const first = run(fast), second = run(fast);
  const copy = fast.clone();
  assert.notEqual(copy.params, fast.params);
  const third = run(copy);
  for (const other of [second, third]) {
    assert.deepEqual(other.logits, first.logits);
    assert.deepEqual(other.grads, first.grads);
    assert.deepEqual(other.out, first.out);
  }
  const back = fast.toTransformer();
  assert.deepEqual(back.params, fast.params);
  assert.notEqual(back.params, fast.params);
});

test("threads: 2 splits forward and backward with a helper thread: bit-identical logits and gradients; close() goes back to one thread", () => {
  const { fast: one, rng } = pair({ vocabSize: 16, positions: "rotary" }, 12);
  const two = new FastTransformer(one.config, one.params.slice(), { threads: 2 });
  assert.equal(two.threads, 2, "this runtime has worker threads and shared wasm memory");
  assert.equal(two.clone().threads, 2);
  for (const [batch, length] of [[256, 10], [3, 16], [100, 7]] as const) {
    const toks = tokens(rng, batch * length, 16);
    const d = Float32Array.from({ length: batch * length * 16 }, () => rng.normal());
    one.zeroGrads();
    two.zeroGrads();
    assert.deepEqual(two.forward(toks, batch, length), one.forward(toks, batch, length), `logits ${batch}×${length}`);
    one.backward(d);
    two.backward(d);
    assert.deepEqual(two.grads, one.grads, `grads ${batch}×${length}`);
  }
  two.close();
  const toks = tokens(rng, 640, 16);
  assert.deepEqual(two.forward(toks, 64, 10), one.forward(toks, 64, 10), "after close()");
  assert.throws(() => new FastTransformer(one.config, one.params.slice(), { threads: 3 as 2 }), RangeError);
});

test("GPT-2 checkpoints carry the fast model's params: save via toTransformer, load, FastTransformer.from gives the same logits bit for bit", () => {
  const { fast, rng } = pair({ vocabSize: 16, tieEmbeddings: false }, 13);
  const toks = tokens(rng, 4 * 9, 16);
  const loaded = FastTransformer.from(fromGpt2Files(toGpt2Files(fast.toTransformer())));
  assert.deepEqual(loaded.params, fast.params);
  assert.deepEqual(loaded.forward(toks, 4, 9), fast.forward(toks, 4, 9));
});

test("bad inputs give clear RangeErrors", () => {
  const { fast } = pair(SMALL, 1);
  assert.throws(() => fast.backward(new Float64Array(7)), (e: unknown) => e instanceof RangeError && /forward first/.test(e.message));
  assert.throws(() => fast.forward(Int32Array.of(0, 7), 1, 2), (e: unknown) => e instanceof RangeError && /outside the vocabulary/.test(e.message));
  assert.throws(() => fast.forward(Int32Array.of(0, -1), 1, 2), (e: unknown) => e instanceof RangeError && /outside the vocabulary/.test(e.message));
  assert.throws(() => fast.forward(new Int32Array(7), 1, 7), (e: unknown) => e instanceof RangeError && /exceeds the context/.test(e.message));
  assert.throws(() => fast.forward(new Int32Array(5), 2, 3), (e: unknown) => e instanceof RangeError && /expected an Int32Array of 2·3/.test(e.message));
  assert.throws(() => fast.forward(new Int32Array(0), 0, 3), RangeError);
  fast.forward(new Int32Array(6), 2, 3);
  assert.throws(() => fast.backward(new Float64Array(6 * 7 - 1)), (e: unknown) => e instanceof RangeError && /expected dLogits of 6·7 = 42/.test(e.message));
  fast.backward(new Float64Array(42));
  assert.throws(() => fast.backward(new Float64Array(42)), (e: unknown) => e instanceof RangeError && /forward first/.test(e.message));
  assert.throws(() => new FastTransformer({ ...fast.config, dModel: 6, heads: 2 }, new Float32Array(0)), (e: unknown) => e instanceof RangeError && /multiples of 4/.test(e.message));
  assert.throws(() => new FastTransformer(fast.config, new Float32Array(3)), RangeError);
  assert.throws(() => fast.decoder(0), RangeError);
  const dec = fast.decoder(2);
  assert.throws(() => dec.step(Int32Array.of(1, 9), null, new Float32Array(14)), (e: unknown) => e instanceof RangeError && /row 1 is outside the vocabulary/.test(e.message));
  assert.throws(() => dec.step(Int32Array.of(1), null, new Float32Array(14)), RangeError);
  assert.equal(dec.position, 0, "a refused step feeds nothing");
});

test("fastTransformer picks the fast model where the kernels run the config, else the reference (sharing the params)", () => {
  const rng = Rng.fromSeed(2);
  const fast = fastTransformer({ vocabSize: 16 }, { rng });
  assert.ok(fast instanceof FastTransformer);
  const ref = Transformer.create({ vocabSize: 7, dModel: 6, heads: 2, mlpHidden: 10 }, { rng });
  const picked = fastTransformer(ref);
  assert.equal(picked, ref);
  const ref2 = Transformer.create({ vocabSize: 7 }, { rng });
  const wrapped = fastTransformer(ref2);
  assert.ok(wrapped instanceof FastTransformer);
  assert.equal(wrapped.params, ref2.params);
});

test("fastTransformerUnsupported names the Llama options the f32 kernels lack, and fastTransformer falls back to the reference for them", () => {
  const base = { vocabSize: 16, positions: "rotary" as const };
  for (const [over, why] of [
    [{ norm: "rms" as const }, /norm "rms"/],
    [{ mlp: "swiglu" as const }, /mlp "swiglu"/],
    [{ bias: false }, /bias false/],
    [{ ropeTheta: 500 }, /ropeTheta 500/],
  ] as const) {
    const ref = Transformer.create({ ...base, ...over }, { rng: Rng.fromSeed(1) });
    assert.match(fastTransformerUnsupported(ref.config) ?? "", why);
    assert.equal(fastTransformer(ref), ref);
    assert.ok(fastTransformer({ ...base, ...over }, { rng: Rng.fromSeed(1) }) instanceof Transformer);
    assert.throws(() => new FastTransformer(ref.config, ref.params), why);
  }
  assert.equal(fastTransformerUnsupported(Transformer.create({ ...base, norm: "layer", mlp: "gelu", bias: true, ropeTheta: 10000 }, { rng: Rng.fromSeed(1) }).config), null);
});

test("SftTrainer trains the fast model: the loss falls like the reference's on the reversal task", () => {
  const tok = charTokenizer("ab=");
  const words = ["aa", "ab", "ba", "bb", "aaa", "aab", "aba", "abb", "baa", "bab", "bba", "bbb"];
  const batch = sftBatch(tok, words.map((w) => ({ prompt: `${w}=`, completion: [...w].reverse().join("") })), 8);
  const config = { vocabSize: tok.vocabSize, context: 8, layers: 1, dModel: 16, heads: 2, mlpHidden: 32 };
  const ref = Transformer.create(config, { rng: Rng.fromSeed(3) });
  const fast = FastTransformer.from(ref);
  const tf = new SftTrainer(fast, { lr: 1e-2 }), tr = new SftTrainer(ref, { lr: 1e-2 });
  const lf: number[] = [], lr: number[] = [];
  for (let s = 0; s < 300; s++) {
    lf.push(tf.step(batch).loss);
    lr.push(tr.step(batch).loss);
  }
  assert.ok(lf[0]! > 1 && lf.at(-1)! < 0.05, `fast loss ${lf[0]} → ${lf.at(-1)}`);
  for (let s = 0; s < 10; s++) assert.ok(Math.abs(lf[s]! - lr[s]!) < 1e-3, `step ${s}: fast loss ${lf[s]} vs reference ${lr[s]}`);
});
