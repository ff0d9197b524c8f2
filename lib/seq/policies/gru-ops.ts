// The row-wise kernels of the GRU policy: dense layers in torch's nn.Linear
// layout (y = x · Wᵀ + b, W is [out, in]) and one step of PyTorch's GRU cell,
// each with its backward. Activations are Float64Array; parameters are the
// model's flat Float32Array addressed by offset. Backwards accumulate into a
// float64 gradient buffer in the params' layout (the caller adds it to the
// float32 grads once, so BPTT's many small terms are not rounded one by one).
type Arr = Float32Array | Float64Array;

/** out[n, j] = b[j] + Σ_i x[n, i] · W[j, i] for n < rows; W = p[w .. w + outSize·inSize) as [out, in]; `b` < 0: no bias. */
export function dense(x: Arr, rows: number, inSize: number, p: Float32Array, w: number, b: number, outSize: number, out: Float64Array): void {
  for (let n = 0; n < rows; n++) {
    const x0 = n * inSize;
    const o0 = n * outSize;
    for (let j = 0; j < outSize; j++) {
      const w0 = w + j * inSize;
      let acc = b >= 0 ? p[b + j]! : 0;
      for (let i = 0; i < inSize; i++) acc += x[x0 + i]! * p[w0 + i]!;
      out[o0 + j] = acc;
    }
  }
}

/**
 * Backward of {@link dense}: g[W] += dOutᵀ · x, g[b] += Σ_n dOut (skipped when
 * `b` < 0), and dx = dOut · W, added to `dx` when `accumulate`, else written
 * (skipped when `dx` is null). `g` is indexed like `p`.
 */
export function denseBackward(
  x: Arr, rows: number, inSize: number, p: Float32Array, g: Float64Array, w: number, b: number, outSize: number,
  dOut: Float64Array, dx: Float64Array | null, accumulate: boolean,
): void {
  if (dx !== null && !accumulate) dx.fill(0, 0, rows * inSize);
  for (let n = 0; n < rows; n++) {
    const x0 = n * inSize;
    const o0 = n * outSize;
    for (let j = 0; j < outSize; j++) {
      const d = dOut[o0 + j]!;
      if (d === 0) continue;
      if (b >= 0) g[b + j] += d;
      const w0 = w + j * inSize;
      for (let i = 0; i < inSize; i++) g[w0 + i] += d * x[x0 + i]!;
      if (dx !== null) for (let i = 0; i < inSize; i++) dx[x0 + i] += d * p[w0 + i]!;
    }
  }
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** What {@link gruCell} keeps of one step for {@link gruCellBackward}. */
export interface GruCellActs {
  /** [rows, 3H]: r, z, n of each row. */
  gates: Float64Array;
  /** [rows, H]: W_hn h + b_hn (the hidden part of n's input, before r scales it). */
  ghn: Float64Array;
}

/**
 * One step of PyTorch's GRU cell for `rows` rows, from the input and hidden
 * projections gi = x · W_ihᵀ + b_ih and gh = h · W_hhᵀ + b_hh ([rows, 3H],
 * gates stacked r, z, n):
 *
 *     r = σ(gi_r + gh_r)   z = σ(gi_z + gh_z)   n = tanh(gi_n + r ⊙ gh_n)
 *     h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Writes h' into `hOut` ([rows, H]) and, when `keep` is given, the gates.
 */
export function gruCell(gi: Float64Array, gh: Float64Array, hPrev: Float64Array, rows: number, H: number, hOut: Float64Array, keep: GruCellActs | null): void {
  for (let n = 0; n < rows; n++) {
    const g0 = n * 3 * H;
    const h0 = n * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gi[g0 + j]! + gh[g0 + j]!);
      const z = sigmoid(gi[g0 + H + j]! + gh[g0 + H + j]!);
      const hn = gh[g0 + 2 * H + j]!;
      const c = Math.tanh(gi[g0 + 2 * H + j]! + r * hn);
      hOut[h0 + j] = (1 - z) * c + z * hPrev[h0 + j]!;
      if (keep !== null) {
        keep.gates[g0 + j] = r;
        keep.gates[g0 + H + j] = z;
        keep.gates[g0 + 2 * H + j] = c;
        keep.ghn[h0 + j] = hn;
      }
    }
  }
}

/**
 * Backward of {@link gruCell} given dL/dh' (`dh`, [rows, H]): writes dL/dgi
 * and dL/dgh ([rows, 3H]) and the direct part of dL/dh, z ⊙ dh, into
 * `dhPrev` (the part through gh is dgh · W_hh, left to the caller's dense backward).
 */
export function gruCellBackward(
  dh: Float64Array, hPrev: Float64Array, acts: GruCellActs, rows: number, H: number,
  dGi: Float64Array, dGh: Float64Array, dhPrev: Float64Array,
): void {
  const { gates, ghn } = acts;
  for (let n = 0; n < rows; n++) {
    const g0 = n * 3 * H;
    const h0 = n * H;
    for (let j = 0; j < H; j++) {
      const r = gates[g0 + j]!;
      const z = gates[g0 + H + j]!;
      const c = gates[g0 + 2 * H + j]!;
      const d = dh[h0 + j]!;
      const dPreN = d * (1 - z) * (1 - c * c);
      const dPreZ = d * (hPrev[h0 + j]! - c) * z * (1 - z);
      const dPreR = dPreN * ghn[h0 + j]! * r * (1 - r);
      dGi[g0 + j] = dPreR;
      dGi[g0 + H + j] = dPreZ;
      dGi[g0 + 2 * H + j] = dPreN;
      dGh[g0 + j] = dPreR;
      dGh[g0 + H + j] = dPreZ;
      dGh[g0 + 2 * H + j] = dPreN * r;
      dhPrev[h0 + j] = d * z;
    }
  }
}
