import type { TokenPolicy } from "../../seq/policies/token-policy.js";
import { packSequences } from "./pack.js";
import { packPrefixed } from "./prefix-pack.js";

/** A policy's logits over sequences (prompt + completion) and, per completion token, the row that predicts it. */
export interface CompletionLogits {
  readonly logits: Float32Array | Float64Array;
  /** Per completion token, in sequence order then token order: its row of `logits` (rows may repeat). */
  readonly rows: Int32Array;
  /** The completion tokens, in the same order. */
  readonly targets: Int32Array;
}

/**
 * One forward of `policy` over `sequences`, keeping what its backward needs:
 * each shared prompt computed once where the policy has
 * {@link TokenPolicy.forwardPrefixed}, else full right-padded rows.
 */
export function completionLogits(
  policy: TokenPolicy,
  sequences: readonly { readonly prompt: Int32Array; readonly tokens: Int32Array }[],
  pad: number,
): CompletionLogits {
  const targets = new Int32Array(sequences.reduce((n, s) => n + s.tokens.length, 0));
  let k = 0;
  for (const s of sequences) {
    targets.set(s.tokens, k);
    k += s.tokens.length;
  }
  if (policy.forwardPrefixed) {
    const pack = packPrefixed(sequences);
    return { logits: policy.forwardPrefixed(pack.input), rows: pack.rows, targets };
  }
  const pack = packSequences(sequences, pad);
  return { logits: policy.forward(pack.tokens, pack.batch, pack.length), rows: pack.positions, targets };
}
