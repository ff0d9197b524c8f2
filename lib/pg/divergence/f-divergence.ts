/**
 * Mass-covering divergences to a reference policy estimated from the
 * reference's OWN stored samples (DPH-RL, "The Choice of Divergence", arXiv
 * 2509.07430; `core_algos.py` of the official verl fork). With y ~ π_ref
 * and u = π_θ(y_t|·) / π_ref(y_t|·), each is E_ref[g(u)] for a generator g
 * with g(1) = 0 and g ≥ 0:
 *
 *   forward KL(π_ref ‖ π_θ):  g(u) = u − log u − 1                      ("forward")
 *   2·JS(π_ref, π_θ):         g(u) = u log u − (u + 1) log((u + 1)/2)   ("js")
 *   α-divergence:             g(u) = (u^(1−α) − (1 − α) u − α) / (α(α − 1))   ("alpha", α = 0.2)
 *
 * Reverse KL (`kl.ts`) reads the policy's own samples and pulls π_θ toward
 * the reference's modes; these read the reference's samples and keep mass on
 * every answer the reference could give (pass@k).
 */

export type FDivergenceKind = "forward" | "js" | "alpha";

/** g(u) of one reference token with log u = log π_θ − log π_ref, and ∂g/∂log π_θ = u·g'(u). */
export function fDivergenceGenerator(kind: FDivergenceKind, logp: number, refLogp: number, alpha = 0.2): { value: number; dLogp: number } {
  const logU = logp - refLogp;
  const u = Math.exp(logU);
  switch (kind) {
    case "forward":
      // g'(u) = 1 − 1/u
      return { value: u - logU - 1, dLogp: u - 1 };
    case "js": {
      // g'(u) = log(2u / (u + 1))
      const half = Math.log((u + 1) / 2);
      return { value: u * logU - (u + 1) * half, dLogp: u * (logU - half) };
    }
    case "alpha": {
      if (!(alpha > 0 && alpha < 1)) throw new RangeError(`fDivergenceGenerator: alpha must be in (0, 1), got ${alpha}`);
      // g'(u) = (1 − u^(−α)) / α
      const u1a = Math.exp((1 - alpha) * logU);
      return { value: (u1a - (1 - alpha) * u - alpha) / (alpha * (alpha - 1)), dLogp: (u - u1a) / alpha };
    }
  }
}

/**
 * The divergence over a batch of reference tokens: Σ_t w_t g(u_t) (w from
 * the aggregation: 1/T for the token mean DPH-RL uses); adds coef · w_t ·
 * ∂g/∂log π_θ into `dLogp`. Returns the weighted divergence (without coef).
 */
export function fDivergencePenalty(kind: FDivergenceKind, logp: Float32Array, refLogp: Float32Array, coef: number, weight: (i: number) => number, dLogp: Float32Array, alpha = 0.2): number {
  if (refLogp.length !== logp.length) throw new RangeError(`fDivergencePenalty: ${logp.length} log-probabilities but ${refLogp.length} reference ones`);
  let sum = 0;
  for (let i = 0; i < logp.length; i++) {
    const w = weight(i);
    const g = fDivergenceGenerator(kind, logp[i]!, refLogp[i]!, alpha);
    sum += w * g.value;
    dLogp[i] = dLogp[i]! + coef * w * g.dLogp;
  }
  return sum;
}
