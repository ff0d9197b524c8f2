import type { Rng } from "../../random/rng.js";
import type { GruConfig } from "./gru-config.js";
import { slotOf, type ParamLayout } from "./layout.js";

/**
 * The named tensors of a GRU policy in one flat Float32Array, with the names
 * and shapes of a torch module holding `embedding = nn.Embedding(V, E)`,
 * `gru = nn.GRU(E, H, layers, batch_first=True)` and `head = nn.Linear(H, V)`:
 *
 *     embedding.weight       [V, E]
 *     gru.weight_ih_l{k}     [3H, E for k = 0, else H]   gates stacked r, z, n
 *     gru.weight_hh_l{k}     [3H, H]
 *     gru.bias_ih_l{k}       [3H]
 *     gru.bias_hh_l{k}       [3H]
 *     head.weight            [V, H]   absent when tied (the embedding serves)
 *     head.bias              [V]
 *
 * Weights are torch's [out, in]: y = x · Wᵀ + b.
 */
export function gruLayout(config: GruConfig): ParamLayout {
  const { vocabSize: V, embedSize: E, hiddenSize: H } = config;
  const slots = new Map<string, { offset: number; shape: number[]; size: number }>();
  let offset = 0;
  const add = (name: string, ...shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    slots.set(name, { offset, shape, size });
    offset += size;
  };
  add("embedding.weight", V, E);
  for (let k = 0; k < config.layers; k++) {
    add(`gru.weight_ih_l${k}`, 3 * H, k === 0 ? E : H);
    add(`gru.weight_hh_l${k}`, 3 * H, H);
    add(`gru.bias_ih_l${k}`, 3 * H);
    add(`gru.bias_hh_l${k}`, 3 * H);
  }
  if (!config.tieHead) add("head.weight", V, H);
  add("head.bias", V);
  return { slots, size: offset };
}

/** Offsets of one GRU layer's tensors, for the kernels. */
export interface GruLayerSlots {
  /** Input width of the layer (embedSize for layer 0, else hiddenSize). */
  inSize: number;
  wIh: number;
  wHh: number;
  bIh: number;
  bHh: number;
}

export function gruLayerSlots(layout: ParamLayout, config: GruConfig, k: number): GruLayerSlots {
  return {
    inSize: k === 0 ? config.embedSize : config.hiddenSize,
    wIh: slotOf(layout, `gru.weight_ih_l${k}`).offset,
    wHh: slotOf(layout, `gru.weight_hh_l${k}`).offset,
    bIh: slotOf(layout, `gru.bias_ih_l${k}`).offset,
    bHh: slotOf(layout, `gru.bias_hh_l${k}`).offset,
  };
}

/**
 * PyTorch's default initialization of those modules: the embedding ~ N(0, 1)
 * (nn.Embedding), every GRU weight and bias ~ U(−1/√H, 1/√H) (nn.GRU), the
 * head's weight and bias ~ U(−1/√H, 1/√H) (nn.Linear's bound for fan-in H).
 * Draws only from `rng`, tensor by tensor in layout order.
 */
export function initGruParams(config: GruConfig, layout: ParamLayout, options: { rng: Rng }): Float32Array {
  const { rng } = options;
  const params = new Float32Array(layout.size);
  const bound = 1 / Math.sqrt(config.hiddenSize);
  for (const [name, { offset, size }] of layout.slots) {
    const view = params.subarray(offset, offset + size);
    if (name === "embedding.weight") rng.fillNormal(view);
    else rng.fillUniform(view, -bound, bound);
  }
  return params;
}
