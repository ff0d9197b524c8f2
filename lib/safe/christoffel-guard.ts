import type { Guard } from "./guard.js";
import { invertSpd } from "./support-guard.js";

/** Exponents of every monomial of `k` variables up to total degree `d`, constant first, by degree. */
export function monomialExponents(k: number, d: number): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[], left: number, deg: number) => {
    if (prefix.length === k) {
      if (left === 0) out.push(prefix);
      return;
    }
    for (let e = left; e >= 0; e--) rec([...prefix, e], left - e, deg);
  };
  for (let deg = 0; deg <= d; deg++) rec([], deg, deg);
  return out;
}

/**
 * OGSRL's guardian at any degree d (METHODS.md card 20): the empirical
 * Christoffel function q(z) = v_d(z)ᵀ M_d⁻¹ v_d(z), v_d the monomials of z
 * up to degree d and M_d = (1/n) Σ v_d v_dᵀ their empirical moment matrix;
 * the support is the sub-level set q ≤ τ. Degree 1 is the Mahalanobis
 * ellipsoid of {@link SupportGuard}; degree 2 and up follow curved and
 * correlated supports (a dose given only at low side effect). τ is the
 * `coverage` quantile of q over the data. z is standardized first (q does
 * not change under affine maps of z; the moment matrix is better
 * conditioned).
 */
export class ChristoffelGuard implements Guard {
  readonly dims: number;
  readonly degree: number;
  readonly tau: number;
  private readonly exps: number[][];
  private readonly mean: Float64Array;
  private readonly std: Float64Array;
  private readonly inverse: Float64Array;
  private readonly v: Float64Array;
  private readonly zs: Float64Array;

  private constructor(dims: number, degree: number, exps: number[][], mean: Float64Array, std: Float64Array, inverse: Float64Array, tau: number) {
    this.dims = dims;
    this.degree = degree;
    this.exps = exps;
    this.mean = mean;
    this.std = std;
    this.inverse = inverse;
    this.tau = tau;
    this.v = new Float64Array(exps.length);
    this.zs = new Float64Array(dims);
  }

  /** Fitted to `rows` (n × dims, row-major). `ridge` is added to M's diagonal (default 1e-6). */
  static fit(rows: ArrayLike<number>, dims: number, options: { degree?: number; coverage?: number; ridge?: number } = {}): ChristoffelGuard {
    const degree = options.degree ?? 2;
    if (!Number.isInteger(degree) || degree < 1 || degree > 6) throw new RangeError(`ChristoffelGuard.fit: degree must be an integer in 1…6, got ${degree}`);
    if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`ChristoffelGuard.fit: dims must be a positive integer, got ${dims}`);
    const n = rows.length / dims;
    const exps = monomialExponents(dims, degree);
    const m = exps.length;
    if (!Number.isInteger(n) || n < m) throw new RangeError(`ChristoffelGuard.fit: ${m} monomials of degree ≤ ${degree} in ${dims} variables need at least ${m} rows, got ${rows.length / dims}`);
    const coverage = options.coverage ?? 0.95;
    if (!(coverage > 0 && coverage < 1)) throw new RangeError(`ChristoffelGuard.fit: coverage must be in (0, 1), got ${coverage}`);
    const mean = new Float64Array(dims);
    const std = new Float64Array(dims);
    for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) mean[j] = mean[j]! + rows[i * dims + j]! / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) std[j] = std[j]! + (rows[i * dims + j]! - mean[j]!) ** 2 / n;
    for (let j = 0; j < dims; j++) std[j] = Math.sqrt(std[j]!) || 1;
    const guard = new ChristoffelGuard(dims, degree, exps, mean, std, new Float64Array(m * m), Infinity);
    const moments = new Float64Array(m * m);
    const z = new Float64Array(dims);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dims; j++) z[j] = rows[i * dims + j]!;
      const v = guard.features(z);
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) moments[a * m + b] = moments[a * m + b]! + (v[a]! * v[b]!) / n;
    }
    const ridge = options.ridge ?? 1e-6;
    for (let a = 0; a < m; a++) moments[a * m + a] = moments[a * m + a]! + ridge;
    const inverse = invertSpd(moments, m);
    const fitted = new ChristoffelGuard(dims, degree, exps, mean, std, inverse, Infinity);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < dims; j++) z[j] = rows[i * dims + j]!;
      scores[i] = fitted.score(z);
    }
    scores.sort();
    const tau = scores[Math.min(n - 1, Math.ceil(coverage * n) - 1)]!;
    return new ChristoffelGuard(dims, degree, exps, mean, std, inverse, tau);
  }

  /** v_d(z) of the standardized row (a buffer reused by the next call). */
  private features(z: ArrayLike<number>): Float64Array {
    for (let j = 0; j < this.dims; j++) this.zs[j] = (z[j]! - this.mean[j]!) / this.std[j]!;
    for (let a = 0; a < this.exps.length; a++) {
      const e = this.exps[a]!;
      let p = 1;
      for (let j = 0; j < this.dims; j++) for (let r = 0; r < e[j]!; r++) p *= this.zs[j]!;
      this.v[a] = p;
    }
    return this.v;
  }

  score(z: ArrayLike<number>): number {
    if (z.length !== this.dims) throw new RangeError(`ChristoffelGuard.score: expected ${this.dims} values, got ${z.length}`);
    const v = this.features(z);
    const m = v.length;
    let q = 0;
    for (let a = 0; a < m; a++) {
      let s = 0;
      for (let b = 0; b < m; b++) s += this.inverse[a * m + b]! * v[b]!;
      q += v[a]! * s;
    }
    return q;
  }

  cost(z: ArrayLike<number>): 0 | 1 {
    return this.score(z) > this.tau ? 1 : 0;
  }
}
