// The row-wise kernels of the transformer: dense layers in GPT-2's Conv1D
// layout (y = x · W + b, W is [in, out]), LayerNorm and RMSNorm, the tanh
// GELU and SwiGLU, rotary rotations, each with its backward. Activations are Float64Array (exact
// enough for finite-difference checks and interop at 1e-5); parameters and
// their gradients are the model's flat Float32Arrays, addressed by offset.
type Arr = Float32Array | Float64Array;

/** out[n, :] = x[n, :] · W + b for n < rows; W = p[w .. w + inSize·outSize) as [in, out]; `b` < 0: no bias. */
export function linear(x: Arr, rows: number, inSize: number, p: Float32Array, w: number, b: number, outSize: number, out: Float64Array): void {
  for (let n = 0; n < rows; n++) {
    const o0 = n * outSize;
    if (b >= 0) for (let j = 0; j < outSize; j++) out[o0 + j] = p[b + j]!;
    else out.fill(0, o0, o0 + outSize);
    const x0 = n * inSize;
    for (let i = 0; i < inSize; i++) {
      const xv = x[x0 + i]!;
      if (xv === 0) continue;
      const w0 = w + i * outSize;
      for (let j = 0; j < outSize; j++) out[o0 + j] += xv * p[w0 + j]!;
    }
  }
}

/** Backward of {@link linear}: dx = dOut · Wᵀ (overwritten; skipped when null), dW += xᵀ · dOut, db += Σ dOut. */
export function linearBackward(
  x: Arr, rows: number, inSize: number, p: Float32Array, g: Float32Array, w: number, b: number, outSize: number,
  dOut: Float64Array, dx: Float64Array | null,
): void {
  for (let n = 0; n < rows; n++) {
    const o0 = n * outSize;
    const x0 = n * inSize;
    if (b >= 0) for (let j = 0; j < outSize; j++) g[b + j] += dOut[o0 + j]!;
    for (let i = 0; i < inSize; i++) {
      const w0 = w + i * outSize;
      const xv = x[x0 + i]!;
      let acc = 0;
      for (let j = 0; j < outSize; j++) {
        const d = dOut[o0 + j]!;
        acc += d * p[w0 + j]!;
        g[w0 + j] += xv * d;
      }
      if (dx !== null) dx[x0 + i] = acc;
    }
  }
}

/** y = (x − μ)/√(σ² + ε) · γ + β per row (σ² biased, as torch); keeps x̂ and 1/√(σ² + ε) for the backward. */
export function layerNorm(
  x: Float64Array, rows: number, d: number, p: Float32Array, gw: number, gb: number, eps: number,
  out: Float64Array, xhat: Float64Array, rstd: Float64Array,
): void {
  for (let n = 0; n < rows; n++) {
    const o = n * d;
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[o + i]!;
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) {
      const c = x[o + i]! - mean;
      v += c * c;
    }
    const r = 1 / Math.sqrt(v / d + eps);
    rstd[n] = r;
    for (let i = 0; i < d; i++) {
      const h = (x[o + i]! - mean) * r;
      xhat[o + i] = h;
      out[o + i] = h * p[gw + i]! + p[gb + i]!;
    }
  }
}

/** Backward of {@link layerNorm}: dx (+)= rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ; dγ += dy·x̂, dβ += dy. */
export function layerNormBackward(
  dy: Float64Array, rows: number, d: number, p: Float32Array, g: Float32Array, gw: number, gb: number,
  xhat: Float64Array, rstd: Float64Array, dx: Float64Array, accumulate: boolean,
): void {
  for (let n = 0; n < rows; n++) {
    const o = n * d;
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i < d; i++) {
      const dyi = dy[o + i]!;
      const h = xhat[o + i]!;
      g[gw + i] += dyi * h;
      g[gb + i] += dyi;
      const dh = dyi * p[gw + i]!;
      m1 += dh;
      m2 += dh * h;
    }
    m1 /= d;
    m2 /= d;
    const r = rstd[n]!;
    for (let i = 0; i < d; i++) {
      const v = r * (dy[o + i]! * p[gw + i]! - m1 - xhat[o + i]! * m2);
      dx[o + i] = accumulate ? dx[o + i]! + v : v;
    }
  }
}

/** Llama's RMSNorm: y = x/√(mean(x²) + ε) · γ per row; keeps x̂ = x·rstd and rstd for the backward. */
export function rmsNorm(
  x: Float64Array, rows: number, d: number, p: Float32Array, gw: number, eps: number,
  out: Float64Array, xhat: Float64Array, rstd: Float64Array,
): void {
  for (let n = 0; n < rows; n++) {
    const o = n * d;
    let ms = 0;
    for (let i = 0; i < d; i++) ms += x[o + i]! * x[o + i]!;
    const r = 1 / Math.sqrt(ms / d + eps);
    rstd[n] = r;
    for (let i = 0; i < d; i++) {
      const h = x[o + i]! * r;
      xhat[o + i] = h;
      out[o + i] = h * p[gw + i]!;
    }
  }
}

