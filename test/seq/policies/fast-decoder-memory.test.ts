import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../lib/random/rng.js";
import { FastTransformer } from "../../../lib/seq/policies/fast-transformer.js";
import { sampleBatch } from "../../../lib/seq/policies/sample.js";
import type { TokenDecoder } from "../../../lib/seq/policies/token-policy.js";

test("a closed decoder's memory serves the model's next decoder as if fresh (KV caches, positions, shared rows), and the closed decoder refuses steps", () => {
  for (const threads of [1, 2] as const) {
    const rng = Rng.fromSeed(31);
    const model = FastTransformer.create({ vocabSize: 12, context: 10, positions: "rotary" }, { rng, std: 0.5, threads });
    const fresh = new FastTransformer(model.config, model.params.slice(), { threads });
    const rows = 70, V = 12;
    const run = (m: FastTransformer, steps: number, seed: number): Float32Array => {
      const dec = m.decoder(rows);
      const r = Rng.fromSeed(seed);
      const out = new Float32Array(rows * V);
      for (let s = 0; s < steps; s++) {
        if (s === 1) dec.share!(0, 5);
        dec.step(Int32Array.from({ length: rows }, () => r.int(V)), Uint8Array.from({ length: rows }, (_, i) => ((i + s) % 4 === 0 ? 0 : 1)), out);
      }
      dec.close!();
      assert.throws(() => dec.step(new Int32Array(rows), null, out), /closed/);
      assert.throws(() => dec.share!(0, 1), /closed/);
      return out;
    };
    run(model, 9, 1); // leaves full caches and positions behind
    model.params[3] = model.params[3]! + 1; // the next decoder snapshots the new params
    fresh.params[3] = model.params[3]!;
    assert.deepEqual(run(model, 4, 2), run(fresh, 4, 2), `threads ${threads}: a reused memory decodes as a fresh one`);
  }
});

test("sampleBatch closes its decoder (so the next call reuses its memory), also when it throws", () => {
  const model = FastTransformer.create({ vocabSize: 12, context: 10 }, { rng: Rng.fromSeed(4) });
  const made: TokenDecoder[] = [];
  const policy = Object.assign(Object.create(model) as FastTransformer, {
    decoder: (rows: number) => {
      const d = model.decoder(rows);
      made.push(d);
      return d;
    },
  });
  const prompts = [Int32Array.of(1, 2), Int32Array.of(3)];
  sampleBatch(policy, prompts, { maxNewTokens: 3, rng: Rng.fromSeed(1) });
  const failing = Object.assign(Object.create(policy) as FastTransformer, {
    decoder: (rows: number) => {
      const d = policy.decoder(rows);
      return { rows, get position() { return d.position; }, close: () => d.close!(), step: () => { throw new Error("boom"); } };
    },
  });
  assert.throws(() => sampleBatch(failing, prompts, { maxNewTokens: 3, rng: Rng.fromSeed(1) }), /boom/);
  assert.equal(made.length, 2);
  for (const d of made) assert.throws(() => d.step(Int32Array.of(0, 0), null, new Float32Array(24)), /closed/);
});
