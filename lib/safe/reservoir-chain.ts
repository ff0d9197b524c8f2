import { reservoirStage, reservoirStageSlopes } from "./reservoir-stage.js";

/** A multistage single-reservoir dispatch problem (TS-DDR's miniature of hydrothermal scheduling). */
export interface ReservoirProblem {
  /** Storage before the first stage. */
  readonly initialStorage: number;
  /** Demand of each stage (its length is the number of stages). */
  readonly demand: readonly number[];
  /** Cost per unit of thermal generation in each stage. */
  readonly thermalCost: readonly number[];
  /** λ: the penalty on missing a target (large: feasible targets are tracked exactly). */
  readonly penalty: number;
}

/** One scenario's pass through the stages: costs, storages, and the gradient of the total cost with respect to each target. */
export interface ChainResult {
  readonly total: number;
  readonly stageCost: Float64Array;
  /** End storage of each stage. */
  readonly storage: Float64Array;
  readonly thermal: Float64Array;
  /** dL/dx̂_t of L = Σ_t V_t, through the storage passed from stage to stage. */
  readonly dTargets: Float64Array;
}

/**
 * Runs the stages forward with the targets x̂_1..T (each stage's LP picks the
 * feasible storage nearest its target; storage never goes below 0), and
 * backward by the adjoint of the storage: with a_T = 0,
 *
 *   dL/dx̂_t = ∂V_t/∂x̂_t + a_t ∂x_t/∂x̂_t,   a_{t−1} = ∂V_t/∂x_{t−1} + a_t ∂x_t/∂x_{t−1},
 *
 * every partial being a dual of the stage's LP (TS-DDR: no differentiation
 * through the solver, the envelope theorem gives the slopes).
 */
export function runReservoirChain(problem: ReservoirProblem, inflows: ArrayLike<number>, targets: ArrayLike<number>): ChainResult {
  const T = problem.demand.length;
  if (problem.thermalCost.length !== T) throw new RangeError(`runReservoirChain: ${T} demands but ${problem.thermalCost.length} thermal costs`);
  if (inflows.length !== T || targets.length !== T) throw new RangeError(`runReservoirChain: ${T} stages need ${T} inflows and ${T} targets, got ${inflows.length} and ${targets.length}`);
  const stageCost = new Float64Array(T);
  const storage = new Float64Array(T);
  const thermal = new Float64Array(T);
  const slopes: ReturnType<typeof reservoirStageSlopes>[] = [];
  let x = problem.initialStorage;
  for (let t = 0; t < T; t++) {
    const stage = { storage: x, inflow: inflows[t]!, demand: problem.demand[t]!, thermalCost: problem.thermalCost[t]!, penalty: problem.penalty, minStorage: 0 };
    const r = reservoirStage(stage, targets[t]!);
    slopes.push(reservoirStageSlopes(stage, targets[t]!));
    stageCost[t] = r.value;
    storage[t] = r.storage;
    thermal[t] = r.thermal;
    x = r.storage;
  }
  const dTargets = new Float64Array(T);
  let adjoint = 0;
  for (let t = T - 1; t >= 0; t--) {
    const s = slopes[t]!;
    dTargets[t] = s.dTarget + adjoint * s.xdTarget;
    adjoint = s.dStorage + adjoint * s.xdStorage;
  }
  return { total: stageCost.reduce((a, b) => a + b, 0), stageCost, storage, thermal, dTargets };
}

/**
 * The deterministic-equivalent optimum of one scenario (all inflows known):
 * the least total thermal cost Σ c_t g_t. Water carries forward freely, so
 * it is a transport from each stage's inflow (and the initial storage) to
 * the demands of that stage and later ones; serving the dearest stages
 * first, each from the latest water it can use, is optimal.
 */
export function reservoirOptimum(problem: ReservoirProblem, inflows: ArrayLike<number>): number {
  const T = problem.demand.length;
  const supply = Array.from({ length: T }, (_, t) => inflows[t]! + (t === 0 ? problem.initialStorage : 0));
  const order = Array.from({ length: T }, (_, t) => t).sort((a, b) => problem.thermalCost[b]! - problem.thermalCost[a]! || b - a);
  let cost = 0;
  for (const s of order) {
    let need = problem.demand[s]!;
    for (let u = s; u >= 0 && need > 0; u--) {
      const take = Math.min(need, supply[u]!);
      supply[u] = supply[u]! - take;
      need -= take;
    }
    cost += problem.thermalCost[s]! * need;
  }
  return cost;
}
