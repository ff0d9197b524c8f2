/**
 * How a constrained policy is scored (Ray, Achiam & Amodei 2019's Safety
 * Gym metrics, in miniature): the share of episodes over the cost limit,
 * and the best return reached while within it.
 */

/** Share of episodes whose summed cost exceeds `limit`. */
export function violationRate(costs: ArrayLike<number>, limit: number): number {
  if (!Number.isFinite(limit)) throw new RangeError(`violationRate: limit must be finite, got ${limit}`);
  if (costs.length === 0) throw new RangeError("violationRate: no episodes to score");
  let over = 0;
  for (let i = 0; i < costs.length; i++) {
    const c = costs[i]!;
    if (!Number.isFinite(c)) throw new RangeError(`violationRate: cost ${i} is ${c}; expected a finite number`);
    if (c > limit) over++;
  }
  return over / costs.length;
}

/**
 * Return at the cost threshold: the highest return among the measurements
 * (e.g. a run's metric rows: mean return and mean cost of its recent
 * episodes at each update) whose cost is at most `limit`; null when none
 * is. Points with a missing (null or NaN) return or cost are skipped.
 */
export function returnAtCostLimit(returns: ArrayLike<number | null>, costs: ArrayLike<number | null>, limit: number): number | null {
  if (returns.length !== costs.length) throw new RangeError(`returnAtCostLimit: ${returns.length} returns but ${costs.length} costs; give one cost per return`);
  if (!Number.isFinite(limit)) throw new RangeError(`returnAtCostLimit: limit must be finite, got ${limit}`);
  let best: number | null = null;
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    const c = costs[i];
    if (r === null || c === null || r === undefined || c === undefined || !Number.isFinite(r) || !Number.isFinite(c)) continue;
    if (c <= limit && (best === null || r > best)) best = r;
  }
  return best;
}
