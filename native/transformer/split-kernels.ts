import type { WasmMemory } from "../wasm/api.js";
import { gemmChunkedK } from "./blocked-gemm.js";
import type { KernelHelper } from "./helper.js";
import { TASK } from "./helper-protocol.js";
import type { TransformerExports } from "./module.js";

/** Below this many rows (or floats / 64) a call runs on the calling thread alone by default: the hand-off would cost more than it saves. */
const MIN_ROWS = 64;

/** Below this many rows the decoder's attention runs on the calling thread alone (each row costs ~1 µs per layer). */
const MIN_ATTEND_ROWS = 16;

/** Half of n rounded down to a multiple of 4 (whole f32x4 vectors and gemm row tiles in the helper's share). */
const half = (n: number): number => (n >> 1) & ~3;

/**
 * The row-parallel kernel calls of the transformer: with a helper thread,
 * the helper computes the first rows (or floats) and the caller the rest,
 * each output element by the same operations as on one thread, so the
 * results are bit-identical with and without the helper. Arguments as the
 * exports of ./module.ts (byte addresses; strides and sizes in floats).
 * `memory`: the shared memory `k` runs on when it is not the helper's own
 * (a decoder's); a closed or paused helper counts as none. `minRows`: calls on fewer
 * rows (or 64·minRows floats) run on the calling thread alone.
 */
export class SplitKernels {
  constructor(readonly k: TransformerExports, readonly helper: KernelHelper | null, private readonly memory?: WasmMemory, private readonly minRows = MIN_ROWS) {}

  /** The helper to split with, or null when there is none, it was closed or it is paused after a stall (see KernelHelper.available). */
  private get open(): KernelHelper | null {
    const h = this.helper;
    return h === null || !h.available ? null : h;
  }

  private start(h: KernelHelper, task: number, values: readonly number[]): void {
    h.start(task, values, this.memory);
  }

  gemm(M: number, N: number, K: number, a: number, ars: number, acs: number, b: number, c: number, bias: number, act: number, init: number): void {
    const h = this.open;
    if (h === null || M < this.minRows) return this.k.gemm(M, N, K, a, ars, acs, b, c, bias, act, init);
    const m = half(M);
    this.start(h, TASK.gemm, [m, N, K, a, ars, acs, b, c, bias, act, init]);
    this.k.gemm(M - m, N, K, a + 4 * m * ars, ars, acs, b, c + 4 * m * N, bias, act, init);
    h.finish(this.k);
  }

  /** See ./blocked-gemm.ts; split by rows of C. */
  gemmChunkedK(kc: number, M: number, N: number, K: number, a: number, ars: number, acs: number, b: number, c: number, bias: number, init: number): void {
    const h = this.open;
    if (h === null || M < this.minRows) return gemmChunkedK(this.k, kc, M, N, K, a, ars, acs, b, c, bias, init);
    const m = half(M);
    this.start(h, TASK.gemmChunkedK, [kc, m, N, K, a, ars, acs, b, c, bias, init]);
    gemmChunkedK(this.k, kc, M - m, N, K, a + 4 * m * ars, ars, acs, b, c + 4 * m * N, bias, init);
    h.finish(this.k);
  }

  gelu(n: number, x: number, out: number, consts: number): void {
    this.elementwise(TASK.gelu, n, x, out, consts);
  }

  geluGrad(n: number, x: number, d: number, consts: number): void {
    this.elementwise(TASK.geluGrad, n, x, d, consts);
  }

  layerNorm(x: number, rows: number, d: number, gw: number, gb: number, eps: number, out: number, xhat: number, rstd: number): void {
    const h = this.open;
    if (h === null || rows < this.minRows) return this.k.layerNorm(x, rows, d, gw, gb, eps, out, xhat, rstd);
    const m = half(rows);
    this.start(h, TASK.layerNorm, [x, m, d, gw, gb, eps, out, xhat, rstd]);
    const o = 4 * m * d;
    this.k.layerNorm(x + o, rows - m, d, gw, gb, eps, out + o, xhat + o, rstd + 4 * m);
    h.finish(this.k);
  }

  /**
   * The decoder's attention (see ../wasm/attention.ts) split by block rows:
   * each row is one sequence's cache, attended by the same kernel on either
   * thread. `helperProbs`: the helper's own scratch, as large as `probs`.
   */
  decodeAttend(A: number, order: number, fed: number, qkv: number, K: number, V: number, T: number, D: number, heads: number, hd: number, scale: number, probs: number, ps: number, att: number, helperProbs: number): void {
    const h = this.open;
    if (h === null || A < MIN_ATTEND_ROWS) return this.k.decodeAttend(A, order, fed, qkv, K, V, T, D, heads, hd, scale, probs, ps, att);
    const m = A >> 1;
    this.start(h, TASK.decodeAttend, [m, order, fed, qkv, K, V, T, D, heads, hd, scale, helperProbs, ps, att]);
    this.k.decodeAttend(A - m, order + 4 * m, fed, qkv + 4 * m * 3 * D, K, V, T, D, heads, hd, scale, probs, ps, att + 4 * m * D);
    h.finish(this.k);
  }

  private elementwise(task: typeof TASK.gelu | typeof TASK.geluGrad, n: number, x: number, y: number, consts: number): void {
    const h = this.open;
    const f = task === TASK.gelu ? this.k.gelu : this.k.geluGrad;
    if (h === null || n < 64 * this.minRows) return f(n, x, y, consts);
    const m = half(n);
    this.start(h, task, [m, x, y, consts]);
    f(n - m, x + 4 * m, y + 4 * m, consts);
    h.finish(this.k);
  }
}
