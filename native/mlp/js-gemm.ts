// C (+)= A·B for the plain-JS engine, with every operand addressed through
// strides so that one routine serves x·W, Xᵀ·dZ and dZ·Wᵀ. Register tiles of
// 2 rows × 4 columns, accumulated in doubles: V8 keeps them in registers,
// which measured 2-4× faster than the axpy form (`y[j] += x·w[j]`).

/** A strided matrix view: element (r, k) at `data[off + r*rs + k*cs]`. */
export interface View {
  data: Float32Array;
  off: number;
  rs: number;
  cs: number;
}

/** How C starts: zeros, a bias row broadcast down the rows, or C itself (accumulate). */
export const Init = { Zero: 0, Bias: 1, Accumulate: 2 } as const;
export type Init = (typeof Init)[keyof typeof Init];

/**
 * `C[M×N] = init + A[M×K]·B[K×N]`; C is row-major with row stride `ldc`.
 * `bias` (when init is Bias) is read at `bias[biasOff + j]`.
 */
export function gemm(
  M: number, N: number, K: number,
  A: View, B: View,
  c: Float32Array, co: number, ldc: number,
  init: Init, bias: Float32Array, biasOff: number,
): void {
  const a = A.data, ars = A.rs, acs = A.cs;
  const b = B.data, brs = B.rs, bcs = B.cs;
  const N4 = N - (N % 4);
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const a0 = A.off + i * ars, a1 = a0 + ars;
    const c0 = co + i * ldc, c1 = c0 + ldc;
    let j = 0;
    for (; j < N4; j += 4) {
      let s0, s1, s2, s3, t0, t1, t2, t3;
      if (init === Init.Bias) {
        s0 = t0 = bias[biasOff + j]!; s1 = t1 = bias[biasOff + j + 1]!;
        s2 = t2 = bias[biasOff + j + 2]!; s3 = t3 = bias[biasOff + j + 3]!;
      } else if (init === Init.Accumulate) {
        s0 = c[c0 + j]!; s1 = c[c0 + j + 1]!; s2 = c[c0 + j + 2]!; s3 = c[c0 + j + 3]!;
        t0 = c[c1 + j]!; t1 = c[c1 + j + 1]!; t2 = c[c1 + j + 2]!; t3 = c[c1 + j + 3]!;
      } else {
        s0 = s1 = s2 = s3 = t0 = t1 = t2 = t3 = 0;
      }
      let pb = B.off + j * bcs;
      for (let k = 0; k < K; k++, pb += brs) {
        const x0 = a[a0 + k * acs]!, x1 = a[a1 + k * acs]!;
        const w0 = b[pb]!, w1 = b[pb + bcs]!, w2 = b[pb + 2 * bcs]!, w3 = b[pb + 3 * bcs]!;
        s0 += x0 * w0; s1 += x0 * w1; s2 += x0 * w2; s3 += x0 * w3;
        t0 += x1 * w0; t1 += x1 * w1; t2 += x1 * w2; t3 += x1 * w3;
      }
      c[c0 + j] = s0; c[c0 + j + 1] = s1; c[c0 + j + 2] = s2; c[c0 + j + 3] = s3;
      c[c1 + j] = t0; c[c1 + j + 1] = t1; c[c1 + j + 2] = t2; c[c1 + j + 3] = t3;
    }
    for (; j < N; j++) {
      let s = start(init, bias, biasOff + j, c, c0 + j);
      let t = start(init, bias, biasOff + j, c, c1 + j);
      let pb = B.off + j * bcs;
      for (let k = 0; k < K; k++, pb += brs) {
        const w = b[pb]!;
        s += a[a0 + k * acs]! * w;
        t += a[a1 + k * acs]! * w;
      }
      c[c0 + j] = s;
      c[c1 + j] = t;
    }
  }
  for (; i < M; i++) {
    const a0 = A.off + i * ars;
    const c0 = co + i * ldc;
    for (let j = 0; j < N; j++) {
      let s = start(init, bias, biasOff + j, c, c0 + j);
      let pb = B.off + j * bcs;
      for (let k = 0; k < K; k++, pb += brs) s += a[a0 + k * acs]! * b[pb]!;
      c[c0 + j] = s;
    }
  }
}

function start(init: Init, bias: Float32Array, bi: number, c: Float32Array, ci: number): number {
  return init === Init.Bias ? bias[bi]! : init === Init.Accumulate ? c[ci]! : 0;
}
