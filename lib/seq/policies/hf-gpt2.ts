import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { transformerConfig, transformerVariant, type TransformerConfig } from "./config.js";
import { paramLayout } from "./layout.js";
import { readSafetensors, writeSafetensors, type SafeTensor } from "./safetensors.js";
import { Transformer } from "./transformer.js";

/**
 * Hugging Face GPT-2 checkpoints: a folder with `config.json` and
 * `model.safetensors`, as `GPT2LMHeadModel.save_pretrained(dir,
 * safe_serialization=True)` writes and `from_pretrained(dir)` reads. Our
 * parameter names and shapes are GPT-2's own (Conv1D weights [in, out]), so
 * tensors map one to one; only learned positions can be saved.
 */
export interface Gpt2Files {
  /** config.json's object. */
  config: Record<string, unknown>;
  /** model.safetensors's bytes. */
  safetensors: Uint8Array;
}

/** config.json for `config` (a GPT2LMHeadModel; dropouts irrelevant at inference). */
export function gpt2ConfigJson(config: TransformerConfig): Record<string, unknown> {
  if (config.positions !== "learned") throw new RangeError(`GPT-2 checkpoints have learned positions; this model uses ${JSON.stringify(config.positions)}`);
  const v = transformerVariant(config);
  if (v.norm !== "layer" || v.mlp !== "gelu" || !v.bias) {
    throw new RangeError(`GPT-2 checkpoints have LayerNorm, a GELU MLP and biases; this model has norm ${JSON.stringify(v.norm)}, mlp ${JSON.stringify(v.mlp)}, bias ${v.bias} (see hf-llama.ts)`);
  }
  return {
    architectures: ["GPT2LMHeadModel"],
    model_type: "gpt2",
    vocab_size: config.vocabSize,
    n_positions: config.context,
    n_embd: config.dModel,
    n_layer: config.layers,
    n_head: config.heads,
    n_inner: config.mlpHidden,
    activation_function: "gelu_new",
    layer_norm_epsilon: config.layerNormEps,
    tie_word_embeddings: config.tieEmbeddings,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    initializer_range: 0.02,
    torch_dtype: "float32",
  };
}

/** Our config from a GPT-2 config.json object; refuses what our model does not compute. */
export function configFromGpt2Json(json: Record<string, unknown>): TransformerConfig {
  const num = (key: string): number => {
    const v = json[key];
    if (typeof v !== "number") throw new RangeError(`GPT-2 config.json: ${key} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  if (json.model_type !== undefined && json.model_type !== "gpt2") throw new RangeError(`GPT-2 config.json: model_type is ${JSON.stringify(json.model_type)}, not "gpt2"`);
  const act = json.activation_function ?? "gelu_new";
  if (act !== "gelu_new" && act !== "gelu_pytorch_tanh") throw new RangeError(`GPT-2 config.json: activation_function ${JSON.stringify(act)} is not supported (only the tanh GELU, "gelu_new")`);
  if (json.scale_attn_weights === false) throw new RangeError("GPT-2 config.json: scale_attn_weights false is not supported");
  if (json.scale_attn_by_inverse_layer_idx === true) throw new RangeError("GPT-2 config.json: scale_attn_by_inverse_layer_idx true is not supported");
  const dModel = num("n_embd");
  return transformerConfig({
    vocabSize: num("vocab_size"),
    context: num("n_positions"),
    layers: num("n_layer"),
    dModel,
    heads: num("n_head"),
    mlpHidden: json.n_inner === null || json.n_inner === undefined ? 4 * dModel : num("n_inner"),
    positions: "learned",
    tieEmbeddings: json.tie_word_embeddings === undefined ? true : json.tie_word_embeddings === true,
    layerNormEps: json.layer_norm_epsilon === undefined ? 1e-5 : num("layer_norm_epsilon"),
  });
}

/** The checkpoint of `model` in memory. */
export function toGpt2Files(model: Transformer): Gpt2Files {
  const config = gpt2ConfigJson(model.config);
  const tensors = new Map<string, SafeTensor>();
  for (const [name, { shape }] of model.layout.slots) tensors.set(name, { shape: [...shape], data: model.param(name).slice() });
  return { config, safetensors: writeSafetensors(tensors, { format: "pt" }) };
}

/**
 * A model from a checkpoint in memory. Names may carry GPT2LMHeadModel's
 * `transformer.` prefix; the causal-mask buffers of old checkpoints
 * (`h.{i}.attn.bias`, `h.{i}.attn.masked_bias`) are ignored; a missing,
 * misshapen or unknown tensor is an error.
 */
export function fromGpt2Files(files: Gpt2Files): Transformer {
  const config = configFromGpt2Json(files.config);
  const { tensors } = readSafetensors(files.safetensors);
  const layout = paramLayout(config);
  const params = new Float32Array(layout.size);
  const seen = new Set<string>();
  for (const [raw, tensor] of tensors) {
    const name = raw.startsWith("transformer.") ? raw.slice("transformer.".length) : raw;
    if (/^h\.\d+\.attn\.(bias|masked_bias)$/.test(name)) continue;
    if (name === "lm_head.weight" && config.tieEmbeddings) continue; // tied: the same values as wte
    const slot = layout.slots.get(name);
    if (slot === undefined) throw new RangeError(`GPT-2 checkpoint: unexpected tensor ${JSON.stringify(raw)} for this config`);
    if (tensor.shape.length !== slot.shape.length || tensor.shape.some((d, i) => d !== slot.shape[i])) {
      throw new RangeError(`GPT-2 checkpoint: ${raw} has shape [${tensor.shape}], expected [${slot.shape}]`);
    }
    params.set(tensor.data, slot.offset);
    seen.add(name);
  }
  const missing = [...layout.slots.keys()].filter((n) => !seen.has(n));
  if (missing.length > 0) throw new RangeError(`GPT-2 checkpoint: missing tensors ${missing.join(", ")}`);
  return new Transformer(config, params);
}

/** Writes `dir/config.json` and `dir/model.safetensors` (creating `dir`). */
export function saveGpt2(model: Transformer, dir: string): void {
  const { config, safetensors } = toGpt2Files(model);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  writeFileSync(join(dir, "model.safetensors"), safetensors);
}

/** Reads a folder written by {@link saveGpt2} or by Hugging Face's `save_pretrained`. */
export function loadGpt2(dir: string): Transformer {
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  return fromGpt2Files({ config, safetensors: new Uint8Array(readFileSync(join(dir, "model.safetensors"))) });
}
