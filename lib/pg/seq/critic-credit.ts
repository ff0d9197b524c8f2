import { explainedVariance } from "../../credit/gae.js";
import type { Moments } from "../../credit/running-moments.js";
import type { TokenGaeRuntime } from "../advantage/token-gae.js";
import { klEstimate, type KlEstimator } from "../divergence/kl.js";
import type { SampledCompletion } from "./learner.js";
import type { TokenCritic } from "./token-critic.js";

/** The KL penalty a critic's token rewards carry (the run's rl.div.kl({ in: "reward" })). */
export interface TokenKlPenalty {
  readonly coef: number;
  readonly estimator: KlEstimator;
}

/**
 * Credits a step's completions token by token with a critic (PPO-max): V_old
 * of every token from `critic` (chunks of 64 sequences), the per-token KL
 * estimate to the reference where `kl` is set (tokens the policy did not
 * sample, a hint's, carry none), then the runtime's scaled score and GAE.
 * Writes each completion's `values`, `returns` and `tokenAdvantages`, and as
 * its `advantage` that of its first token (how much better it went than the
 * critic expected from the prompt). Returns the moments after the step and
 * the step's metrics.
 */
export function criticCredit(
  completions: SampledCompletion[],
  critic: TokenCritic,
  runtime: TokenGaeRuntime,
  moments: Moments,
  kl: TokenKlPenalty | null,
  pad: number,
): { moments: Moments; metrics: Record<string, number> } {
  for (let start = 0; start < completions.length; start += 64) {
    const chunk = completions.slice(start, start + 64).filter((s) => s.tokens.length > 0);
    if (chunk.length === 0) continue;
    const values = critic.values(chunk, pad);
    let k = 0;
    for (const s of chunk) {
      s.values = values.slice(k, k + s.tokens.length);
      k += s.tokens.length;
    }
  }
  const values = completions.map((s) => s.values ?? new Float32Array(0));
  let klSum = 0;
  let klCount = 0;
  const perToken = kl
    ? completions.map((s) => {
        const out = new Float32Array(s.tokens.length);
        for (let t = 0; t < out.length; t++) {
          if (s.offPolicy?.[t]) continue;
          out[t] = klEstimate(kl.estimator, s.logp[t]!, s.refLogp![t]!).value;
          klSum += out[t]!;
          klCount++;
        }
        return out;
      })
    : null;
  const credit = runtime.credit({ scores: Float64Array.from(completions, (s) => s.reward), kl: perToken, klCoef: kl?.coef ?? 0, values }, moments);
  completions.forEach((s, i) => {
    s.tokenAdvantages = credit.advantages[i]!;
    s.returns = credit.returns[i]!;
    s.advantage = credit.advantages[i]![0] ?? 0;
  });
  const allValues = concat(values);
  const allReturns = concat(credit.returns);
  let valueSum = 0;
  for (const v of allValues) valueSum += v;
  return {
    moments: credit.moments,
    metrics: {
      ...credit.metrics,
      ...(kl ? { kl: klCount > 0 ? klSum / klCount : 0 } : {}),
      "critic/value_mean": allValues.length ? valueSum / allValues.length : 0,
      "critic/explainedVariance": allValues.length > 1 ? explainedVariance(allValues, allReturns) : 0,
    },
  };
}

function concat(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  let k = 0;
  for (const r of rows) {
    out.set(r, k);
    k += r.length;
  }
  return out;
}
