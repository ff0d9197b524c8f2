import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../lib/random/rng.js";
import {
  decodeStep, newKvCache, paramLayout, tokenLogProbs, tokenLogProbsBackward, Transformer, transformerConfig,
  type TransformerConfig,
} from "../../../lib/seq/policies/index.js";

type Tiny = Partial<TransformerConfig> & { vocabSize: number };
const TINY: Tiny = { vocabSize: 7, context: 6, layers: 2, dModel: 8, heads: 2, mlpHidden: 12 };

/** A model with O(1) weights everywhere (LayerNorm gains and biases too), so every gradient is far from 0. */
function randomModel(config: Tiny, seed: number): Transformer {
  const rng = Rng.fromSeed(seed);
  const model = Transformer.create(config, { rng, std: 0.4 });
  for (let i = 0; i < model.params.length; i++) model.params[i] = model.params[i]! + 0.3 * rng.normal();
  return model;
}

function randomTokens(rng: Rng, n: number, vocab: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(vocab));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Central differences on a sample of every tensor vs the analytic gradient of `loss` (analytic: `grads` after `run`). */
function checkGradients(model: Transformer, loss: () => number, runBackward: () => void, rng: Rng, perTensor = 4): number {
  model.zeroGrads();
  runBackward();
  const analytic = model.grads.slice();
  let checked = 0;
  for (const [name, { offset, size }] of model.layout.slots) {
    for (let s = 0; s < perTensor; s++) {
      const i = offset + rng.int(size);
      const orig = model.params[i]!;
      model.params[i] = orig + 1e-3;
      const up = model.params[i]!;
      const lUp = loss();
      model.params[i] = orig - 1e-3;
      const down = model.params[i]!;
      const lDown = loss();
      model.params[i] = orig;
      const numeric = (lUp - lDown) / (up - down);
      const a = analytic[i]!;
      // float32 gradients of O(1) values: a relative 1e-3 plus an absolute 1e-4 floor
      assert.ok(Math.abs(numeric - a) <= 1e-3 * Math.max(Math.abs(numeric), Math.abs(a)) + 1e-4, `${name}[${i - offset}]: numeric ${numeric} vs analytic ${a}`);
      checked++;
    }
  }
  return checked;
}

for (const variant of [
  { name: "learned positions, tied", config: { ...TINY } },
  { name: "learned positions, untied, 1 layer", config: { ...TINY, layers: 1, tieEmbeddings: false } },
  { name: "rotary positions, tied", config: { ...TINY, positions: "rotary" as const } },
  { name: "Llama: RMSNorm, SwiGLU, no biases, rotary base 500, untied", config: { ...TINY, positions: "rotary" as const, norm: "rms" as const, mlp: "swiglu" as const, bias: false, ropeTheta: 500, tieEmbeddings: false } },
  { name: "RMSNorm and SwiGLU with biases, learned positions, tied", config: { ...TINY, norm: "rms" as const, mlp: "swiglu" as const } },
]) {
  test(`backward matches central differences on a sample of every tensor (${variant.name})`, () => {
    const model = randomModel(variant.config, 11);
    const rng = Rng.fromSeed(5);
    const batch = 2;
    const length = 5;
    const tokens = randomTokens(rng, batch * length, 7);
    const R = Float64Array.from({ length: batch * length * 7 }, () => rng.normal());
    const loss = () => dot(model.forward(tokens, batch, length), R);
    const checked = checkGradients(model, loss, () => {
      model.forward(tokens, batch, length);
      model.backward(R);
    }, rng);
    assert.equal(checked, 4 * model.layout.slots.size);
  });
}

test("tokenLogProbsBackward matches central differences through the model (logp and entropy terms, temperature 0.7)", () => {
  const model = randomModel(TINY, 3);
  const rng = Rng.fromSeed(9);
  const batch = 2;
  const length = 5;
  const tokens = randomTokens(rng, batch * length, 7);
  const a = Float64Array.from({ length: batch * (length - 1) }, () => rng.normal());
  const c = Float64Array.from({ length: batch * (length - 1) }, () => rng.normal());
  const loss = () => {
    const { logp, entropy } = tokenLogProbs(model.forward(tokens, batch, length), tokens, batch, length, 7, 0.7);
    return dot(a, logp) + dot(c, entropy);
  };
  checkGradients(model, loss, () => {
    const logits = model.forward(tokens, batch, length);
    model.backward(tokenLogProbsBackward(logits, tokens, batch, length, 7, a, c, 0.7));
  }, rng, 3);
});

