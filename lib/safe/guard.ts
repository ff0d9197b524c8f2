/** A support guard over rows z (states, or state and action): a score q(z), its threshold τ and the cost c_ood(z) = 1[q(z) > τ]. */
export interface Guard {
  readonly dims: number;
  readonly tau: number;
  score(z: ArrayLike<number>): number;
  cost(z: ArrayLike<number>): 0 | 1;
}
