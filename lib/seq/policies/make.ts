import { Rng } from "../../random/rng.js";
import type { TransformerConfig } from "./config.js";
import type { GruConfig } from "./gru-config.js";
import { GruPolicy } from "./gru.js";
import type { TokenPolicy } from "./token-policy.js";
import { fastTransformer } from "./fast-transformer.js";
import { HostedTransformer } from "./hosted-transformer.js";

/** Options of a new token policy. */
export interface TokenPolicyOptions {
  /** Seeds the initialization (default 0). */
  readonly seed?: number;
  /**
   * The fast transformer's forward, backward and sampling decoder on 1
   * thread or 2 (a helper thread on shared wasm memory; the same numbers
   * either way). Default 1: 2 pays (~1.2–1.3× GRPO steps/s here) when the
   * second core is free and costs when it is busy.
   */
  readonly threads?: 1 | 2;
  /**
   * What computes a transformer: "kernels" (default), the fused float32 wasm
   * kernels on this thread (the reference where they cannot run); "tfjs",
   * TensorFlow.js in a worker on the best backend present (WebGPU on a GPU
   * machine, else wasm; `HostedTransformer`, see docs/gpu.md).
   */
  readonly engine?: TokenPolicyEngine;
}

/** See {@link TokenPolicyOptions.engine}. */
export type TokenPolicyEngine = "kernels" | "tfjs";

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
  if (options.threads !== undefined && options.threads !== 1 && options.threads !== 2) throw new RangeError(`tokenPolicy: threads must be 1 or 2, got ${String(options.threads)}`);
  const engine = options.engine ?? "kernels";
  if (engine !== "kernels" && engine !== "tfjs") throw new RangeError(`tokenPolicy: engine must be "kernels" or "tfjs", got ${JSON.stringify(engine)}`);
  if (engine === "tfjs") {
    if (kind !== "transformer") throw new RangeError(`tokenPolicy: engine "tfjs" runs transformers only, got kind ${JSON.stringify(kind)}`);
    if (options.threads !== undefined) throw new RangeError('tokenPolicy: threads applies to engine "kernels" only (the tfjs engine runs in its own worker)');
    return HostedTransformer.create(config as Partial<TransformerConfig> & { vocabSize: number }, { rng });
  }
  if (kind === "transformer") return fastTransformer(config as Partial<TransformerConfig> & { vocabSize: number }, { rng, ...(options.threads ? { threads: options.threads } : {}) });
  if (kind === "gru") return GruPolicy.create(config as Partial<GruConfig> & { vocabSize: number }, { rng });
  throw new RangeError(`tokenPolicy: kind must be "transformer" or "gru", got ${JSON.stringify(kind)}`);
}