test("tokenLogProbs: hand case (uniform logits: logp = −log V, entropy = log V) and the last position gets no gradient", () => {
  const logits = new Float64Array(2 * 3).fill(0.5);
  const { logp, entropy } = tokenLogProbs(logits, Int32Array.from([0, 2]), 1, 2, 3);
  assert.ok(Math.abs(logp[0]! + Math.log(3)) < 1e-12);
  assert.ok(Math.abs(entropy[0]! - Math.log(3)) < 1e-12);
  const d = tokenLogProbsBackward(logits, Int32Array.from([0, 2]), 1, 2, 3, [1], [1]);
  assert.deepEqual([...d.subarray(3)], [0, 0, 0]);
  assert.ok(Math.abs(d[2]! - 2 / 3) < 1e-12 && Math.abs(d[0]! + 1 / 3) < 1e-12, "dlogp/dz = onehot − p; dH/dz = 0 at uniform");
  assert.throws(() => tokenLogProbs(logits, Int32Array.from([0, 2]), 1, 2, 3, 0), /temperature must be a positive/);
});

const LLAMA = { norm: "rms", mlp: "swiglu", bias: false, ropeTheta: 500 } as const;
for (const [positions, llama] of [["learned", false], ["rotary", false], ["rotary", true]] as const) {
  test(`KV-cache incremental logits equal the full forward's within 1e-5 (${positions}${llama ? ", Llama: RMSNorm, SwiGLU, no biases, base 500" : ""}, random models)`, () => {
    for (let seed = 0; seed < 3; seed++) {
      const config = { vocabSize: 11, context: 9, layers: 2, dModel: 16, heads: 4, mlpHidden: 24, positions, ...(llama ? LLAMA : {}) };
      const model = Transformer.create(config, { rng: Rng.fromSeed(seed), std: 0.5 });
      const tokens = randomTokens(Rng.fromSeed(100 + seed), 9, 11);
      const full = model.forward(tokens, 1, 9);
      const cache = newKvCache(model);
      for (let t = 0; t < 9; t++) {
        const step = decodeStep(model, cache, tokens[t]!);
        for (let v = 0; v < 11; v++) assert.ok(Math.abs(step[v]! - full[t * 11 + v]!) < 1e-5, `seed ${seed} t ${t} v ${v}`);
      }
      assert.throws(() => decodeStep(model, cache, 0), /cache is full/);
    }
  });
}

test("rows of a batch are independent and each position sees only its prefix (causality)", () => {
  const model = randomModel(TINY, 4);
  const rng = Rng.fromSeed(1);
  const a = randomTokens(rng, 5, 7);
  const b = randomTokens(rng, 5, 7);
  const both = model.forward(Int32Array.from([...a, ...b]), 2, 5);
  const alone = model.forward(b, 1, 5);
  for (let i = 0; i < alone.length; i++) assert.ok(Math.abs(both[35 + i]! - alone[i]!) < 1e-12);
  const changedLast = Int32Array.from(a);
  changedLast[4] = (a[4]! + 1) % 7;
  const x = model.forward(a, 1, 5);
  const y = model.forward(changedLast, 1, 5);
  for (let i = 0; i < 4 * 7; i++) assert.equal(x[i], y[i]);
});

test("config: tiny defaults, layout sizes, clear errors", () => {
  const c = transformerConfig({ vocabSize: 20 });
  assert.deepEqual({ ...c }, { vocabSize: 20, context: 16, layers: 2, dModel: 64, heads: 4, mlpHidden: 256, positions: "learned", tieEmbeddings: true, layerNormEps: 1e-5 });
  const perBlock = 2 * 64 + 64 * 192 + 192 + 64 * 64 + 64 + 2 * 64 + 64 * 256 + 256 + 256 * 64 + 64;
  assert.equal(paramLayout(c).size, 20 * 64 + 16 * 64 + 2 * perBlock + 2 * 64);
  assert.equal(paramLayout({ ...c, tieEmbeddings: false, positions: "rotary" }).size, 20 * 64 + 2 * perBlock + 2 * 64 + 20 * 64);
  assert.throws(() => transformerConfig({ vocabSize: 20, heads: 3 }), /heads \(3\) must divide dModel \(64\)/);
  assert.throws(() => transformerConfig({ vocabSize: 0 }), /vocabSize must be a positive integer/);
  assert.throws(() => transformerConfig({ vocabSize: 5, layerNormEps: 0 }), /layerNormEps must be a positive/);
  assert.throws(() => transformerConfig({ vocabSize: 5, positions: "alibi" as never }), /positions must be "learned" or "rotary"/);
  assert.throws(() => transformerConfig({ vocabSize: 5, dModel: 12, heads: 4, positions: "rotary" }), /even head size/);
  assert.throws(() => transformerConfig({ vocabSize: 5, dropout: 0.1 } as never), /unknown field "dropout"/);
  const model = Transformer.create({ vocabSize: 5, context: 4, dModel: 8, heads: 2, mlpHidden: 8 }, { rng: Rng.fromSeed(0) });
  assert.throws(() => model.forward(Int32Array.from([0, 5]), 1, 2), /token 5 at index 1 is outside the vocabulary/);
  assert.throws(() => model.forward(new Int32Array(5), 1, 5), /exceeds the context of 4/);
  assert.throws(() => model.backward(new Float64Array(3)), /call forward first/);
});

