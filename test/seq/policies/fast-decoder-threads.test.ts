import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../lib/random/rng.js";
import { sampleBatch, type TransformerConfig } from "../../../lib/seq/policies/index.js";
import { FastTransformer } from "../../../lib/seq/policies/fast-transformer.js";
import type { TokenDecoder } from "../../../lib/seq/policies/token-policy.js";
import type { KernelHelper } from "../../../native/transformer/helper.js";

type Cfg = Partial<TransformerConfig> & { vocabSize: number };

/** A one-thread model and a two-thread one with the same params (O(1) weights, so wrong rows show in the logits). */
function pair(config: Cfg, seed: number): { one: FastTransformer; two: FastTransformer; rng: Rng } {
  const rng = Rng.fromSeed(seed);
  const one = FastTransformer.create(config, { rng, std: 0.5 });
  const two = new FastTransformer(one.config, one.params.slice(), { threads: 2 });
  assert.equal(two.threads, 2, "this runtime has worker threads and shared wasm memory");
  return { one, two, rng };
}

/** Tasks the model's helper thread has been posted so far (white box: shows the decoder split its work). */
function helperTasks(model: FastTransformer): number {
  return (model as unknown as { helper: KernelHelper }).helper.tasksPosted;
}

/**
 * Steps both decoders in lock step until every row has had `length` tokens
 * and asserts bit-identical logits at every step. Rows sit out steps in a
 * pattern that depends on the row, some rows take over another row's state
 * (`share`) and a third of the rows stop early, so the active block has odd
 * sizes and gaps.
 */
function lockStep(a: TokenDecoder, b: TokenDecoder, rows: number, length: number, V: number, rng: Rng): void {
  const fed = new Int32Array(rows);
  const stopAt = Int32Array.from({ length: rows }, (_, r) => (r % 3 === 0 ? 1 + (r % length) : length));
  const outA = new Float32Array(rows * V), outB = new Float32Array(rows * V);
  for (let s = 0; fed.some((n, r) => n < stopAt[r]!); s++) {
    if (s === 2) {
      for (let r = 1; r < rows; r += 7) {
        a.share!(r - 1, r);
        b.share!(r - 1, r);
        fed[r] = fed[r - 1]!;
      }
    }
    const active = Uint8Array.from({ length: rows }, (_, r) => (fed[r]! < stopAt[r]! && (r + s) % 5 !== 0 ? 1 : 0));
    const input = Int32Array.from({ length: rows }, () => rng.int(V));
    a.step(input, active, outA);
    b.step(input, active, outB);
    assert.deepEqual(outB, outA, `logits at step ${s}`);
    active.forEach((on, r) => (fed[r] = fed[r]! + on));
  }
}

for (const [positions, dModel, heads] of [["learned", 64, 4], ["rotary", 64, 4], ["rotary", 24, 4], ["learned", 36, 2]] as const) {
  test(`the decoder on two threads gives the one-thread logits bit for bit (${positions}, head size ${dModel / heads}; odd and even block sizes, rows sitting out, shared rows)`, () => {
    const config: Cfg = { vocabSize: 11, context: 12, layers: 2, positions, dModel, heads, mlpHidden: 4 * dModel };
    const { one, two, rng } = pair(config, 5);
    for (const rows of [257, 131, 66, 19, 7]) lockStep(one.decoder(rows), two.decoder(rows), rows, 12, 11, rng);
    // more than attaching the decoder's memory (later calls may run on one thread: the helper pauses after a stall on a busy machine)
    assert.ok(helperTasks(two) > 1, "the helper thread took part");
  });
}

test("sampleBatch on two threads draws the one-thread completions bit for bit (GRPO groups sharing prompts, rows stopping at different steps; learned and rotary)", () => {
  for (const positions of ["learned", "rotary"] as const) {
    const { one, two, rng } = pair({ vocabSize: 16, context: 16, positions }, 8);
    for (const [groups, size] of [[32, 8], [27, 5]] as const) {
      const prompts = Array.from({ length: groups }, () => Int32Array.from({ length: 3 + rng.int(4) }, () => 4 + rng.int(12))).flatMap((p) => Array.from({ length: size }, () => p));
      for (const options of [{ temperature: 1 }, { temperature: 0.7, topK: 5, topP: 0.9 }]) {
        const run = (m: FastTransformer) => sampleBatch(m, prompts, { maxNewTokens: 8, stopToken: 2, rng: Rng.fromSeed(17), ...options });
        const a = run(one), b = run(two);
        assert.deepEqual(b.map((c) => [...c.tokens]), a.map((c) => [...c.tokens]), `${positions} ${groups}×${size} tokens`);
        assert.deepEqual(b.map((c) => [...c.logprobs]), a.map((c) => [...c.logprobs]), `${positions} ${groups}×${size} logprobs`);
        assert.deepEqual(b.map((c) => [...c.entropies]), a.map((c) => [...c.entropies]));
        assert.deepEqual(b.map((c) => c.finish), a.map((c) => c.finish));
        assert.ok(new Set(a.map((c) => c.tokens.length)).size > 1, "rows finished at different steps");
      }
    }
  }
});

test("two-thread decoders keep their params snapshot while the model trains, take turns on the helper, and run on one thread after close()", () => {
  const { one, two, rng } = pair({ vocabSize: 16, positions: "rotary" }, 13);
  const rows = 129, V = 16;
  const first = { one: one.decoder(rows), two: two.decoder(rows) };
  // the models change (as an optimizer step would) and train on the helper between the decoders' steps
  for (const m of [one, two]) for (let i = 0; i < m.params.length; i++) m.params[i] = m.params[i]! * 0.9 + 0.01;
  const second = { one: one.decoder(rows), two: two.decoder(rows) };
  const toks = Int32Array.from({ length: 200 * 8 }, () => rng.int(V));
  const d = Float32Array.from({ length: 200 * 8 * V }, () => rng.normal());
  const outs = { one: new Float32Array(rows * V), two: new Float32Array(rows * V) };
  const stepBoth = (dec: { one: TokenDecoder; two: TokenDecoder }, what: string): void => {
    const input = Int32Array.from({ length: rows }, () => rng.int(V));
    dec.one.step(input, null, outs.one);
    dec.two.step(input, null, outs.two);
    assert.deepEqual(outs.two, outs.one, what);
  };
  for (let s = 0; s < 4; s++) {
    stepBoth(first, `first decoder, step ${s}`);
    stepBoth(second, `second decoder, step ${s}`);
    one.zeroGrads();
    two.zeroGrads();
    assert.deepEqual(two.forward(toks, 200, 8), one.forward(toks, 200, 8), `forward after step ${s}`);
    one.backward(d);
    two.backward(d);
    assert.deepEqual(two.grads, one.grads, `grads after step ${s}`);
  }
  two.close();
  const third = { one: one.decoder(rows), two: two.decoder(rows) };
  for (let s = 4; s < 7; s++) {
    stepBoth(first, `first decoder after close(), step ${s}`);
    stepBoth(second, `second decoder after close(), step ${s}`);
    stepBoth(third, `decoder made after close(), step ${s - 4}`);
  }
});
