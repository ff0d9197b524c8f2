import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { transformerConfig, transformerVariant, type TransformerConfig } from "./config.js";
import { paramLayout, slotOf, type ParamLayout } from "./layout.js";
import { readSafetensors, writeSafetensors, type SafeTensor } from "./safetensors.js";
import { Transformer } from "./transformer.js";

/**
 * Hugging Face Llama checkpoints: a folder with `config.json` and
 * `model.safetensors`, as `LlamaForCausalLM.save_pretrained(dir)` writes and
 * `from_pretrained(dir)` reads. Our model runs them with `norm: "rms"`,
 * `mlp: "swiglu"`, rotary positions and biases as `attention_bias`/`mlp_bias`
 * say. Llama's projections are nn.Linear ([out, in]), ours Conv1D ([in, out]),
 * and ours fuse q|k|v into `attn.c_attn` and gate|up into `mlp.c_fc`, so
 * those tensors are transposed and split or joined on the way. Grouped-query
 * attention and rope scaling are refused.
 */
export interface LlamaFiles {
  /** config.json's object. */
  config: Record<string, unknown>;
  /** model.safetensors's bytes. */
  safetensors: Uint8Array;
}

/** One Hugging Face tensor and where it lives in our layout. */
interface Mapping {
  hf: string;
  /** The Hugging Face shape. */
  shape: number[];
  ours: string;
  /**
   * true: an nn.Linear weight [out, in] stored as columns col … col + out of
   * our [in, width] slot; false: copied as is to slot offset + col.
   */
  linear: boolean;
  col: number;
}

function llamaMappings(config: TransformerConfig, layout: ParamLayout): Mapping[] {
  const { vocabSize: V, dModel: D, mlpHidden: H } = config;
  const { bias } = transformerVariant(config);
  const m: Mapping[] = [{ hf: "model.embed_tokens.weight", shape: [V, D], ours: "wte.weight", linear: false, col: 0 }];
  for (let i = 0; i < config.layers; i++) {
    const hf = `model.layers.${i}.`;
    const h = `h.${i}.`;
    m.push({ hf: `${hf}input_layernorm.weight`, shape: [D], ours: `${h}ln_1.weight`, linear: false, col: 0 });
    ["q", "k", "v"].forEach((x, j) => {
      m.push({ hf: `${hf}self_attn.${x}_proj.weight`, shape: [D, D], ours: `${h}attn.c_attn.weight`, linear: true, col: j * D });
      if (bias) m.push({ hf: `${hf}self_attn.${x}_proj.bias`, shape: [D], ours: `${h}attn.c_attn.bias`, linear: false, col: j * D });
    });
    m.push({ hf: `${hf}self_attn.o_proj.weight`, shape: [D, D], ours: `${h}attn.c_proj.weight`, linear: true, col: 0 });
    if (bias) m.push({ hf: `${hf}self_attn.o_proj.bias`, shape: [D], ours: `${h}attn.c_proj.bias`, linear: false, col: 0 });
    m.push({ hf: `${hf}post_attention_layernorm.weight`, shape: [D], ours: `${h}ln_2.weight`, linear: false, col: 0 });
    ["gate", "up"].forEach((x, j) => {
      m.push({ hf: `${hf}mlp.${x}_proj.weight`, shape: [H, D], ours: `${h}mlp.c_fc.weight`, linear: true, col: j * H });
      if (bias) m.push({ hf: `${hf}mlp.${x}_proj.bias`, shape: [H], ours: `${h}mlp.c_fc.bias`, linear: false, col: j * H });
    });
    m.push({ hf: `${hf}mlp.down_proj.weight`, shape: [D, H], ours: `${h}mlp.c_proj.weight`, linear: true, col: 0 });
    if (bias) m.push({ hf: `${hf}mlp.down_proj.bias`, shape: [D], ours: `${h}mlp.c_proj.bias`, linear: false, col: 0 });
  }
  m.push({ hf: "model.norm.weight", shape: [D], ours: "ln_f.weight", linear: false, col: 0 });
  if (!config.tieEmbeddings) m.push({ hf: "lm_head.weight", shape: [V, D], ours: "lm_head.weight", linear: false, col: 0 });
  // every value of our layout is written by exactly one mapping
  let covered = 0;
  for (const x of m) covered += x.shape.reduce((a, b) => a * b, 1);
  if (covered !== layout.size) throw new Error(`Llama mapping covers ${covered} of ${layout.size} parameters (a bug)`);
  return m;
}

