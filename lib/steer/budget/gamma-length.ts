/**
 * Budget guidance's length model (Li et al. 2025, "Steering LLM Thinking with
 * Budget Guidance", METHODS.md card 22): the remaining thinking length L
 * after choosing a token is modeled on a log scale, y = log(L + 1), by a
 * Gamma(α, λ) distribution (shape α, rate λ).
 */
import gammainc from "@stdlib/math-base-special-gammainc";
import gammaln from "@stdlib/math-base-special-gammaln";
import digamma from "@stdlib/math-base-special-digamma";

/**
 * The negative log-likelihood −log Gamma(y; α, λ) =
 * −(α log λ − log Γ(α) + (α − 1) log y − λ y) and its slopes in α and λ.
 */
export function gammaLengthNll(y: number, alpha: number, lambda: number): { nll: number; dAlpha: number; dLambda: number } {
  if (!(y > 0) || !Number.isFinite(y)) throw new RangeError(`gammaLengthNll: y must be a finite number > 0, got ${y}`);
  if (!(alpha > 0) || !(lambda > 0) || !Number.isFinite(alpha) || !Number.isFinite(lambda)) throw new RangeError(`gammaLengthNll: α and λ must be finite numbers > 0, got ${alpha}, ${lambda}`);
  const logY = Math.log(y);
  const nll = -(alpha * Math.log(lambda) - gammaln(alpha) + (alpha - 1) * logY - lambda * y);
  return { nll, dAlpha: -(Math.log(lambda) - digamma(alpha) + logY), dLambda: -(alpha / lambda - y) };
}

/** Pr(L ≤ budget) under Gamma(α, λ) on y = log(L + 1): the regularized lower incomplete gamma P(α, λ log(budget + 1)). */
export function gammaLengthCdf(budget: number, alpha: number, lambda: number): number {
  if (!(budget >= 0)) throw new RangeError(`gammaLengthCdf: the budget must be ≥ 0, got ${budget}`);
  return gammainc(lambda * Math.log(budget + 1), alpha);
}

/**
 * Budget guidance's next-token distribution: p′(v) ∝ p(v) · Pr(L_v ≤ remaining),
 * with (α_v, λ_v) the predicted length distribution if v is chosen. When no
 * token has any chance of fitting, the policy's most likely token (as the
 * official code does).
 */
export function budgetGuidedProbabilities(p: ArrayLike<number>, alpha: ArrayLike<number>, lambda: ArrayLike<number>, remaining: number, out: Float64Array = new Float64Array(p.length)): Float64Array {
  const V = p.length;
  if (alpha.length !== V || lambda.length !== V || out.length !== V) throw new RangeError(`budgetGuidedProbabilities: ${V} probabilities, ${alpha.length} α, ${lambda.length} λ, out ${out.length}`);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += out[v] = p[v]! * gammaLengthCdf(remaining, alpha[v]!, lambda[v]!);
  if (sum > 0 && Number.isFinite(sum)) {
    for (let v = 0; v < V; v++) out[v] = out[v]! / sum;
    return out;
  }
  let best = 0;
  for (let v = 1; v < V; v++) if (p[v]! > p[best]!) best = v;
  out.fill(0);
  out[best] = 1;
  return out;
}