test("init: GPT-2's N(0, 0.02) weights, residual projections scaled by 1/√(2·layers), zero biases, unit LayerNorm gains; same seed, same params", () => {
  const config = { vocabSize: 50, context: 16, dModel: 64, heads: 4, mlpHidden: 256, layers: 2 };
  const m = Transformer.create(config, { rng: Rng.fromSeed(7) });
  const std = (a: Float32Array) => Math.sqrt(dot(a, a) / a.length);
  assert.ok(Math.abs(std(m.param("h.0.mlp.c_fc.weight")) - 0.02) < 0.001);
  assert.ok(Math.abs(std(m.param("h.1.attn.c_proj.weight")) - 0.01) < 0.001);
  assert.ok(m.param("h.0.attn.c_attn.bias").every((v) => v === 0));
  assert.ok(m.param("ln_f.weight").every((v) => v === 1));
  assert.deepEqual(Transformer.create(config, { rng: Rng.fromSeed(7) }).params, m.params);
});

test("Llama options: layout without the absent biases, SwiGLU's fused [gate | up], refusals name the field, the config survives JSON (saved runs)", () => {
  const c = transformerConfig({ vocabSize: 20, positions: "rotary", ...LLAMA });
  const names = [...paramLayout(c).slots.keys()];
  assert.ok(!names.some((n) => n.endsWith(".bias")), names.join(", "));
  assert.deepEqual(paramLayout(c).slots.get("h.0.mlp.c_fc.weight")!.shape, [64, 512]);
  const perBlock = 64 + 64 * 192 + 64 * 64 + 64 + 64 * 512 + 256 * 64;
  assert.equal(paramLayout(c).size, 20 * 64 + 2 * perBlock + 64);
  assert.throws(() => transformerConfig({ vocabSize: 5, norm: "batch" as never }), /norm must be "layer" or "rms"/);
  assert.throws(() => transformerConfig({ vocabSize: 5, mlp: "relu" as never }), /mlp must be "gelu" or "swiglu"/);
  assert.throws(() => transformerConfig({ vocabSize: 5, bias: 1 as never }), /bias must be a boolean/);
  assert.throws(() => transformerConfig({ vocabSize: 5, ropeTheta: -1 }), /ropeTheta must be a positive/);
  const m = Transformer.create({ vocabSize: 7, context: 6, dModel: 8, heads: 2, mlpHidden: 12, positions: "rotary", ...LLAMA }, { rng: Rng.fromSeed(3), std: 0.4 });
  assert.ok(m.param("ln_f.weight").every((v) => v === 1) && m.param("h.1.ln_2.weight").every((v) => v === 1));
  const again = new Transformer(JSON.parse(JSON.stringify(m.config)) as TransformerConfig, m.params.slice());
  assert.deepEqual(again.config, m.config);
  const tokens = Int32Array.from([1, 2, 3, 4]);
  assert.deepEqual(again.forward(tokens, 1, 4), m.forward(tokens, 1, 4));
});

test("RMSNorm hand case: x / √(mean(x²) + ε) · γ", () => {
  const m = Transformer.create({ vocabSize: 3, context: 2, layers: 1, dModel: 2, heads: 1, mlpHidden: 2, positions: "rotary", ...LLAMA }, { rng: Rng.fromSeed(0) });
  m.params.fill(0);
  m.param("wte.weight").set([3, 4, 0, 0, 0, 0]);
  m.param("ln_f.weight").set([1, 2]); // tied head: logits = ln_f(x) · wteᵀ, the block adds 0
  const logits = m.forward(Int32Array.from([0]), 1, 1);
  const r = 1 / Math.sqrt((9 + 16) / 2 + 1e-5);
  assert.ok(Math.abs(logits[0]! - (3 * r * 1 * 3 + 4 * r * 2 * 4)) < 1e-5);
});
