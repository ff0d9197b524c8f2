/**
 * The dynamics-gap estimate of H2O (Niu et al. 2022, "When to Trust Your
 * Simulator"): two binary classifiers, trained to tell real transitions
 * (label 1) from simulated ones (label 0), give the odds
 *
 *   P(real | s, a, s′) / P(sim | s, a, s′) = exp ℓ_sas,   P(real | s, a) / P(sim | s, a) = exp ℓ_sa
 *
 * and by Bayes' rule their quotient is the dynamics ratio
 *
 *   P_real(s′ | s, a) / P_sim(s′ | s, a) = exp(ℓ_sas − ℓ_sa).
 */

export interface BceResult {
  /** Class-balanced mean binary cross-entropy: (mean over real rows + mean over sim rows) / 2. */
  readonly loss: number;
  /** Fraction of rows classified right (ℓ > 0 ⇔ real). */
  readonly accuracy: number;
}

/**
 * Binary cross-entropy of logits against labels (1 = real, 0 = simulated),
 * each class weighted to half of the loss so an unbalanced batch does not
 * bias the classifier's odds:
 *
 *   ℓ_b logit, y_b label, n_y rows of class y:
 *   L = Σ_b (softplus(ℓ_b) − y_b ℓ_b) / (2 n_{y_b}),   ∂L/∂ℓ_b = (σ(ℓ_b) − y_b) / (2 n_{y_b})
 *
 * A class with no rows contributes nothing. Writes the gradient into `dLogits`.
 */
export function balancedBce(logits: Float32Array, labels: Uint8Array, dLogits: Float32Array): BceResult {
  const n = labels.length;
  if (logits.length < n || dLogits.length < n) throw new RangeError(`balancedBce: ${n} labels need ${n} logits and gradients`);
  let real = 0;
  for (let b = 0; b < n; b++) real += labels[b] ? 1 : 0;
  const sim = n - real;
  let loss = 0;
  let right = 0;
  for (let b = 0; b < n; b++) {
    const l = logits[b]!;
    const y = labels[b] ? 1 : 0;
    const scale = 1 / (2 * (y ? real : sim));
    // softplus(ℓ) − yℓ, stable for large |ℓ|.
    const softplus = l > 0 ? l + Math.log1p(Math.exp(-l)) : Math.log1p(Math.exp(l));
    loss += (softplus - y * l) * scale;
    const sigmoid = l >= 0 ? 1 / (1 + Math.exp(-l)) : Math.exp(l) / (1 + Math.exp(l));
    dLogits[b] = (sigmoid - y) * scale;
    if ((l > 0 ? 1 : 0) === y) right++;
  }
  return { loss, accuracy: n ? right / n : 0 };
}

/**
 * Weights of simulated transitions: w_b = clip(exp(ℓ_sas,b − ℓ_sa,b), clipMin, clipMax).
 * Writes into `out` and returns the mean log ratio (before clipping).
 */
export function dynamicsRatioWeights(logitSas: Float32Array, logitSa: Float32Array, clipMin: number, clipMax: number, out: Float32Array): number {
  let logSum = 0;
  for (let b = 0; b < out.length; b++) {
    const logRatio = logitSas[b]! - logitSa[b]!;
    logSum += logRatio;
    out[b] = Math.min(clipMax, Math.max(clipMin, Math.exp(logRatio)));
  }
  return out.length ? logSum / out.length : 0;
}
