import type { Rng } from "../../random/rng.js";
import { transformerVariant, type TransformerConfig } from "./config.js";

/** Where one named tensor lives in the flat parameter array (row-major). */
export interface TensorSlot {
  readonly offset: number;
  readonly shape: readonly number[];
  readonly size: number;
}

/**
 * The named tensors of a transformer in one flat Float32Array. Names and
 * shapes follow Hugging Face's GPT-2 (`wte.weight`, `h.{i}.attn.c_attn.weight`,
 * …), including its Conv1D layout: a projection weight is `[in, out]` and
 * y = x · W + b. `wpe.weight` is absent with rotary positions and
 * `lm_head.weight` ([vocab, dModel]) only when the embeddings are not tied.
 * The Llama options keep these names: with `norm: "rms"` the `ln_*.bias`
 * tensors are absent, with `bias: false` the projections' biases are, and
 * with `mlp: "swiglu"` `mlp.c_fc` is [dModel, 2·mlpHidden], gate columns
 * then up columns (one GEMM for both), `mlp.c_proj` the down projection.
 */
export interface ParamLayout {
  readonly slots: ReadonlyMap<string, TensorSlot>;
  readonly size: number;
}

/** Offsets of the tensors of one block, for the kernels; an absent bias (see {@link paramLayout}) is −1. */
export interface BlockSlots {
  ln1w: number; ln1b: number;
  attnW: number; attnB: number;
  attnProjW: number; attnProjB: number;
  ln2w: number; ln2b: number;
  fcW: number; fcB: number;
  mlpProjW: number; mlpProjB: number;
}

export function paramLayout(config: TransformerConfig): ParamLayout {
  const { vocabSize: V, context: T, dModel: D, mlpHidden: H } = config;
  const { norm, mlp, bias } = transformerVariant(config);
  const normBias = norm === "layer";
  const fcOut = mlp === "swiglu" ? 2 * H : H;
  const slots = new Map<string, TensorSlot>();
  let offset = 0;
  const add = (name: string, ...shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    slots.set(name, { offset, shape, size });
    offset += size;
  };
  add("wte.weight", V, D);
  if (config.positions === "learned") add("wpe.weight", T, D);
  for (let i = 0; i < config.layers; i++) {
    add(`h.${i}.ln_1.weight`, D);
    if (normBias) add(`h.${i}.ln_1.bias`, D);
    add(`h.${i}.attn.c_attn.weight`, D, 3 * D);
    if (bias) add(`h.${i}.attn.c_attn.bias`, 3 * D);
    add(`h.${i}.attn.c_proj.weight`, D, D);
    if (bias) add(`h.${i}.attn.c_proj.bias`, D);
    add(`h.${i}.ln_2.weight`, D);
    if (normBias) add(`h.${i}.ln_2.bias`, D);
    add(`h.${i}.mlp.c_fc.weight`, D, fcOut);
    if (bias) add(`h.${i}.mlp.c_fc.bias`, fcOut);
    add(`h.${i}.mlp.c_proj.weight`, H, D);
    if (bias) add(`h.${i}.mlp.c_proj.bias`, D);
  }
  add("ln_f.weight", D);
  if (normBias) add("ln_f.bias", D);
  if (!config.tieEmbeddings) add("lm_head.weight", V, D);
  return { slots, size: offset };
}

/** The view (not a copy) of tensor `name` in a flat array laid out by `layout` (params or grads). */
export function tensorView(layout: ParamLayout, flat: Float32Array, name: string): Float32Array {
  const { offset, size } = slotOf(layout, name);
  return flat.subarray(offset, offset + size);
}

export function slotOf(layout: ParamLayout, name: string): TensorSlot {
  const slot = layout.slots.get(name);
  if (slot === undefined) throw new RangeError(`no parameter named ${JSON.stringify(name)} (have: ${[...layout.slots.keys()].join(", ")})`);
  return slot;
}

export function blockSlots(layout: ParamLayout, i: number): BlockSlots {
  const o = (s: string) => slotOf(layout, `h.${i}.${s}`).offset;
  const ob = (s: string) => layout.slots.get(`h.${i}.${s}`)?.offset ?? -1;
  return {
    ln1w: o("ln_1.weight"), ln1b: ob("ln_1.bias"),
    attnW: o("attn.c_attn.weight"), attnB: ob("attn.c_attn.bias"),
    attnProjW: o("attn.c_proj.weight"), attnProjB: ob("attn.c_proj.bias"),
    ln2w: o("ln_2.weight"), ln2b: ob("ln_2.bias"),
    fcW: o("mlp.c_fc.weight"), fcB: ob("mlp.c_fc.bias"),
    mlpProjW: o("mlp.c_proj.weight"), mlpProjB: ob("mlp.c_proj.bias"),
  };
}

export interface TransformerInitOptions {
  /** The only source of randomness. */
  rng: Rng;
  /** Std of the weights and embeddings. Default 0.02 (GPT-2's initializer_range). */
  std?: number;
}

/**
 * GPT-2's initialization (Hugging Face's `GPT2PreTrainedModel._init_weights`):
 * weights and embeddings ~ N(0, std²), biases 0, LayerNorm gains 1; the two
 * projections into the residual stream (`attn.c_proj`, `mlp.c_proj`) use
 * std / √(2·layers). Draws only from `rng`, tensor by tensor in layout order.
 */
export function initTransformerParams(config: TransformerConfig, layout: ParamLayout, options: TransformerInitOptions): Float32Array {
  const { rng, std = 0.02 } = options;
  if (!(std >= 0) || !Number.isFinite(std)) throw new RangeError(`init std must be a finite number ≥ 0, got ${std}`);
  const params = new Float32Array(layout.size);
  const residualStd = std / Math.sqrt(2 * config.layers);
  for (const [name, { offset, size }] of layout.slots) {
    const view = params.subarray(offset, offset + size);
    if (name.endsWith(".bias")) continue;
    if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) view.fill(1);
    else {
      const s = /c_proj\.weight$/.test(name) ? residualStd : std;
      for (let k = 0; k < size; k++) view[k] = s * rng.normal();
    }
  }
  return params;
}