/** config.json for `config` (a LlamaForCausalLM): rotary positions, RMSNorm and SwiGLU required. */
export function llamaConfigJson(config: TransformerConfig): Record<string, unknown> {
  const v = transformerVariant(config);
  if (config.positions !== "rotary") throw new RangeError(`Llama checkpoints have rotary positions; this model uses ${JSON.stringify(config.positions)}`);
  if (v.norm !== "rms") throw new RangeError(`Llama checkpoints use RMSNorm (norm "rms"); this model uses ${JSON.stringify(v.norm)}`);
  if (v.mlp !== "swiglu") throw new RangeError(`Llama checkpoints use a SwiGLU MLP (mlp "swiglu"); this model uses ${JSON.stringify(v.mlp)}`);
  return {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    vocab_size: config.vocabSize,
    hidden_size: config.dModel,
    intermediate_size: config.mlpHidden,
    num_hidden_layers: config.layers,
    num_attention_heads: config.heads,
    num_key_value_heads: config.heads,
    head_dim: config.dModel / config.heads,
    max_position_embeddings: config.context,
    rms_norm_eps: config.layerNormEps,
    rope_parameters: { rope_type: "default", rope_theta: v.ropeTheta },
    hidden_act: "silu",
    attention_bias: v.bias,
    mlp_bias: v.bias,
    tie_word_embeddings: config.tieEmbeddings,
    attention_dropout: 0,
    initializer_range: 0.02,
    dtype: "float32",
  };
}