/** Backward of {@link rmsNorm}: dx (+)= rstd·(dx̂ − x̂·mean(dx̂·x̂)) with dx̂ = dy·γ; dγ += dy·x̂. */
export function rmsNormBackward(
  dy: Float64Array, rows: number, d: number, p: Float32Array, g: Float32Array, gw: number,
  xhat: Float64Array, rstd: Float64Array, dx: Float64Array, accumulate: boolean,
): void {
  for (let n = 0; n < rows; n++) {
    const o = n * d;
    let m2 = 0;
    for (let i = 0; i < d; i++) {
      const dyi = dy[o + i]!;
      const h = xhat[o + i]!;
      g[gw + i] += dyi * h;
      m2 += dyi * p[gw + i]! * h;
    }
    m2 /= d;
    const r = rstd[n]!;
    for (let i = 0; i < d; i++) {
      const v = r * (dy[o + i]! * p[gw + i]! - xhat[o + i]! * m2);
      dx[o + i] = accumulate ? dx[o + i]! + v : v;
    }
  }
}

/**
 * The config's norm over `rows` rows: {@link layerNorm} with bias at `gb`, or
 * {@link rmsNorm} when `rms` (`gb` unused).
 */
export function norm(
  rms: boolean, x: Float64Array, rows: number, d: number, p: Float32Array, gw: number, gb: number, eps: number,
  out: Float64Array, xhat: Float64Array, rstd: Float64Array,
): void {
  if (rms) rmsNorm(x, rows, d, p, gw, eps, out, xhat, rstd);
  else layerNorm(x, rows, d, p, gw, gb, eps, out, xhat, rstd);
}

/** Backward of {@link norm}. */
export function normBackward(
  rms: boolean, dy: Float64Array, rows: number, d: number, p: Float32Array, g: Float32Array, gw: number, gb: number,
  xhat: Float64Array, rstd: Float64Array, dx: Float64Array, accumulate: boolean,
): void {
  if (rms) rmsNormBackward(dy, rows, d, p, g, gw, xhat, rstd, dx, accumulate);
  else layerNormBackward(dy, rows, d, p, g, gw, gb, xhat, rstd, dx, accumulate);
}

/** SwiGLU over rows of `pre` = [gate | up] (2·h wide): out[n, j] = silu(gate[n, j]) · up[n, j], silu(a) = a·σ(a). */
export function swiglu(pre: Float64Array, rows: number, h: number, out: Float64Array): void {
  for (let n = 0; n < rows; n++) {
    const o = n * 2 * h;
    for (let j = 0; j < h; j++) {
      const a = pre[o + j]!;
      out[n * h + j] = (a / (1 + Math.exp(-a))) * pre[o + h + j]!;
    }
  }
}

/** Backward of {@link swiglu}: dPre [rows, 2·h] (overwritten) from dOut [rows, h]. */
export function swigluBackward(pre: Float64Array, rows: number, h: number, dOut: Float64Array, dPre: Float64Array): void {
  for (let n = 0; n < rows; n++) {
    const o = n * 2 * h;
    for (let j = 0; j < h; j++) {
      const a = pre[o + j]!;
      const sig = 1 / (1 + Math.exp(-a));
      const d = dOut[n * h + j]!;
      dPre[o + j] = d * pre[o + h + j]! * sig * (1 + a * (1 - sig));
      dPre[o + h + j] = d * a * sig;
    }
  }
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GPT-2's "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), elementwise over `n` values. */
export function gelu(x: Float64Array, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    out[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
  }
}

/** d = dOut · gelu′(x), in place in `dOut`. */
export function geluBackward(x: Float64Array, n: number, dOut: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const t = Math.tanh(GELU_C * (v + 0.044715 * v * v * v));
    const dt = (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * v * v);
    dOut[i] = dOut[i]! * (0.5 * (1 + t) + 0.5 * v * dt);
  }
}

/**
 * Rotates one head vector `v[o .. o + hd)` for position `pos` (rotate-half
 * pairing: element i with i + hd/2, frequency base^(−2i/hd)); `sign` −1
 * applies the inverse rotation (the backward).
 */
export function rotate(v: Float64Array, o: number, hd: number, pos: number, sign: 1 | -1, base = 10000): void {
  const half = hd / 2;
  for (let i = 0; i < half; i++) {
    const angle = pos * Math.pow(base, (-2 * i) / hd);
    const c = Math.cos(angle);
    const s = sign * Math.sin(angle);
    const a = v[o + i]!;
    const b = v[o + i + half]!;
    v[o + i] = a * c - b * s;
    v[o + i + half] = b * c + a * s;
  }
}
