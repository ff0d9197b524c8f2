/**
 * Step advantages from a judge's GOOD/BAD step labels fused with the outcome
 * (AgentEvolver's self-attribution, "decouple" scheme; `adca_grpo.py` of the
 * official repository). Per prompt group:
 *
 *   p_{i,k} = +b if step k of trajectory i is GOOD else −b          (b = 0.2)
 *   μ = mean_i mean_k p_{i,k},  σ² = mean_i mean_k (p_{i,k} − μ)²   (each trajectory weighs the same)
 *   p̃ = (p − μ) / sqrt(σ² + 1e-8)
 *   õ_i = (R_i − mean R) / std_pop(R)     (R_i − mean R where std_pop ≤ 1e-8)
 *   r_{i,k} = α p̃_{i,k} + 1[k = last] õ_i
 *   A_{i,k} = Σ_{k' ≥ k} r_{i,k'}                                    (suffix sums)
 *
 * The process and outcome rewards are standardized separately, so the
 * judge's labels shift credit between steps without drowning the outcome.
 */
export interface SelfAttributionOptions {
  /** α: weight of the standardized step labels (default 0.1, the released config). */
  readonly alpha?: number;
  /** b: magnitude of a GOOD (+b) or BAD (−b) label (default 0.2). */
  readonly base?: number;
}

/** One trajectory: its prompt group, outcome reward and per-step judge labels (true: GOOD). */
export interface AttributedTrajectory {
  readonly group: number;
  readonly reward: number;
  readonly good: readonly boolean[];
}

/** Step advantages of each trajectory (same order, one per step). */
export function selfAttributionAdvantages(trajectories: readonly AttributedTrajectory[], options: SelfAttributionOptions = {}): Float64Array[] {
  const alpha = options.alpha ?? 0.1;
  const base = options.base ?? 0.2;
  const byGroup = new Map<number, number[]>();
  trajectories.forEach((t, i) => {
    if (t.good.length === 0) throw new RangeError(`selfAttributionAdvantages: trajectory ${i} has no steps`);
    if (!Number.isFinite(t.reward)) throw new RangeError(`selfAttributionAdvantages: trajectory ${i} has reward ${t.reward}`);
    const list = byGroup.get(t.group) ?? [];
    list.push(i);
    byGroup.set(t.group, list);
  });
  const out: Float64Array[] = trajectories.map((t) => new Float64Array(t.good.length));
  for (const members of byGroup.values()) {
    const label = (i: number, k: number) => (trajectories[i]!.good[k] ? base : -base);
    let mu = 0;
    for (const i of members) mu += trajectories[i]!.good.reduce((s, _g, k) => s + label(i, k), 0) / trajectories[i]!.good.length / members.length;
    let variance = 0;
    for (const i of members) variance += trajectories[i]!.good.reduce((s, _g, k) => s + (label(i, k) - mu) ** 2, 0) / trajectories[i]!.good.length / members.length;
    const sd = Math.sqrt(variance + 1e-8);
    const rewards = members.map((i) => trajectories[i]!.reward);
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    const std = Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / rewards.length);
    for (const i of members) {
      const steps = trajectories[i]!.good.length;
      const outcome = std <= 1e-8 ? trajectories[i]!.reward - mean : (trajectories[i]!.reward - mean) / std;
      const a = out[i]!;
      let suffix = 0;
      for (let k = steps - 1; k >= 0; k--) {
        suffix += alpha * ((label(i, k) - mu) / sd) + (k === steps - 1 ? outcome : 0);
        a[k] = suffix;
      }
    }
  }
  return out;
}
