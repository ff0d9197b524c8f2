import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertClose, assertLogitsClose } from "../../helpers/close-arrays.js";
import { after, test } from "node:test";
import { TfjsHost } from "../../../native/tfjs-host/host.js";
import { Rng } from "../../../lib/random/rng.js";
import { rl } from "../../../lib/rl.js";
import { quiet, startsWithOne, tok } from "../../helpers/tiny-sequence-run.js";
import { Transformer, type TransformerConfig } from "../../../lib/seq/policies/index.js";
import { HostedTransformer } from "../../../lib/seq/policies/hosted-transformer.js";
import { tokenPolicy } from "../../../lib/seq/policies/make.js";
import { policyFromRecord, policyRecord } from "../../../lib/seq/policies/policy-record.js";
import { sampleBatch } from "../../../lib/seq/policies/sample.js";

type Cfg = Partial<TransformerConfig> & { vocabSize: number };

// The tests' own host on the wasm backend: the worker path of a GPU machine, with the CPU's backend.
const host = new TfjsHost({ backend: "wasm" });
after(() => host.close());

/** A reference model with O(1) weights everywhere (gains and biases too), so every gradient is far from 0, and its hosted copy. */
function pair(config: Cfg, seed: number): { ref: Transformer; hosted: HostedTransformer; rng: Rng } {
  const rng = Rng.fromSeed(seed);
  const ref = Transformer.create(config, { rng, std: 0.4 });
  for (let i = 0; i < ref.params.length; i++) ref.params[i] = ref.params[i]! + 0.3 * rng.normal();
  return { ref, hosted: new HostedTransformer(ref.config, ref.params, host), rng };
}

function tokens(rng: Rng, n: number, vocab: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(vocab));
}


const SMALL: Cfg = { vocabSize: 7, context: 6, layers: 2, dModel: 8, heads: 2, mlpHidden: 12 };
const VARIANTS: { name: string; config: Cfg; batch: number; length: number; draw?: number }[] = [
  { name: "GPT-2: learned positions, tied, length = context", config: { ...SMALL }, batch: 3, length: 6 },
  { name: "rotary, untied, 3 layers", config: { ...SMALL, layers: 3, positions: "rotary", tieEmbeddings: false }, batch: 2, length: 5 },
  { name: "Llama: RMSNorm, SwiGLU, no biases, rotary base 500", config: { ...SMALL, norm: "rms", mlp: "swiglu", bias: false, positions: "rotary", ropeTheta: 500 }, batch: 2, length: 6 },
  { name: "length 1, 4 heads of 2", config: { ...SMALL, heads: 4 }, batch: 4, length: 1 },
  { name: "vocab 4100: the embedding gradient scatter-adds instead of a one-hot product", config: { ...SMALL, vocabSize: 4100, context: 4, layers: 1 }, batch: 2, length: 4, draw: 3 },
];

for (const { name, config, batch, length, draw } of VARIANTS) {
  test(`hosted tfjs transformer: logits and every parameter gradient equal the reference's (${name})`, () => {
    const { ref, hosted, rng } = pair(config, 3);
    // draw: ids from a few, so rows repeat and their gradients must add up
    const toks = tokens(rng, batch * length, draw ?? config.vocabSize);
    const expected = ref.forward(toks, batch, length);
    assertLogitsClose(hosted.forward(toks, batch, length), expected, "logits");
    const dLogits = Float64Array.from({ length: expected.length }, () => rng.normal());
    ref.backward(dLogits);
    hosted.backward(dLogits);
    for (const [slot, { offset, size }] of ref.layout.slots) {
      const e = ref.grads.subarray(offset, offset + size);
      let scale = 0;
      for (const v of e) scale = Math.max(scale, Math.abs(v));
      assert.ok(scale > 0, `${slot}: the reference gradient is all 0 (the test would prove nothing)`);
      assertClose(hosted.grads.subarray(offset, offset + size), e, 1e-3, 1e-4 * scale, `grad ${slot}`);
    }
    // gradients accumulate like the reference's
    hosted.forward(toks, batch, length);
    hosted.backward(dLogits);
    const o = ref.layout.slots.get("wte.weight")!.offset;
    assertClose([hosted.grads[o]!], [2 * ref.grads[o]!], 1e-3, 1e-5, "accumulated grad");
    hosted.dispose();
  });
}

test("hosted tfjs transformer: the decoder's logits equal the reference decoder's, with rows that sit out and shared rows", () => {
  const config: Cfg = { ...SMALL, positions: "rotary" };
  const { ref, hosted, rng } = pair(config, 5);
  const rows = 3;
  const V = config.vocabSize;
  const a = ref.decoder(rows), b = hosted.decoder(rows);
  const la = new Float64Array(rows * V), lb = new Float32Array(rows * V).fill(42);
  const schedule: (Uint8Array | null)[] = [null, Uint8Array.of(1, 0, 1), null, Uint8Array.of(0, 1, 0)];
  schedule.forEach((active, step) => {
    const toks = tokens(rng, rows, V);
    a.step(toks, active, la);
    b.step(toks, active, lb);
    for (let r = 0; r < rows; r++) {
      if (active && !active[r]) continue;
      assertLogitsClose(lb.subarray(r * V, (r + 1) * V), la.subarray(r * V, (r + 1) * V), `step ${step} row ${r}`);
    }
    if (step === 1) {
      // two shares before the next step: row 2 takes row 0's state, then row 1 takes row 2's (now row 0's)
      for (const d of [a, b]) {
        d.share!(0, 2);
        d.share!(2, 1);
      }
    }
  });
  assert.equal(b.position, 4);
  b.close!();
  assert.throws(() => b.step(new Int32Array(rows), null, lb), /closed/);
  hosted.dispose();
});

