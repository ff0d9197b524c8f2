/**
 * V-trace off-policy targets (Espeholt et al. 2018, "IMPALA", eq. 1 and §4.2)
 * over an EPISODE-MAJOR batch (layout and episode ends as in `returns.ts`;
 * V(s_T) after an episode's last step is 0 after termination, `bootstrap[k]`
 * otherwise, and v_T = V(s_T) there):
 *
 *   ρ_t = min(ρ̄, π(a_t|s_t) / μ(a_t|s_t)),   c_t = λ min(c̄, π(a_t|s_t) / μ(a_t|s_t))
 *   δ_t V = ρ_t (r_t + γ V(s_{t+1}) − V(s_t))
 *   v_s = V(s_s) + Σ_{t ≥ s} γ^{t−s} (Π_{i=s}^{t−1} c_i) δ_t V
 *       = V(s_s) + δ_s V + γ c_s (v_{s+1} − V(s_{s+1}))             (computed this way)
 *   A^pg_s = ρ^pg_s (r_s + γ v_{s+1} − V(s_s)),  ρ^pg_s = min(ρ̄_pg, π/μ)
 *
 * π is the target (learner) policy, μ the behavior policy that acted
 * (`behavior_logp`). λ = 1 is the paper's eq. 1; λ < 1 is its §4.2 variant.
 * With π = μ, ρ̄ = c̄ = 1 ≥ ratios, v_s is the λ-return of `td.ts`.
 */
import { episodeTailValues } from "./returns.js";
import type { ValuedEpisodeBatch } from "./td.js";

export interface VTraceInput extends ValuedEpisodeBatch {
  /** log μ(a_t|s_t) of the behavior policy (the `behavior_logp` column). */
  readonly behaviorLogp: Float32Array | Float64Array;
  /** log π(a_t|s_t) of the target policy being learned. */
  readonly targetLogp: Float32Array | Float64Array;
  /** ρ̄, clip of the importance weight in δ_t V (default 1). */
  readonly rhoBar?: number;
  /** c̄, clip of the trace coefficients (default 1). */
  readonly cBar?: number;
  /** ρ̄ of the policy-gradient advantage (default `rhoBar`). */
  readonly pgRhoBar?: number;
  /** λ of the traces (default 1). */
  readonly lambda?: number;
}

export interface VTraceOutput {
  /** The V-trace value targets v_s. */
  readonly vs: Float32Array;
  /** The policy-gradient advantages ρ_s (r_s + γ v_{s+1} − V(s_s)). */
  readonly pgAdvantages: Float32Array;
  /** The clipped importance weights ρ_s = min(ρ̄, π/μ). */
  readonly rhos: Float32Array;
}

/** V-trace targets and policy-gradient advantages; allocates the outputs. */
export function vtrace(input: VTraceInput): VTraceOutput {
  const { rewards, values, behaviorLogp, targetLogp, offsets, gamma } = input;
  const rhoBar = input.rhoBar ?? 1;
  const cBar = input.cBar ?? 1;
  const pgRhoBar = input.pgRhoBar ?? rhoBar;
  const lambda = input.lambda ?? 1;
  const n = rewards.length;
  if (values.length !== n || behaviorLogp.length !== n || targetLogp.length !== n) {
    throw new RangeError(
      `vtrace: rewards, values, behaviorLogp, targetLogp need equal lengths, got ${n}, ${values.length}, ${behaviorLogp.length}, ${targetLogp.length}`,
    );
  }
  if (!(rhoBar > 0) || !(cBar > 0) || !(pgRhoBar > 0)) throw new RangeError(`vtrace: ρ̄, c̄ and pg ρ̄ must be > 0`);
  const tail = episodeTailValues(input, "vtrace");
  const vs = new Float32Array(n);
  const pgAdvantages = new Float32Array(n);
  const rhos = new Float32Array(n);
  for (let k = 0; k < tail.length; k++) {
    const start = offsets[k]!;
    const end = offsets[k + 1]!;
    let nextV = tail[k]!; // V(s_{t+1})
    let nextVs = tail[k]!; // v_{t+1}
    for (let i = end - 1; i >= start; i--) {
      const logRatio = targetLogp[i]! - behaviorLogp[i]!;
      if (Number.isNaN(logRatio)) throw new RangeError(`vtrace: row ${i} has a NaN log-probability (behavior ${behaviorLogp[i]}, target ${targetLogp[i]})`);
      const ratio = Math.exp(logRatio);
      const rho = Math.min(rhoBar, ratio);
      const c = lambda * Math.min(cBar, ratio);
      const v = values[i]!;
      const delta = rho * (rewards[i]! + gamma * nextV - v);
      const vsI = v + delta + gamma * c * (nextVs - nextV);
      pgAdvantages[i] = Math.min(pgRhoBar, ratio) * (rewards[i]! + gamma * nextVs - v);
      vs[i] = vsI;
      rhos[i] = rho;
      nextV = v;
      nextVs = vsI;
    }
  }
  return { vs, pgAdvantages, rhos };
}
