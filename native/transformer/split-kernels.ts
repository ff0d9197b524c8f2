import { gemmChunkedK } from "./blocked-gemm.js";
import type { KernelHelper } from "./helper.js";
import { TASK } from "./helper-protocol.js";
import type { TransformerExports } from "./module.js";

/** Below this many rows (or floats / 64) a call runs on the calling thread alone: the hand-off would cost more than it saves. */
const MIN_ROWS = 64;

/** Half of n rounded down to a multiple of 4 (whole f32x4 vectors and gemm row tiles in the helper's share). */
const half = (n: number): number => (n >> 1) & ~3;

/**
 * The row-parallel kernel calls of the transformer: with a helper thread,
 * the helper computes the first rows (or floats) and the caller the rest,
 * each output element by the same operations as on one thread, so the
 * results are bit-identical with and without the helper. Arguments as the
 * exports of ./module.ts (byte addresses; strides and sizes in floats).
 */
export class SplitKernels {
  constructor(readonly k: TransformerExports, readonly helper: KernelHelper | null) {}

  gemm(M: number, N: number, K: number, a: number, ars: number, acs: number, b: number, c: number, bias: number, act: number, init: number): void {
    const h = this.helper;
    if (h === null || M < MIN_ROWS) return this.k.gemm(M, N, K, a, ars, acs, b, c, bias, act, init);
    const m = half(M);
    h.start(TASK.gemm, [m, N, K, a, ars, acs, b, c, bias, act, init]);
    this.k.gemm(M - m, N, K, a + 4 * m * ars, ars, acs, b, c + 4 * m * N, bias, act, init);
    h.finish();
  }

  /** See ./blocked-gemm.ts; split by rows of C. */
  gemmChunkedK(kc: number, M: number, N: number, K: number, a: number, ars: number, acs: number, b: number, c: number, bias: number, init: number): void {
    const h = this.helper;
    if (h === null || M < MIN_ROWS) return gemmChunkedK(this.k, kc, M, N, K, a, ars, acs, b, c, bias, init);
    const m = half(M);
    h.start(TASK.gemmChunkedK, [kc, m, N, K, a, ars, acs, b, c, bias, init]);
    gemmChunkedK(this.k, kc, M - m, N, K, a + 4 * m * ars, ars, acs, b, c + 4 * m * N, bias, init);
    h.finish();
  }

  gelu(n: number, x: number, out: number, consts: number): void {
    this.elementwise(TASK.gelu, n, x, out, consts);
  }

  geluGrad(n: number, x: number, d: number, consts: number): void {
    this.elementwise(TASK.geluGrad, n, x, d, consts);
  }

  layerNorm(x: number, rows: number, d: number, gw: number, gb: number, eps: number, out: number, xhat: number, rstd: number): void {
    const h = this.helper;
    if (h === null || rows < MIN_ROWS) return this.k.layerNorm(x, rows, d, gw, gb, eps, out, xhat, rstd);
    const m = half(rows);
    h.start(TASK.layerNorm, [x, m, d, gw, gb, eps, out, xhat, rstd]);
    const o = 4 * m * d;
    this.k.layerNorm(x + o, rows - m, d, gw, gb, eps, out + o, xhat + o, rstd + 4 * m);
    h.finish();
  }

  private elementwise(task: typeof TASK.gelu | typeof TASK.geluGrad, n: number, x: number, y: number, consts: number): void {
    const h = this.helper;
    const f = task === TASK.gelu ? this.k.gelu : this.k.geluGrad;
    if (h === null || n < 64 * MIN_ROWS) return f(n, x, y, consts);
    const m = half(n);
    h.start(task, [m, x, y, consts]);
    f(n - m, x + 4 * m, y + 4 * m, consts);
    h.finish();
  }
}
