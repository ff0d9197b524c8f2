/** How a {@link TransformerConfig} encodes positions. */
export type PositionEncoding =
  /** GPT-2: a learned `[context, dModel]` table added to the token embedding. */
  | "learned"
  /** RoFormer/GPT-NeoX rotary embeddings on each head's queries and keys (rotate-half pairing, base 10000); no position table. */
  | "rotary";

/**
 * The shape of a decoder-only transformer policy (GPT-2 style, pre-norm; Llama
 * style with the optional `norm`, `mlp`, `bias` and `ropeTheta`).
 * Defaults ({@link DEFAULT_TRANSFORMER_CONFIG}) are tiny: 2 layers, d 64,
 * 4 heads, MLP 256, context 16.
 */
export interface TransformerConfig {
  /** Number of token ids (ids are 0 … vocabSize − 1). */
  vocabSize: number;
  /** The most positions a sequence may have (GPT-2's n_positions). */
  context: number;
  /** Number of transformer blocks (n_layer). */
  layers: number;
  /** Width of the residual stream (n_embd). */
  dModel: number;
  /** Attention heads per block (n_head); must divide dModel. */
  heads: number;
  /** Hidden width of each block's MLP (n_inner; GPT-2 uses 4·dModel). */
  mlpHidden: number;
  positions: PositionEncoding;
  /** logits = x · wteᵀ (GPT-2) instead of a separate `lm_head.weight`. */
  tieEmbeddings: boolean;
  /** ε of every LayerNorm, or of every RMSNorm with `norm: "rms"` (layer_norm_epsilon, rms_norm_eps). */
  layerNormEps: number;
  /**
   * The normalization before each sublayer and before the head. Absent:
   * "layer" (GPT-2's LayerNorm with gain and bias); "rms" is Llama's RMSNorm
   * x / √(mean(x²) + ε) · γ, gain only.
   */
  norm?: NormKind;
  /**
   * The MLP. Absent: "gelu" (GPT-2: c_proj(gelu_new(c_fc(x)))); "swiglu" is
   * Llama's down(silu(gate(x)) ⊙ up(x)), hidden width mlpHidden.
   */
  mlp?: MlpKind;
  /** Whether the attention and MLP projections have biases. Absent: true (GPT-2); Llama has none. */
  bias?: boolean;
  /** The rotary frequency base (rope_theta). Absent: 10000. */
  ropeTheta?: number;
}

/** See {@link TransformerConfig.norm}. */
export type NormKind = "layer" | "rms";
/** See {@link TransformerConfig.mlp}. */
export type MlpKind = "gelu" | "swiglu";

/** The optional fields with their defaults filled in: what the kernels read. */
export interface TransformerVariant {
  norm: NormKind;
  mlp: MlpKind;
  bias: boolean;
  ropeTheta: number;
}

export function transformerVariant(config: TransformerConfig): TransformerVariant {
  return { norm: config.norm ?? "layer", mlp: config.mlp ?? "gelu", bias: config.bias ?? true, ropeTheta: config.ropeTheta ?? 10000 };
}

export const DEFAULT_TRANSFORMER_CONFIG: Readonly<Omit<TransformerConfig, "vocabSize">> = Object.freeze({
  context: 16,
  layers: 2,
  dModel: 64,
  heads: 4,
  mlpHidden: 256,
  positions: "learned",
  tieEmbeddings: true,
  layerNormEps: 1e-5,
});

/** A full config from `vocabSize` and any overrides of the defaults; throws on a bad value (see {@link validateTransformerConfig}). */
export function transformerConfig(partial: Partial<TransformerConfig> & { vocabSize: number }): TransformerConfig {
  const config: TransformerConfig = { ...DEFAULT_TRANSFORMER_CONFIG, ...partial };
  validateTransformerConfig(config);
  return config;
}

const POSITIVE_INTS = ["vocabSize", "context", "layers", "dModel", "heads", "mlpHidden"] as const;
// The optional fields stay out of DEFAULT_TRANSFORMER_CONFIG so GPT-2 configs (and saved runs) keep their exact shape.
const KEYS = new Set<string>([...POSITIVE_INTS, "positions", "tieEmbeddings", "layerNormEps", "norm", "mlp", "bias", "ropeTheta"]);

/** Throws a RangeError naming the field when `config` is not a valid {@link TransformerConfig}. */
export function validateTransformerConfig(config: TransformerConfig): void {
  if (typeof config !== "object" || config === null) throw new TypeError(`a transformer config is an object, got ${String(config)}`);
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key)) throw new RangeError(`transformer config: unknown field ${JSON.stringify(key)} (known: ${[...KEYS].join(", ")})`);
  }
  for (const key of POSITIVE_INTS) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`transformer config: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (config.vocabSize > 2 ** 31 - 1) throw new RangeError(`transformer config: vocabSize must fit an Int32 token id, got ${config.vocabSize}`);
  if (config.dModel % config.heads !== 0) {
    throw new RangeError(`transformer config: heads (${config.heads}) must divide dModel (${config.dModel})`);
  }
  if (config.positions !== "learned" && config.positions !== "rotary") {
    throw new RangeError(`transformer config: positions must be "learned" or "rotary", got ${JSON.stringify(config.positions)}`);
  }
  if (config.positions === "rotary" && (config.dModel / config.heads) % 2 !== 0) {
    throw new RangeError(`transformer config: rotary positions need an even head size, got dModel/heads = ${config.dModel / config.heads}`);
  }
  if (typeof config.tieEmbeddings !== "boolean") {
    throw new RangeError(`transformer config: tieEmbeddings must be a boolean, got ${JSON.stringify(config.tieEmbeddings)}`);
  }
  if (typeof config.layerNormEps !== "number" || !(config.layerNormEps > 0) || !Number.isFinite(config.layerNormEps)) {
    throw new RangeError(`transformer config: layerNormEps must be a positive finite number, got ${JSON.stringify(config.layerNormEps)}`);
  }
  if (config.norm !== undefined && config.norm !== "layer" && config.norm !== "rms") {
    throw new RangeError(`transformer config: norm must be "layer" or "rms", got ${JSON.stringify(config.norm)}`);
  }
  if (config.mlp !== undefined && config.mlp !== "gelu" && config.mlp !== "swiglu") {
    throw new RangeError(`transformer config: mlp must be "gelu" or "swiglu", got ${JSON.stringify(config.mlp)}`);
  }
  if (config.bias !== undefined && typeof config.bias !== "boolean") {
    throw new RangeError(`transformer config: bias must be a boolean, got ${JSON.stringify(config.bias)}`);
  }
  if (config.ropeTheta !== undefined && (typeof config.ropeTheta !== "number" || !(config.ropeTheta > 0) || !Number.isFinite(config.ropeTheta))) {
    throw new RangeError(`transformer config: ropeTheta must be a positive finite number, got ${JSON.stringify(config.ropeTheta)}`);
  }
}
