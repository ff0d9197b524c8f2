/**
 * Entropy-modulated step advantages (EMPG, arXiv 2509.09265; defaults of the
 * ARLArena reproduction): a trajectory's outcome advantage A(τ) is shared by
 * its steps in proportion to each step's confidence. With H the mean token
 * entropy of a step and H̃ its min–max normalization over the batch's steps,
 *
 *   g(H) = exp(−k H̃) / mean_batch exp(−k H̃)        (self-normalized: batch mean 1)
 *   f(H_next) = exp(−k' H̃_next)                     (0 for a trajectory's last step)
 *   A_mod = g(H_t) · A(τ) + ζ · f(H_{t+1})
 *   A     = A_mod − mean_batch A_mod
 *
 * Confident steps are amplified (confident successes reinforced, confident
 * mistakes punished harder), uncertain ones damped; ζ rewards steps that make
 * the next one clear.
 */
export interface EmpgOptions {
  /** k of g (default 1). */
  readonly k?: number;
  /** k' of the future-clarity bonus f (default 1). */
  readonly kFuture?: number;
  /** ζ: weight of the future-clarity bonus (default 0.05). */
  readonly zeta?: number;
  /** Added to max H − min H before dividing (default 1e-8). */
  readonly eps?: number;
}

/**
 * Step advantages of a batch of trajectories whose steps are listed in order:
 * `trajectory[s]` is step s's trajectory (a trajectory's steps consecutive),
 * `stepEntropy[s]` its mean token entropy, `advantage[j]` trajectory j's outcome
 * advantage. Returns one advantage per step (broadcast to its tokens by the caller).
 */
export function empgAdvantages(stepEntropy: ArrayLike<number>, trajectory: ArrayLike<number>, advantage: ArrayLike<number>, options: EmpgOptions = {}): Float64Array {
  const k = options.k ?? 1;
  const kf = options.kFuture ?? 1;
  const zeta = options.zeta ?? 0.05;
  const eps = options.eps ?? 1e-8;
  const n = stepEntropy.length;
  if (trajectory.length !== n) throw new RangeError(`empgAdvantages: ${n} step entropies but ${trajectory.length} trajectory ids`);
  const out = new Float64Array(n);
  if (n === 0) return out;
  let lo = Infinity, hi = -Infinity;
  const finished = new Set<number>();
  for (let s = 0; s < n; s++) {
    const h = stepEntropy[s]!;
    if (!Number.isFinite(h) || h < 0) throw new RangeError(`empgAdvantages: step ${s} has entropy ${h}, expected a finite number ≥ 0`);
    const j = trajectory[s]!;
    if (!Number.isInteger(j) || j < 0 || j >= advantage.length) throw new RangeError(`empgAdvantages: step ${s} names trajectory ${j}, expected an index below ${advantage.length}`);
    if (s > 0 && j !== trajectory[s - 1]) {
      if (finished.has(j)) throw new RangeError(`empgAdvantages: the steps of trajectory ${j} are not consecutive`);
      finished.add(trajectory[s - 1]!);
    }
    lo = Math.min(lo, h);
    hi = Math.max(hi, h);
  }
  const norm = (h: number) => (h - lo) / (hi - lo + eps);
  let meanG = 0;
  for (let s = 0; s < n; s++) meanG += Math.exp(-k * norm(stepEntropy[s]!)) / n;
  let mean = 0;
  for (let s = 0; s < n; s++) {
    const g = Math.exp(-k * norm(stepEntropy[s]!)) / meanG;
    const last = s === n - 1 || trajectory[s + 1] !== trajectory[s];
    const bonus = last ? 0 : zeta * Math.exp(-kf * norm(stepEntropy[s + 1]!));
    out[s] = g * advantage[trajectory[s]!]! + bonus;
    mean += out[s]! / n;
  }
  for (let s = 0; s < n; s++) out[s] = out[s]! - mean;
  return out;
}

