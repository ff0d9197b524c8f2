import type { Rng } from "./rng.js";

/**
 * A Poisson(mean) draw by Knuth's product of uniforms: exact, and
 * O(mean) uniforms per draw, so meant for the small means of env
 * demands and arrivals (mean ≤ 100).
 */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean >= 0 && mean <= 100)) throw new RangeError(`poisson: mean must be in [0, 100], got ${mean}`);
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rng.float();
  while (p > limit) {
    k++;
    p *= rng.float();
  }
  return k;
}
