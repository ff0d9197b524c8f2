/**
 * V-trace (Espeholt et al. 2018, "IMPALA", eq. 1 and §4.2) over a TIME-MAJOR
 * rollout of `numEnvs` env copies (index `t * numEnvs + e`, dones as in
 * `gae.ts`: `dones[t]` marks that step t's observation starts an episode;
 * `nextValue` / `nextDone` describe the observation after the last step).
 * The same targets as `vtrace.ts` computes over episode-major batches:
 *
 *   ρ_t = min(ρ̄, π/μ),  c_t = λ min(c̄, π/μ),  m_{t+1} = 1 − d_{t+1}
 *   δ_t = ρ_t (r_t + γ m_{t+1} V(s_{t+1}) − V(s_t))
 *   v_t = V(s_t) + δ_t + γ m_{t+1} c_t (v_{t+1} − V(s_{t+1}))     (v_T = V(s_T))
 *   A^pg_t = min(ρ̄_pg, π/μ) (r_t + γ m_{t+1} v_{t+1} − V(s_t))
 *
 * μ is the policy that acted (an actor's, possibly some versions old), π the
 * learner's. With π = μ and λ, v_t is the λ-return (GAE's returns).
 */
/** The rollout as GAE reads it (`values`: V(s_t) of the learner's critic), and the two policies' log-probabilities. */
export interface RolloutVtraceInput extends Omit<GaeInput, "lambda"> {
  /** log μ(a_t|s_t): the policy that acted. */
  readonly behaviorLogp: Float32Array;
  /** log π(a_t|s_t): the policy being learned. */
  readonly targetLogp: Float32Array;
  readonly gamma: number;
  /** λ of the traces (default 1). */
  readonly lambda?: number;
  /** ρ̄ (default 1). */
  readonly rhoBar?: number;
  /** c̄ (default 1). */
  readonly cBar?: number;
  /** ρ̄ of the policy-gradient advantage (default ρ̄). */
  readonly pgRhoBar?: number;
}

import type { GaeInput } from "./gae.js";

export interface RolloutVtraceOutput {
  /** The value targets v_t. */
  readonly vs: Float32Array;
  /** The policy-gradient advantages A^pg_t. */
  readonly pgAdvantages: Float32Array;
  /** ρ_t = min(ρ̄, π/μ). */
  readonly rhos: Float32Array;
}

/** V-trace targets and advantages of a time-major rollout; writes into `out` when given. */
export function rolloutVtrace(input: RolloutVtraceInput, out?: RolloutVtraceOutput): RolloutVtraceOutput {
  const { rewards, values, dones, nextValue, nextDone, numEnvs: n, behaviorLogp, targetLogp, gamma } = input;
  const lambda = input.lambda ?? 1;
  const rhoBar = input.rhoBar ?? 1;
  const cBar = input.cBar ?? 1;
  const pgRhoBar = input.pgRhoBar ?? rhoBar;
  const size = rewards.length;
  if (values.length !== size || dones.length !== size || behaviorLogp.length !== size || targetLogp.length !== size) {
    throw new RangeError(`V-trace needs rewards, values, dones, behaviorLogp and targetLogp of equal length, got ${size}, ${values.length}, ${dones.length}, ${behaviorLogp.length}, ${targetLogp.length}`);
  }
  if (!Number.isInteger(n) || n < 1 || size % n !== 0 || nextValue.length !== n || nextDone.length !== n) {
    throw new RangeError(`V-trace: rollout length ${size} must be a multiple of numEnvs ${n}, with nextValue/nextDone of length ${n}`);
  }
  if (!(rhoBar > 0) || !(cBar > 0) || !(pgRhoBar > 0)) throw new RangeError(`V-trace: ρ̄, c̄ and pg ρ̄ must be > 0, got ${rhoBar}, ${cBar}, ${pgRhoBar}`);
  const vs = out?.vs ?? new Float32Array(size);
  const pgAdvantages = out?.pgAdvantages ?? new Float32Array(size);
  const rhos = out?.rhos ?? new Float32Array(size);
  const steps = size / n;
  for (let e = 0; e < n; e++) {
    let nextV = nextValue[e]!;
    let nextVs = nextV;
    let notDone = 1 - nextDone[e]!;
    for (let t = steps - 1; t >= 0; t--) {
      const i = t * n + e;
      const logRatio = targetLogp[i]! - behaviorLogp[i]!;
      if (Number.isNaN(logRatio)) throw new RangeError(`V-trace: row ${i} has a NaN log-probability (behavior ${behaviorLogp[i]}, target ${targetLogp[i]})`);
      const ratio = Math.exp(logRatio);
      const rho = Math.min(rhoBar, ratio);
      const c = lambda * Math.min(cBar, ratio);
      const v = values[i]!;
      const g = gamma * notDone;
      const vsI = v + rho * (rewards[i]! + g * nextV - v) + g * c * (nextVs - nextV);
      pgAdvantages[i] = Math.min(pgRhoBar, ratio) * (rewards[i]! + g * nextVs - v);
      vs[i] = vsI;
      rhos[i] = rho;
      nextV = v;
      nextVs = vsI;
      notDone = 1 - dones[i]!;
    }
  }
  return { vs, pgAdvantages, rhos };
}
