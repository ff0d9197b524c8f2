/**
 * The shape of a GRU token policy: a token embedding, `layers` stacked GRU
 * layers (PyTorch's nn.GRU), a linear head to the logits. Defaults
 * ({@link DEFAULT_GRU_CONFIG}) are tiny: embedding 32, hidden 128, 1 layer,
 * untied head, no bound on the sequence length.
 */
export interface GruConfig {
  /** Number of token ids (ids are 0 … vocabSize − 1). */
  vocabSize: number;
  /** Width of the token embedding (nn.GRU's input_size). */
  embedSize: number;
  /** Width of each layer's hidden state (nn.GRU's hidden_size). */
  hiddenSize: number;
  /** Stacked GRU layers (nn.GRU's num_layers). */
  layers: number;
  /** The head reuses the embedding as its weight (`head.weight = embedding.weight`); needs embedSize = hiddenSize. The head keeps its own bias. */
  tieHead: boolean;
  /** The most positions a sequence may have: Infinity (the default) or a positive integer. */
  context: number;
}

export const DEFAULT_GRU_CONFIG: Readonly<Omit<GruConfig, "vocabSize">> = Object.freeze({
  embedSize: 32,
  hiddenSize: 128,
  layers: 1,
  tieHead: false,
  context: Infinity,
});

/** A full config from `vocabSize` and any overrides of the defaults; throws on a bad value (see {@link validateGruConfig}). */
export function gruConfig(partial: Partial<GruConfig> & { vocabSize: number }): GruConfig {
  if (typeof partial !== "object" || partial === null) throw new TypeError(`a GRU config is an object, got ${String(partial)}`);
  const config: GruConfig = { ...DEFAULT_GRU_CONFIG, ...partial };
  validateGruConfig(config);
  return config;
}

const POSITIVE_INTS = ["vocabSize", "embedSize", "hiddenSize", "layers"] as const;
const KEYS = new Set<string>([...POSITIVE_INTS, "tieHead", "context"]);

/** Throws a RangeError naming the field when `config` is not a valid {@link GruConfig}. */
export function validateGruConfig(config: GruConfig): void {
  if (typeof config !== "object" || config === null) throw new TypeError(`a GRU config is an object, got ${String(config)}`);
  for (const key of Object.keys(config)) {
    if (!KEYS.has(key)) throw new RangeError(`GRU config: unknown field ${JSON.stringify(key)} (known: ${[...KEYS].join(", ")})`);
  }
  for (const key of POSITIVE_INTS) {
    const v = config[key];
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`GRU config: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (config.vocabSize > 2 ** 31 - 1) throw new RangeError(`GRU config: vocabSize must fit an Int32 token id, got ${config.vocabSize}`);
  if (typeof config.tieHead !== "boolean") throw new RangeError(`GRU config: tieHead must be a boolean, got ${JSON.stringify(config.tieHead)}`);
  if (config.tieHead && config.embedSize !== config.hiddenSize) {
    throw new RangeError(`GRU config: tieHead needs embedSize = hiddenSize, got embedSize ${config.embedSize} and hiddenSize ${config.hiddenSize}`);
  }
  const c = config.context;
  if (c !== Infinity && !(Number.isInteger(c) && c >= 1)) {
    throw new RangeError(`GRU config: context must be a positive integer or Infinity, got ${typeof c === "number" ? String(c) : JSON.stringify(c)}`);
  }
}
