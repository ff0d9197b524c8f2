import { ACT, INIT, type TransformerExports } from "./module.js";

/**
 * C = init + A·B (linear) as a run of gemm calls over chunks of `kc` of the
 * K dimension, each after the first accumulating into C. For the weight
 * gradients Xᵀ·dZ (K = all rows of the batch) the chunk of X and dZ then
 * stays in L2 across the column tiles: 2560×64 · 2560×192 went from 8 to
 * 12.5–15 GMAC/s on the bench machine with kc = 64–128; for x·W with
 * K = 256 a chunk of W stays in L1 (11.6 → 12.6–13.6 GMAC/s).
 * Arguments as `gemm` (byte addresses, strides in floats).
 */
export function gemmChunkedK(
  k: TransformerExports, kc: number,
  M: number, N: number, K: number, a: number, ars: number, acs: number, b: number, c: number, bias: number, init: number,
): void {
  if (K <= kc) {
    k.gemm(M, N, K, a, ars, acs, b, c, bias, ACT.linear, init);
    return;
  }
  for (let k0 = 0; k0 < K; k0 += kc) {
    k.gemm(M, N, Math.min(kc, K - k0), a + 4 * k0 * acs, ars, acs, b + 4 * k0 * N, c, bias, ACT.linear, k0 === 0 ? init : INIT.accumulate);
  }
}
