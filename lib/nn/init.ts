import type { Rng } from "../random/rng.js";

/**
 * A random `rows × cols` matrix (row-major) with orthonormal rows or columns
 * (whichever are fewer), times `gain`: torch.nn.init.orthogonal_ for a
 * `[rows, cols]` weight. As in torch, a Gaussian matrix (transposed when it
 * is wide) is factored A = QR and Q's columns are multiplied by sign(diag R);
 * Gram–Schmidt (run twice for float64 orthogonality) yields that same Q
 * directly, since its R has a positive diagonal.
 */
export function orthogonal(rows: number, cols: number, rng: Rng, gain = 1): Float64Array {
  const flat = new Float64Array(rows * cols);
  rng.fillNormal(flat);
  const wide = rows < cols;
  const m = wide ? cols : rows;
  const n = wide ? rows : cols;
  // columns of the tall m×n matrix A (A = flatᵀ when wide)
  const q = Array.from({ length: n }, (_, k) => {
    const col = new Float64Array(m);
    for (let i = 0; i < m; i++) col[i] = wide ? flat[k * cols + i]! : flat[i * cols + k]!;
    return col;
  });
  for (let k = 0; k < n; k++) {
    const v = q[k]!;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < k; j++) {
        const u = q[j]!;
        let r = 0;
        for (let i = 0; i < m; i++) r += u[i]! * v[i]!;
        for (let i = 0; i < m; i++) v[i] = v[i]! - r * u[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) v[i] = v[i]! / norm;
  }
  const out = new Float64Array(rows * cols);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < m; i++) {
      if (wide) out[k * cols + i] = gain * q[k]![i]!;
      else out[i * cols + k] = gain * q[k]![i]!;
    }
  }
  return out;
}
