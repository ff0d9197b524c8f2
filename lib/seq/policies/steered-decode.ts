/**
 * Decoding where something other than the policy's own distribution picks
 * each next token: the policy and any companion models (a length predictor,
 * a token-level Q) decode the same rows in lock step, and `choose` sees the
 * row's log-probabilities under the policy and every companion's output row,
 * and returns the token. Budget guidance and value-guided token selection
 * are its two users.
 */
import type { TokenPolicy } from "./token-policy.js";
import { logSoftmax } from "./logprobs.js";

export interface SteeredStep {
  /** The row (prompt index). */
  readonly row: number;
  /** The completion's tokens so far. */
  readonly written: readonly number[];
  /** log π(· | prefix), vocabulary-sized (overwritten at the next step). */
  readonly logp: Float64Array;
  /** Each companion's output for this row: its logits array and where the row starts in it. */
  readonly companions: readonly { readonly out: Float64Array; readonly offset: number }[];
}

export interface SteeredCompletion {
  readonly tokens: Int32Array;
  readonly finish: "stop" | "length";
}

/** Decodes `prompts` with `policy` and `companions` in lock step; `choose` picks every completion token. Rows stop at `stopToken`, `maxNewTokens` or a full context. */
export function steeredDecode(policy: TokenPolicy, companions: readonly TokenPolicy[], prompts: readonly Int32Array[], options: { maxNewTokens: number; stopToken: number }, choose: (step: SteeredStep) => number): SteeredCompletion[] {
  const { maxNewTokens, stopToken } = options;
  const n = prompts.length;
  if (n === 0) return [];
  const V = policy.vocabSize;
  const context = Math.min(policy.context, ...companions.map((c) => c.context));
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new RangeError(`steeredDecode: prompt ${i} is empty`);
    if (p.length >= context) throw new RangeError(`steeredDecode: prompt ${i} has ${p.length} tokens, no room left in the context of ${context}`);
  });
  const decoder = policy.decoder(n);
  const others = companions.map((c) => ({ decoder: c.decoder(n), out: new Float64Array(n * c.vocabSize), width: c.vocabSize }));
  try {
    const logits = new Float64Array(n * V);
    const input = new Int32Array(n);
    const active = new Uint8Array(n).fill(1);
    const tokens: number[][] = prompts.map(() => []);
    const finish: ("stop" | "length")[] = prompts.map(() => "length");
    const lp = new Float64Array(V);
    let left = n;
    for (let s = 0; left > 0; s++) {
      for (let r = 0; r < n; r++) if (active[r]) input[r] = s < prompts[r]!.length ? prompts[r]![s]! : tokens[r]![tokens[r]!.length - 1]!;
      decoder.step(input, active, logits);
      for (const o of others) o.decoder.step(input, active, o.out);
      for (let r = 0; r < n; r++) {
        if (!active[r] || s < prompts[r]!.length - 1) continue;
        logSoftmax(logits, r * V, V, 1, lp);
        const next = choose({ row: r, written: tokens[r]!, logp: lp, companions: others.map((o) => ({ out: o.out, offset: r * o.width })) });
        if (!(Number.isInteger(next) && next >= 0 && next < V)) throw new RangeError(`steeredDecode: choose returned ${next}, not a token id in [0, ${V})`);
        tokens[r]!.push(next);
        const stopped = next === stopToken;
        if (stopped || tokens[r]!.length === maxNewTokens || prompts[r]!.length + tokens[r]!.length >= context) {
          if (stopped) finish[r] = "stop";
          active[r] = 0;
          left--;
        }
      }
    }
    return tokens.map((t, r) => ({ tokens: Int32Array.from(t), finish: finish[r]! }));
  } finally {
    decoder.close?.();
    for (const o of others) o.decoder.close?.();
  }
}