/** Our config from a Llama config.json object; refuses (naming the field) what our model does not compute. */
export function configFromLlamaJson(json: Record<string, unknown>): TransformerConfig {
  const num = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    if (typeof v !== "number") throw new RangeError(`Llama config.json: ${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = json[key] ?? fallback;
    if (typeof v !== "boolean") throw new RangeError(`Llama config.json: ${key} must be a boolean, got ${JSON.stringify(v)}`);
    return v;
  };
  if (json.model_type !== undefined && json.model_type !== "llama") throw new RangeError(`Llama config.json: model_type is ${JSON.stringify(json.model_type)}, not "llama"`);
  const act = json.hidden_act ?? "silu";
  if (act !== "silu") throw new RangeError(`Llama config.json: hidden_act ${JSON.stringify(act)} is not supported (only "silu")`);
  const dModel = num("hidden_size");
  const heads = num("num_attention_heads");
  const kvHeads = json.num_key_value_heads ?? heads;
  if (kvHeads !== heads) {
    throw new RangeError(`Llama config.json: num_key_value_heads ${JSON.stringify(kvHeads)} ≠ num_attention_heads ${heads}: grouped-query attention is not supported`);
  }
  if (json.head_dim !== undefined && json.head_dim !== null && json.head_dim !== dModel / heads) {
    throw new RangeError(`Llama config.json: head_dim ${JSON.stringify(json.head_dim)} ≠ hidden_size / num_attention_heads = ${dModel / heads} is not supported`);
  }
  if (json.rope_scaling !== undefined && json.rope_scaling !== null) {
    throw new RangeError(`Llama config.json: rope_scaling ${JSON.stringify(json.rope_scaling)} is not supported (only plain rotary positions)`);
  }
  let ropeTheta = num("rope_theta", 10000);
  const rope = json.rope_parameters;
  if (rope !== undefined && rope !== null) {
    if (typeof rope !== "object" || Array.isArray(rope)) throw new RangeError(`Llama config.json: rope_parameters must be an object, got ${JSON.stringify(rope)}`);
    const r = rope as Record<string, unknown>;
    const type = r.rope_type ?? r.type ?? "default";
    if (type !== "default") throw new RangeError(`Llama config.json: rope_parameters.rope_type ${JSON.stringify(type)} is not supported (only "default")`);
    if (r.partial_rotary_factor !== undefined && r.partial_rotary_factor !== 1) {
      throw new RangeError(`Llama config.json: rope_parameters.partial_rotary_factor ${JSON.stringify(r.partial_rotary_factor)} is not supported (only 1)`);
    }
    if (r.rope_theta !== undefined) {
      if (typeof r.rope_theta !== "number") throw new RangeError(`Llama config.json: rope_parameters.rope_theta must be a number, got ${JSON.stringify(r.rope_theta)}`);
      ropeTheta = r.rope_theta;
    }
  }
  const attnBias = bool("attention_bias", false);
  const mlpBias = bool("mlp_bias", false);
  if (attnBias !== mlpBias) throw new RangeError(`Llama config.json: attention_bias ${attnBias} with mlp_bias ${mlpBias} is not supported (both true or both false)`);
  return transformerConfig({
    vocabSize: num("vocab_size"),
    context: num("max_position_embeddings", 2048),
    layers: num("num_hidden_layers"),
    dModel,
    heads,
    mlpHidden: num("intermediate_size"),
    positions: "rotary",
    tieEmbeddings: bool("tie_word_embeddings", false),
    layerNormEps: num("rms_norm_eps", 1e-6),
    norm: "rms",
    mlp: "swiglu",
    bias: attnBias,
    ropeTheta,
  });
}

/** The checkpoint of `model` in memory. */
export function toLlamaFiles(model: Transformer): LlamaFiles {
  const config = llamaConfigJson(model.config);
  const tensors = new Map<string, SafeTensor>();
  const p = model.params;
  for (const m of llamaMappings(model.config, model.layout)) {
    const slot = slotOf(model.layout, m.ours);
    if (!m.linear) {
      const size = m.shape.reduce((a, b) => a * b, 1);
      tensors.set(m.hf, { shape: [...m.shape], data: p.slice(slot.offset + m.col, slot.offset + m.col + size) });
      continue;
    }
    const [out, inSize] = m.shape as [number, number];
    const width = slot.shape[1]!;
    const data = new Float32Array(out * inSize);
    for (let o = 0; o < out; o++) for (let i = 0; i < inSize; i++) data[o * inSize + i] = p[slot.offset + i * width + m.col + o]!;
    tensors.set(m.hf, { shape: [...m.shape], data });
  }
  return { config, safetensors: writeSafetensors(tensors, { format: "pt" }) };
}

/**
 * A model from a checkpoint in memory. `lm_head.weight` is ignored when the
 * embeddings are tied, as are the `rotary_emb.inv_freq` buffers of old
 * checkpoints; a missing, misshapen or unknown tensor is an error naming it.
 */
export function fromLlamaFiles(files: LlamaFiles): Transformer {
  const config = configFromLlamaJson(files.config);
  const { tensors } = readSafetensors(files.safetensors);
  const layout = paramLayout(config);
  const byName = new Map(llamaMappings(config, layout).map((m) => [m.hf, m]));
  const params = new Float32Array(layout.size);
  const seen = new Set<string>();
  for (const [name, tensor] of tensors) {
    if (/^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/.test(name)) continue;
    if (name === "lm_head.weight" && config.tieEmbeddings) continue; // tied: the same values as embed_tokens
    const m = byName.get(name);
    if (m === undefined) throw new RangeError(`Llama checkpoint: unexpected tensor ${JSON.stringify(name)} for this config`);
    if (tensor.shape.length !== m.shape.length || tensor.shape.some((d, i) => d !== m.shape[i])) {
      throw new RangeError(`Llama checkpoint: ${name} has shape [${tensor.shape}], expected [${m.shape}]`);
    }
    const slot = slotOf(layout, m.ours);
    if (!m.linear) params.set(tensor.data, slot.offset + m.col);
    else {
      const [out, inSize] = m.shape as [number, number];
      const width = slot.shape[1]!;
      for (let o = 0; o < out; o++) for (let i = 0; i < inSize; i++) params[slot.offset + i * width + m.col + o] = tensor.data[o * inSize + i]!;
    }
    seen.add(name);
  }
  const missing = [...byName.keys()].filter((n) => !seen.has(n));
  if (missing.length > 0) throw new RangeError(`Llama checkpoint: missing tensors ${missing.join(", ")}`);
  return new Transformer(config, params);
}

/** Writes `dir/config.json` and `dir/model.safetensors` (creating `dir`). */
export function saveLlama(model: Transformer, dir: string): void {
  const { config, safetensors } = toLlamaFiles(model);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  writeFileSync(join(dir, "model.safetensors"), safetensors);
}

/** Reads a folder written by {@link saveLlama} or by Hugging Face's `save_pretrained`. */
export function loadLlama(dir: string): Transformer {
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  return fromLlamaFiles({ config, safetensors: new Uint8Array(readFileSync(join(dir, "model.safetensors"))) });
}
