/**
 * The imitation half of a hybrid policy-gradient update: the negative
 * log-likelihood of offline (expert) actions, switched on and off by the
 * policy's own success (AHPO's gate), each a pure function.
 */

export interface ImitationLossResult {
  /** coef · mean negative log-likelihood (what the update minimizes). */
  readonly loss: number;
  /** Mean −log π(a_b | s_b) of the dataset actions, unweighted. */
  readonly nll: number;
}

/**
 * Supervised (SFT/BC) term on `batch` dataset rows:
 *
 *   L = −(coef / B) Σ_b log π(a_b | s_b),   ∂L/∂ log π(a_b | s_b) = −coef / B
 *
 * Writes the gradient w.r.t. each row's log-probability into `dLogp`
 * (overwritten), ready for `ActorCritic.backward`.
 */
export function imitationLoss(logp: Float32Array, batch: number, coef: number, dLogp: Float32Array): ImitationLossResult {
  if (logp.length < batch || dLogp.length < batch) throw new RangeError(`imitationLoss: ${batch} rows need ${batch} log-probabilities and gradients`);
  let sum = 0;
  for (let b = 0; b < batch; b++) {
    sum += logp[b]!;
    dLogp[b] = -coef / batch;
  }
  const nll = batch > 0 ? -sum / batch : 0;
  return { loss: coef * nll, nll };
}

/**
 * AHPO's switch ξ: the imitation term is on (1) while the success rate of the
 * policy's own recent episodes is below the threshold P̂, off (0) once it
 * reaches it. The policy leans on the demonstrations until it can solve the
 * task itself, then learns from its own rollouts alone.
 */
export function ahpoGate(successRate: number, threshold: number): 0 | 1 {
  return successRate < threshold ? 1 : 0;
}

/** Fraction of `returns` that reach `successReturn` (0 for none: nothing has succeeded yet). */
export function successRate(returns: ArrayLike<number>, successReturn: number): number {
  if (returns.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < returns.length; i++) if (returns[i]! >= successReturn) hits++;
  return hits / returns.length;
}