test("hosted tfjs transformer: bad inputs are RangeErrors naming what was expected, and nothing is left in the worker", () => {
  const before = host.memory();
  const { hosted } = pair(SMALL, 7);
  assert.throws(() => hosted.forward(Int32Array.of(1, 9), 1, 2), /token 9 at index 1 is outside the vocabulary \[0, 7\)/);
  assert.throws(() => hosted.forward(new Int32Array(8), 1, 8), /exceeds the context of 6/);
  assert.throws(() => hosted.backward(new Float32Array(7)), /call forward first/);
  hosted.forward(Int32Array.of(1, 2), 1, 2);
  assert.throws(() => hosted.backward(new Float32Array(3)), /expected dLogits of 2·7 = 14 values, got 3/);
  assert.throws(() => new HostedTransformer(hosted.config, new Float32Array(3), host), /expected a Float32Array of \d+ values/);
  const dec = hosted.decoder(2);
  const logits = new Float32Array(14);
  assert.throws(() => dec.step(Int32Array.of(0, 7), null, logits), /token 7 of row 1 is outside the vocabulary/);
  for (let t = 0; t < 6; t++) dec.step(Int32Array.of(1, 1), null, logits);
  assert.throws(() => dec.step(Int32Array.of(1, 1), null, logits), /row 0 is full \(context 6\)/);
  dec.close!();
  hosted.dispose();
  assert.throws(() => hosted.forward(Int32Array.of(1), 1, 1), /disposed/);
  assert.equal(host.memory().numTensors, before.numTensors, "tensors left in the worker");
});

test("tokenPolicy engine \"tfjs\": a hosted transformer with the kernels' initial params; its record rebuilds it; samples like the reference", () => {
  const config = { vocabSize: 6, context: 5, layers: 1, dModel: 8, heads: 2, mlpHidden: 8 };
  const hosted = tokenPolicy("transformer", config, { seed: 4, engine: "tfjs" });
  const kernels = tokenPolicy("transformer", config, { seed: 4 });
  assert.ok(hosted instanceof HostedTransformer);
  assert.deepEqual(hosted.params, kernels.params);
  const record = policyRecord(hosted);
  assert.equal(record.engine, "tfjs");
  const again = policyFromRecord(JSON.parse(JSON.stringify(record)), hosted.params.slice());
  assert.ok(again instanceof HostedTransformer);
  const toks = Int32Array.of(1, 2, 3);
  assertClose(again.forward(toks, 1, 3), kernels.forward(toks, 1, 3), 1e-4, 1e-5, "rebuilt logits");
  // the same seeded draws give the same completions where the two agree to float32 rounding
  const prompt = [Int32Array.of(1, 2), Int32Array.of(3)];
  const a = sampleBatch(hosted, prompt, { rng: Rng.fromSeed(9), maxNewTokens: 3 });
  const b = sampleBatch(kernels, prompt, { rng: Rng.fromSeed(9), maxNewTokens: 3 });
  assert.deepEqual(a.map((c) => c.tokens), b.map((c) => c.tokens));
  a.forEach((c, i) => assertClose(c.logprobs, b[i]!.logprobs, 1e-4, 1e-5, `completion ${i} logprobs`));
  assert.throws(() => policyFromRecord({ ...record, engine: "gpu" as never }, hosted.params.slice()), /engine is "tfjs" or absent, got "gpu"/);
  assert.throws(() => tokenPolicy("gru", { vocabSize: 4 }, { engine: "tfjs" }), /runs transformers only/);
  assert.throws(() => tokenPolicy("transformer", config, { engine: "gpu" as never }), /engine must be "kernels" or "tfjs", got "gpu"/);
  assert.throws(() => tokenPolicy("transformer", config, { engine: "tfjs", threads: 2 }), /threads applies to engine "kernels" only/);
  (hosted as HostedTransformer).dispose();
  (again as HostedTransformer).dispose();
});

test("a GRPO run on a hosted transformer trains, and resumes after save and load with the same numbers (the record keeps the engine)", async () => {
  const build = () =>
    rl.seq(rl.tasks.addition, {
      level: 1, tokenizer: tok, seed: 7, reward: startsWithOne,
      policy: tokenPolicy("transformer", { vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 8 }, { seed: 5, engine: "tfjs" }),
    }).algo(rl.grpo({ prompts: 4, groupSize: 4, maxNewTokens: 3, lr: 1e-2, epochs: 2, minibatches: 2 })).eval({ problems: 10 }).build();
  const whole = build();
  const initial = whole.policy.params.slice();
  await whole.train({ steps: 4, display: quiet });
  assert.notDeepEqual(whole.policy.params, initial, "training changed nothing");
  const first = build();
  await first.train({ steps: 2, display: quiet });
  const dir = await mkdtemp(join(tmpdir(), "trellis-hosted-"));
  try {
    await first.save(dir);
    const loaded = await rl.seq.load(dir, { task: rl.tasks.addition, reward: startsWithOne });
    assert.ok(loaded.policy instanceof HostedTransformer);
    await loaded.train({ steps: 2, display: quiet });
    assert.deepEqual(loaded.policy.params, whole.policy.params);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
