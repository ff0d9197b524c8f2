/**
 * OGSRL's out-of-distribution guardian at degree 1 (METHODS.md card 20): the
 * empirical Christoffel function of the data's rows z (states, or state and
 * action), q(z) = v(z)ᵀ M⁻¹ v(z) with v(z) = (1, z) and M the empirical
 * moment matrix, which at degree 1 equals 1 + (z − μ)ᵀ Σ⁻¹ (z − μ). A row is
 * inside the support when q(z) ≤ τ; the default τ = 1 + χ²_k(0.95) holds 95 %
 * of a Gaussian's mass. c_ood(z) = 1 outside, 0 inside.
 */
import chisquareQuantile from "@stdlib/stats-base-dists-chisquare-quantile";
import type { Guard } from "./guard.js";

export class SupportGuard implements Guard {
  readonly dims: number;
  readonly mean: Float64Array;
  /** Σ⁻¹ (row-major). */
  readonly precision: Float64Array;
  readonly tau: number;

  private constructor(mean: Float64Array, precision: Float64Array, tau: number) {
    this.dims = mean.length;
    this.mean = mean;
    this.precision = precision;
    this.tau = tau;
  }

  /** From a mean and a covariance (row-major, symmetric positive definite). */
  static fromMoments(mean: ArrayLike<number>, covariance: ArrayLike<number>, options: { tau?: number; coverage?: number } = {}): SupportGuard {
    const k = mean.length;
    if (k === 0) throw new RangeError("SupportGuard: no dimensions");
    if (covariance.length !== k * k) throw new RangeError(`SupportGuard: a ${k}-dimensional mean needs ${k * k} covariance entries, got ${covariance.length}`);
    const precision = invertSpd(Float64Array.from(covariance), k);
    return new SupportGuard(Float64Array.from(mean), precision, guardTau(k, options));
  }

  /** Fitted to `rows` (n × dims, row-major): the empirical mean and covariance (divided by n, the empirical moment matrix's; plus `ridge` on the diagonal). */
  static fit(rows: ArrayLike<number>, dims: number, options: { tau?: number; coverage?: number; ridge?: number } = {}): SupportGuard {
    if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`SupportGuard.fit: dims must be a positive integer, got ${dims}`);
    const n = rows.length / dims;
    if (!Number.isInteger(n) || n < 2) throw new RangeError(`SupportGuard.fit: need at least 2 rows of ${dims} values, got ${rows.length} values`);
    const mean = new Float64Array(dims);
    for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) mean[j] = mean[j]! + rows[i * dims + j]! / n;
    const cov = new Float64Array(dims * dims);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < dims; a++) {
        const da = rows[i * dims + a]! - mean[a]!;
        for (let b = 0; b < dims; b++) cov[a * dims + b] = cov[a * dims + b]! + (da * (rows[i * dims + b]! - mean[b]!)) / n;
      }
    }
    const ridge = options.ridge ?? 1e-9;
    for (let a = 0; a < dims; a++) cov[a * dims + a] = cov[a * dims + a]! + ridge;
    return SupportGuard.fromMoments(mean, cov, options);
  }

  /** q(z) = 1 + (z − μ)ᵀ Σ⁻¹ (z − μ). */
  score(z: ArrayLike<number>): number {
    const k = this.dims;
    if (z.length !== k) throw new RangeError(`SupportGuard.score: expected ${k} values, got ${z.length}`);
    let q = 1;
    for (let a = 0; a < k; a++) {
      const da = z[a]! - this.mean[a]!;
      for (let b = 0; b < k; b++) q += da * this.precision[a * k + b]! * (z[b]! - this.mean[b]!);
    }
    return q;
  }

  /** c_ood(z): 1 outside the support (q > τ), else 0. */
  cost(z: ArrayLike<number>): 0 | 1 {
    return this.score(z) > this.tau ? 1 : 0;
  }
}

function guardTau(k: number, options: { tau?: number; coverage?: number }): number {
  if (options.tau !== undefined) {
    if (!(options.tau > 1) || !Number.isFinite(options.tau)) throw new RangeError(`SupportGuard: tau must be a finite number > 1 (q ≥ 1 everywhere), got ${options.tau}`);
    return options.tau;
  }
  const coverage = options.coverage ?? 0.95;
  if (!(coverage > 0 && coverage < 1)) throw new RangeError(`SupportGuard: coverage must be in (0, 1), got ${coverage}`);
  return 1 + chisquareQuantile(coverage, k);
}

/** The inverse of a symmetric positive definite matrix (Cholesky); throws when it is not positive definite. */
export function invertSpd(a: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * k + j]!;
      for (let p = 0; p < j; p++) s -= l[i * k + p]! * l[j * k + p]!;
      if (i === j) {
        if (!(s > 0)) throw new RangeError("SupportGuard: the covariance is not positive definite (add a ridge, or drop constant dimensions)");
        l[i * k + i] = Math.sqrt(s);
      } else l[i * k + j] = s / l[j * k + j]!;
    }
  }
  // Σ⁻¹ = L⁻ᵀ L⁻¹: solve for each column of the identity.
  const inv = new Float64Array(k * k);
  const y = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < k; i++) {
      let s = i === c ? 1 : 0;
      for (let p = 0; p < i; p++) s -= l[i * k + p]! * y[p]!;
      y[i] = s / l[i * k + i]!;
    }
    for (let i = k - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let p = i + 1; p < k; p++) s -= l[p * k + i]! * inv[p * k + c]!;
      inv[i * k + c] = s / l[i * k + i]!;
    }
  }
  return inv;
}
