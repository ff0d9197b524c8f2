// Hugging Face Llama checkpoints both ways against the real `transformers`
// (LlamaForCausalLM in torch, CPU): models transformers makes and saves with
// save_pretrained load here with the same logits, and ours load there with
// from_pretrained with the same logits (within 1e-4), tied and untied, with
// and without biases, default and other rope_theta. Python runs once
// (test/seq/policies/llama_interop.py) in the venv of scripts/python-env.sh.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Rng } from "../../../lib/random/rng.js";
import {
  configFromLlamaJson, fromLlamaFiles, llamaConfigJson, loadLlama, readSafetensors, saveLlama, toGpt2Files, toLlamaFiles, Transformer,
  writeSafetensors, type TransformerConfig,
} from "../../../lib/seq/policies/index.js";
import { interopPython } from "../../helpers/python-env.js";

const HELPER = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "test", "seq", "policies", "llama_interop.py");
const dir = mkdtempSync(join(tmpdir(), "trellis-llama-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const TOKENS = [[3, 1, 4, 1, 5, 9, 2, 6], [15, 0, 7, 7, 12, 8, 11, 2]];
const flat = Int32Array.from(TOKENS.flat());

function randomModel(over: Partial<TransformerConfig>, seed: number): Transformer {
  const config = {
    vocabSize: 16, context: 16, layers: 2, dModel: 32, heads: 4, mlpHidden: 48, positions: "rotary" as const,
    norm: "rms" as const, mlp: "swiglu" as const, bias: false, layerNormEps: 1e-6, tieEmbeddings: true, ...over,
  };
  const rng = Rng.fromSeed(seed);
  const m = Transformer.create(config, { rng });
  for (let i = 0; i < m.params.length; i++) m.params[i] = m.params[i]! + 0.3 * rng.normal();
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

test("in memory: save → load is the identity (tied/untied, with/without biases), config.json round-trips", () => {
  for (const over of [{ tieEmbeddings: true }, { tieEmbeddings: false, bias: true, ropeTheta: 500 }]) {
    const m = randomModel(over, 1);
    const files = toLlamaFiles(m);
    const back = fromLlamaFiles(files);
    assert.deepEqual(back.config, { ...m.config, ropeTheta: m.variant.ropeTheta });
    assert.deepEqual(back.params, m.params);
    assert.deepEqual(back.forward(flat, 2, 8), m.forward(flat, 2, 8));
    assert.deepEqual(configFromLlamaJson(llamaConfigJson(m.config)), back.config);
    assert.equal(readSafetensors(files.safetensors).tensors.has("lm_head.weight"), !m.config.tieEmbeddings);
  }
  // q/k/v and gate/up are the column blocks of our fused tensors, transposed (nn.Linear [out, in])
  const m = randomModel({}, 2);
  const { tensors } = readSafetensors(toLlamaFiles(m).safetensors);
  const k = tensors.get("model.layers.1.self_attn.k_proj.weight")!;
  const up = tensors.get("model.layers.0.mlp.up_proj.weight")!;
  assert.deepEqual(k.shape, [32, 32]);
  assert.deepEqual(up.shape, [48, 32]);
  assert.equal(k.data[5 * 32 + 3], m.param("h.1.attn.c_attn.weight")[3 * 96 + 32 + 5]);
  assert.equal(up.data[7 * 32 + 2], m.param("h.0.mlp.c_fc.weight")[2 * 96 + 48 + 7]);
  // Hugging Face's defaults for absent fields
  const c = configFromLlamaJson({ hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 12, vocab_size: 5 });
  assert.deepEqual(c, {
    vocabSize: 5, context: 2048, layers: 1, dModel: 8, heads: 2, mlpHidden: 12, positions: "rotary", tieEmbeddings: false,
    layerNormEps: 1e-6, norm: "rms", mlp: "swiglu", bias: false, ropeTheta: 10000,
  });
  assert.equal(configFromLlamaJson({ ...llamaConfigJson(m.config), rope_parameters: undefined, rope_theta: 321 }).ropeTheta, 321);
});

test("bad files and unsupported fields give clear errors naming the tensor or field", () => {
  const m = randomModel({}, 3);
  const json = llamaConfigJson(m.config);
  assert.throws(() => configFromLlamaJson({ ...json, num_key_value_heads: 2 }), /num_key_value_heads 2 ≠ num_attention_heads 4: grouped-query attention is not supported/);
  assert.throws(() => configFromLlamaJson({ ...json, rope_scaling: { type: "linear", factor: 2 } }), /rope_scaling .* is not supported/);
  assert.throws(() => configFromLlamaJson({ ...json, rope_parameters: { rope_type: "yarn", rope_theta: 10000, factor: 2 } }), /rope_parameters\.rope_type "yarn" is not supported/);
  assert.throws(() => configFromLlamaJson({ ...json, hidden_act: "gelu" }), /hidden_act "gelu" is not supported/);
  assert.throws(() => configFromLlamaJson({ ...json, head_dim: 16 }), /head_dim 16/);
  assert.throws(() => configFromLlamaJson({ ...json, model_type: "mistral" }), /model_type is "mistral"/);
  assert.throws(() => configFromLlamaJson({ ...json, attention_bias: true, mlp_bias: false }), /attention_bias true with mlp_bias false/);
  assert.throws(() => configFromLlamaJson({ ...json, hidden_size: "32" }), /hidden_size must be a number/);
  const files = toLlamaFiles(m);
  assert.throws(() => fromLlamaFiles({ ...files, config: { ...json, num_hidden_layers: 3 } }), /missing tensors model\.layers\.2\.input_layernorm\.weight/);
  assert.throws(() => fromLlamaFiles({ ...files, config: { ...json, intermediate_size: 40 } }), /model\.layers\.0\.mlp\.gate_proj\.weight has shape \[48,32\], expected \[40,32\]/);
  const { tensors } = readSafetensors(files.safetensors);
  tensors.set("model.layers.0.self_attn.q_proj.bias", { shape: [32], data: new Float32Array(32) });
  assert.throws(() => fromLlamaFiles({ config: json, safetensors: writeSafetensors(tensors) }), /unexpected tensor "model\.layers\.0\.self_attn\.q_proj\.bias"/);
  // the wrong layout for each format
  assert.throws(() => toLlamaFiles(Transformer.create({ vocabSize: 5, dModel: 8, heads: 2, positions: "rotary" }, { rng: Rng.fromSeed(0) })), /RMSNorm/);
  assert.throws(() => toLlamaFiles(randomModel({ positions: "learned" }, 4)), /rotary positions/);
  assert.throws(() => toGpt2Files(randomModel({ positions: "learned" }, 4)), /GPT-2 checkpoints have LayerNorm/);
});

test("transformers' LlamaForCausalLM ↔ ours: logits match within 1e-4 both ways (save_pretrained → loadLlama; saveLlama → from_pretrained; tied and untied)", (t) => {
  const py = interopPython();
  if ("skip" in py) {
    t.skip(py.skip);
    return;
  }
  const ours = [randomModel({ tieEmbeddings: true }, 5), randomModel({ tieEmbeddings: false, bias: true, ropeTheta: 1000 }, 6)];
  ours.forEach((m, i) => saveLlama(m, join(dir, `ours-${i}`)));
  const base = { vocab_size: 16, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, num_attention_heads: 4, max_position_embeddings: 16 };
  const made = [
    { dir: join(dir, "theirs-0"), seed: 0, tokens: TOKENS, config: { ...base, tie_word_embeddings: false } },
    { dir: join(dir, "theirs-1"), seed: 1, tokens: TOKENS, config: { ...base, tie_word_embeddings: true, rope_theta: 500, attention_bias: true, mlp_bias: true, rms_norm_eps: 1e-5 } },
  ];
  const job = { make: made, load: ours.map((_, i) => ({ dir: join(dir, `ours-${i}`), tokens: TOKENS })), out: join(dir, "out.json") };
  writeFileSync(join(dir, "job.json"), JSON.stringify(job));
  const r = spawnSync(py.python, [HELPER, join(dir, "job.json")], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `python failed: ${r.stderr}`);
  const out = JSON.parse(readFileSync(join(dir, "out.json"), "utf8")) as { made: number[][][][]; loaded: { logits: number[][][]; tied: boolean }[] };
  const theirs = made.map((x) => loadLlama(x.dir));
  assert.equal(theirs[0]!.config.tieEmbeddings, false);
  assert.equal(theirs[1]!.config.tieEmbeddings, true);
  assert.equal(theirs[1]!.config.ropeTheta, 500);
  assert.equal(theirs[1]!.config.bias, true);
  assert.equal(theirs[1]!.config.layerNormEps, 1e-5);
  theirs.forEach((m, i) => {
    const d = maxDiff(m.forward(flat, 2, 8), out.made[i]!.flat(2));
    assert.ok(d < 1e-4, `transformers (made ${i}) → ours: max |Δlogit| ${d}`);
  });
  ours.forEach((m, i) => {
    const d = maxDiff(m.forward(flat, 2, 8), out.loaded[i]!.logits.flat(2));
    assert.ok(d < 1e-4, `ours (tied ${m.config.tieEmbeddings}) → transformers: max |Δlogit| ${d}`);
    assert.equal(out.loaded[i]!.tied, m.config.tieEmbeddings);
  });
  // not vacuous: the logits are O(1)
  for (const logits of [...out.made, ...out.loaded.map((l) => l.logits)]) {
    const spread = maxDiff(logits.flat(2), new Array(2 * 8 * 16).fill(0));
    assert.ok(spread > 0.5, `logits too small to test (${spread})`);
  }
});
