/**
 * A token policy's kind and configuration as JSON, and the policy made again
 * from it and a parameter vector: what a sequence run's checkpoint keeps and
 * what actors that sample completions build their copy from.
 */
import { FastTransformer, fastTransformer } from "./fast-transformer.js";
import { GruPolicy } from "./gru.js";
import { HostedTransformer } from "./hosted-transformer.js";
import type { GruConfig } from "./gru-config.js";
import type { TransformerConfig } from "./config.js";
import type { TokenPolicy } from "./token-policy.js";
import { Transformer } from "./transformer.js";

export interface PolicyRecord {
  readonly kind: string;
  readonly config: unknown;
  /** The float32 build (FastTransformer) rather than the float64 reference. */
  readonly fast?: boolean;
  readonly threads?: 1 | 2;
  /** Computed by TensorFlow.js in a worker (HostedTransformer). */
  readonly engine?: "tfjs";
}

/** The record of `policy`; `what` names the caller in the error for kinds that have none. */
export function policyRecord(policy: TokenPolicy, what = "this"): PolicyRecord {
  const config = (policy as { config?: unknown }).config;
  if (policy.kind !== "transformer" && policy.kind !== "gru") throw new Error(`${what}: a ${policy.kind} policy cannot be described for saving or for actors yet (transformer and gru can)`);
  if (policy instanceof HostedTransformer) return { kind: policy.kind, config, engine: "tfjs" };
  return { kind: policy.kind, config, ...(policy instanceof FastTransformer ? { fast: true, threads: policy.threads } : {}) };
}

/** The policy a record describes, with `params`. */
export function policyFromRecord(record: PolicyRecord, params: Float32Array): TokenPolicy {
  if (record.kind === "transformer") {
    if (record.engine !== undefined && record.engine !== "tfjs") throw new RangeError(`a policy record's engine is "tfjs" or absent, got ${JSON.stringify(record.engine)}`);
    if (record.engine === "tfjs") return new HostedTransformer(record.config as TransformerConfig, params);
    const reference = new Transformer(record.config as TransformerConfig, params);
    // the float32 build where it ran (its numbers differ from the float64 reference's); where wasm SIMD is missing, the reference
    return record.fast ? fastTransformer(reference, record.threads === 2 ? { threads: 2 } : {}) : reference;
  }
  // JSON writes Infinity (an unbounded GRU context) as null
  if (record.kind === "gru") {
    const c = record.config as GruConfig & { context: number | null };
    return new GruPolicy({ ...c, context: c.context ?? Infinity }, params);
  }
  throw new Error(`a policy record names the kind ${JSON.stringify(record.kind)}; known: transformer, gru`);
}
