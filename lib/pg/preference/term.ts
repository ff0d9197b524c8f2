/**
 * What a preference loss (`rl.pref.dpo()`, `rl.pref.lipo()`) does at run
 * time: from one list's sequence log-probabilities under the policy and the
 * reference and its graded scores, the list's loss and its gradient with
 * respect to each completion's log π. A preference run averages the lists'
 * losses over a batch.
 */
export interface PreferenceTerm {
  /** The implicit reward's scale: s = β (log π − log π_ref) (metrics and rankings). */
  readonly beta: number;
  /** The loss of one list and dℓ/d log π(y_k) per completion (zero where a completion does not count). */
  list(logp: Float64Array, refLogp: Float64Array, scores: readonly number[]): { loss: number; dLogp: Float64Array };
}
