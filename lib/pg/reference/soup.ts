/**
 * A weight soup (SALSA, arXiv 2411.01798): the reference of an RL run is the
 * average of several fine-tuned models' parameters, θ_soup = Σ_j α_j θ_j with
 * Σ α_j = 1 (uniform α = 1/n by default: SALSA averages two SFT runs of one
 * base). Models must share an architecture (equal parameter counts and layouts).
 */
export function weightSoup(params: readonly Float32Array[], weights?: readonly number[]): Float32Array {
  const n = params.length;
  if (n === 0) throw new RangeError("weightSoup: expected at least one model's parameters");
  const size = params[0]!.length;
  for (const [j, p] of params.entries()) {
    if (!(p instanceof Float32Array)) throw new TypeError(`weightSoup: model ${j}'s parameters must be a Float32Array`);
    if (p.length !== size) throw new RangeError(`weightSoup: model ${j} has ${p.length} parameters, model 0 has ${size}: a soup needs one architecture`);
  }
  const alpha = weights ?? params.map(() => 1 / n);
  if (alpha.length !== n) throw new RangeError(`weightSoup: ${n} models but ${alpha.length} weights`);
  let total = 0;
  for (const [j, a] of alpha.entries()) {
    if (!(Number.isFinite(a) && a >= 0)) throw new RangeError(`weightSoup: weight ${j} must be a finite number ≥ 0, got ${a}`);
    total += a;
  }
  if (Math.abs(total - 1) > 1e-6) throw new RangeError(`weightSoup: the weights must sum to 1, got ${total}`);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += alpha[j]! * params[j]![i]!;
    out[i] = s;
  }
  return out;
}
