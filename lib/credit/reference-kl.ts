/**
 * Per-step KL of the policy to a reference policy, KL(π ‖ π_ref) at each
 * recorded state: how far training moved the policy from a frozen one (an
 * earlier checkpoint, a pretrained or behavior-cloned policy).
 */

/**
 * Exact KL over a discrete action set from each policy's log-probabilities of
 * every action (`batch × k`, row-major):
 *
 *   KL_b = Σ_a π(a|s_b) (log π(a|s_b) − log π_ref(a|s_b))
 */
export function categoricalKl(logp: Float32Array, logpRef: Float32Array, batch: number, k: number): Float32Array {
  if (logp.length < batch * k || logpRef.length < batch * k) throw new RangeError(`categoricalKl: ${batch} states × ${k} actions need ${batch * k} log-probabilities from each policy`);
  const out = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    let kl = 0;
    for (let a = 0; a < k; a++) {
      const lp = logp[b * k + a]!;
      const p = Math.exp(lp);
      if (p > 0) kl += p * (lp - logpRef[b * k + a]!);
    }
    out[b] = Math.max(0, kl);
  }
  return out;
}

/**
 * KL(π ‖ π_ref) from one action per state drawn by the behavior policy μ
 * (continuous actions, where the sum cannot be enumerated): Schulman's k3
 * estimator, importance-weighted from μ to π,
 *
 *   r = π_ref(a|s) / π(a|s),   w = π(a|s) / μ(a|s),   KL̂ = w ((r − 1) − log r)
 *
 * unbiased for each state since E_μ[w f(a)] = E_π[f(a)] and E_π[r − 1] = 0;
 * each term is ≥ 0. `logp`, `logpRef` and `behaviorLogp` are per step.
 */
export function weightedK3(logp: Float32Array, logpRef: Float32Array, behaviorLogp: ArrayLike<number>): Float32Array {
  const n = logp.length;
  if (logpRef.length !== n || behaviorLogp.length !== n) throw new RangeError(`weightedK3: ${n} log-probabilities need as many from the reference and the behavior`);
  const out = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    const logR = logpRef[t]! - logp[t]!;
    out[t] = Math.exp(logp[t]! - behaviorLogp[t]!) * (Math.expm1(logR) - logR);
  }
  return out;
}
