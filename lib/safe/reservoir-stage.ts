/**
 * One stage of TS-DDR on a single reservoir (METHODS.md card 19): the policy
 * proposes a target end storage x̂; the stage's linear program picks the
 * feasible storage x that minimizes the thermal cost plus λ |x − x̂|:
 *
 *   release h = x₀ + w − x ≥ 0,  thermal g = d − h ≥ 0  ⇒  x₀ + w − d ≤ x ≤ x₀ + w
 *   V(x̂) = min_x  c · g + λ |x − x̂|
 *
 * and the gradient of V with respect to the target is the dual of the
 * target-matching constraint: c inside the feasible range (the marginal
 * thermal cost), ±λ outside it (when λ > c; else the penalty is too weak to
 * track the target and the stage sits at its cheapest storage).
 */
export interface ReservoirStage {
  /** Storage at the stage's start. */
  readonly storage: number;
  readonly inflow: number;
  readonly demand: number;
  /** Cost per unit of thermal generation. */
  readonly thermalCost: number;
  /** The penalty on |x − x̂|. */
  readonly penalty: number;
  /** The least end storage (default none: the card's LP; 0 keeps storage physical across stages). */
  readonly minStorage?: number;
}

export function reservoirStage(stage: ReservoirStage, target: number): { value: number; storage: number; thermal: number; dTarget: number } {
  const { storage, inflow, demand, thermalCost: c, penalty: lambda } = stage;
  for (const [name, v] of Object.entries({ storage, inflow, demand, thermalCost: c, penalty: lambda, target })) if (!Number.isFinite(v)) throw new RangeError(`reservoirStage: ${name} must be finite, got ${v}`);
  if (c < 0 || lambda <= 0) throw new RangeError(`reservoirStage: the thermal cost must be ≥ 0 and the penalty > 0, got ${c}, ${lambda}`);
  if (demand < 0) throw new RangeError(`reservoirStage: the demand must be ≥ 0, got ${demand}`);
  const hi = storage + inflow;
  const lo = hi - demand;
  const least = Math.max(lo, stage.minStorage ?? -Infinity);
  if (least > hi) throw new RangeError(`reservoirStage: no feasible storage (the least, ${least}, exceeds storage + inflow, ${hi})`);
  // Slopes of c (x − lo) + λ |x − x̂| in x: c − λ below x̂, c + λ above.
  const x = c < lambda ? Math.min(hi, Math.max(least, target)) : least;
  const thermal = x - lo;
  const value = c * thermal + lambda * Math.abs(x - target);
  let dTarget: number;
  if (target > x) dTarget = lambda;
  else if (target < x) dTarget = -lambda;
  else dTarget = c < lambda ? c : lambda; // at the kink: the right derivative
  return { value, storage: x, thermal, dTarget };
}

/**
 * How a stage's cost and end storage move with its target and its start
 * storage, for training through a chain of stages (TS-DDR's backward pass):
 * ∂V/∂x̂ (the dual of the target constraint), ∂V/∂x₀ (the dual of the
 * state-in parameter) and the end storage's slopes ∂x/∂x̂, ∂x/∂x₀. At a
 * kink the side `reservoirStage` reports is taken.
 */
export function reservoirStageSlopes(stage: ReservoirStage, target: number): { dTarget: number; dStorage: number; xdTarget: number; xdStorage: number } {
  const r = reservoirStage(stage, target);
  const { storage, inflow, demand, thermalCost: c, penalty: lambda } = stage;
  const hi = storage + inflow;
  const lo = hi - demand;
  const floorBinds = (stage.minStorage ?? -Infinity) > lo;
  const x = r.storage;
  const tracking = c < lambda && x === target && target < hi && !(target === Math.max(lo, stage.minStorage ?? -Infinity));
  // x = x̂ (tracking), x = storage + inflow (the top), or x = the least storage (lo moves with x₀; a binding floor does not).
  const xdStorage = tracking ? 0 : x === hi && c < lambda ? 1 : floorBinds ? 0 : 1;
  const side = x > target ? 1 : x < target ? -1 : r.dTarget === lambda ? -1 : 1;
  const dStorage = c * (xdStorage - 1) + lambda * side * xdStorage;
  return { dTarget: r.dTarget, dStorage, xdTarget: tracking ? 1 : 0, xdStorage };
}
