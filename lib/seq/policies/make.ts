import { Rng } from "../../random/rng.js";
import type { TransformerConfig } from "./config.js";
import type { GruConfig } from "./gru-config.js";
import { GruPolicy } from "./gru.js";
import type { TokenPolicy } from "./token-policy.js";
import { fastTransformer } from "./fast-transformer.js";

/** Options of a new token policy. */
export interface TokenPolicyOptions {
  /** Seeds the initialization (default 0). */
  readonly seed?: number;
}

/**
 * A new token policy of `kind` with a seeded initialization: a GPT-2-style
 * transformer (see {@link TransformerConfig}; the float32 wasm build,
 * `FastTransformer`, where WebAssembly SIMD runs and the sizes allow, else
 * the reference `Transformer`) or a GRU (see {@link GruConfig}).
 */
export function tokenPolicy(kind: "transformer", config: Partial<TransformerConfig> & { vocabSize: number }, options?: TokenPolicyOptions): TokenPolicy;
export function tokenPolicy(kind: "gru", config: Partial<GruConfig> & { vocabSize: number }, options?: TokenPolicyOptions): TokenPolicy;
export function tokenPolicy(kind: "transformer" | "gru", config: { vocabSize: number }, options: TokenPolicyOptions = {}): TokenPolicy {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new TypeError(`tokenPolicy: seed must be an integer, got ${String(seed)}`);
  const rng = Rng.fromSeed(seed);
  if (kind === "transformer") return fastTransformer(config as Partial<TransformerConfig> & { vocabSize: number }, { rng });
  if (kind === "gru") return GruPolicy.create(config as Partial<GruConfig> & { vocabSize: number }, { rng });
  throw new RangeError(`tokenPolicy: kind must be "transformer" or "gru", got ${JSON.stringify(kind)}`);
}
