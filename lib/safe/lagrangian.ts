/**
 * Lagrange multipliers of constrained RL (a constrained MDP: maximize the
 * return subject to J_c ≤ d per cost): the policy minimizes
 * −J_r + Σ λ_i (J_c,i − d_i) and each multiplier rises while its constraint
 * is violated and falls (not below 0) while it holds.
 */

/** Projected dual ascent: λ ← max(0, λ + η (Ĵ_c − d)). */
export function dualAscentStep(lambda: number, cost: number, threshold: number, lr: number): number {
  for (const [name, v] of [["λ", lambda], ["the cost", cost], ["the threshold", threshold], ["η", lr]] as const) if (!Number.isFinite(v)) throw new RangeError(`dualAscentStep: ${name} must be finite, got ${v}`);
  if (lambda < 0) throw new RangeError(`dualAscentStep: λ must be ≥ 0, got ${lambda}`);
  if (!(lr > 0)) throw new RangeError(`dualAscentStep: η must be > 0, got ${lr}`);
  return Math.max(0, lambda + lr * (cost - threshold));
}

/** The PID controller's memory between updates. */
export interface PidLagrangianState {
  /** The integral term's accumulated error (kept ≥ 0). */
  readonly integral: number;
  /** The previous update's cost (the derivative term's reference), or null before the first. */
  readonly previousCost: number | null;
}

export interface PidGains {
  readonly kp: number;
  readonly ki: number;
  readonly kd: number;
}

/**
 * PID Lagrangian (Stooke, Achiam & Abbeel 2020, "Responsive Safety in
 * Reinforcement Learning by PID Lagrangian Methods"): with e = Ĵ_c − d,
 *
 *   I ← max(0, I + e),   ∂ ← max(0, Ĵ_c − Ĵ_c,prev),   λ = max(0, K_P e + K_I I + K_D ∂)
 *
 * K_I alone (K_P = K_D = 0) is dual ascent with η = K_I from λ = 0; the
 * proportional and derivative terms damp the overshoot.
 */
export function pidLagrangianStep(state: PidLagrangianState, cost: number, threshold: number, gains: PidGains): { lambda: number; state: PidLagrangianState } {
  if (!Number.isFinite(cost) || !Number.isFinite(threshold)) throw new RangeError(`pidLagrangianStep: the cost and the threshold must be finite, got ${cost}, ${threshold}`);
  for (const k of ["kp", "ki", "kd"] as const) if (!(gains[k] >= 0) || !Number.isFinite(gains[k])) throw new RangeError(`pidLagrangianStep: ${k} must be a finite number ≥ 0, got ${gains[k]}`);
  const error = cost - threshold;
  const integral = Math.max(0, state.integral + error);
  const derivative = state.previousCost === null ? 0 : Math.max(0, cost - state.previousCost);
  const lambda = Math.max(0, gains.kp * error + gains.ki * integral + gains.kd * derivative);
  return { lambda, state: { integral, previousCost: cost } };
}
