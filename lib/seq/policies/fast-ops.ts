// The JS float32 kernels of the fast transformer: causal attention of one
// query row (for head sizes the f32x4 kernel of native/wasm/attention.ts
// cannot take) and rotary rotations, each with its backward. They read and write one Float32Array (a view of the kernels'
// wasm memory) at float offsets; sums are taken in float64 (JS numbers).

/**
 * One query row of causal attention over `count` keys: probs[u] =
 * softmax_u(q·k_u · scale), out = Σ_u probs[u]·v_u. Key/value u of the head
 * start at k + u·kvStride and v + u·kvStride.
 */
export function attendRow(
  f: Float32Array, q: number, k: number, v: number, kvStride: number, count: number, hd: number, scale: number, probs: number, out: number,
): void {
  let max = -Infinity;
  for (let u = 0, ku = k; u < count; u++, ku += kvStride) {
    let s = 0;
    for (let i = 0; i < hd; i++) s += f[q + i]! * f[ku + i]!;
    s *= scale;
    f[probs + u] = s;
    if (s > max) max = s;
  }
  let sum = 0;
  for (let u = 0; u < count; u++) {
    const e = Math.exp(f[probs + u]! - max);
    f[probs + u] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let i = 0; i < hd; i++) f[out + i] = 0;
  for (let u = 0, vu = v; u < count; u++, vu += kvStride) {
    const w = f[probs + u]! * inv;
    f[probs + u] = w;
    for (let i = 0; i < hd; i++) f[out + i] += w * f[vu + i]!;
  }
}

/**
 * Backward of {@link attendRow} given dOut: dv_u += p_u·dOut, dq += Σ dS_u·k_u,
 * dk_u += dS_u·q with dS_u = p_u·(dOut·v_u − Σ_w p_w dOut·v_w)·scale. The
 * gradients share the layout of q, k, v at offset `dShift` from them.
 */
export function attendRowBackward(
  f: Float32Array, q: number, k: number, v: number, kvStride: number, count: number, hd: number, scale: number, probs: number,
  dOut: number, dShift: number, dP: Float64Array,
): void {
  let dot = 0;
  for (let u = 0, vu = v; u < count; u++, vu += kvStride) {
    const w = f[probs + u]!;
    let d = 0;
    for (let i = 0; i < hd; i++) {
      const g = f[dOut + i]!;
      d += g * f[vu + i]!;
      f[vu + dShift + i] += w * g;
    }
    dP[u] = d;
    dot += w * d;
  }
  const dq = q + dShift;
  for (let u = 0, ku = k; u < count; u++, ku += kvStride) {
    const dS = f[probs + u]! * (dP[u]! - dot) * scale;
    const dk = ku + dShift;
    for (let i = 0; i < hd; i++) {
      f[dq + i] += dS * f[ku + i]!;
      f[dk + i] += dS * f[q + i]!;
    }
  }
}

/** cos and sin of the rotary angles pos·base^(−2i/hd): [context, hd/2] each, as ./ops.ts `rotate` computes them. */
export function rotaryTables(context: number, hd: number, base = 10000): { cos: Float64Array; sin: Float64Array } {
  const half = hd / 2;
  const cos = new Float64Array(context * half);
  const sin = new Float64Array(context * half);
  for (let pos = 0; pos < context; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = pos * Math.pow(base, (-2 * i) / hd);
      cos[pos * half + i] = Math.cos(angle);
      sin[pos * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/** Rotates the head vector f[o .. o + hd) for `pos` (rotate-half pairing); `sign` −1 is the inverse (the backward). */
export function rotateF32(f: Float32Array, o: number, hd: number, pos: number, sign: 1 | -1, cos: Float64Array, sin: Float64Array): void {
  const half = hd / 2;
  const t = pos * half;
  for (let i = 0; i < half; i++) {
    const c = cos[t + i]!;
    const s = sign * sin[t + i]!;
    const a = f[o + i]!;
    const b = f[o + i + half]!;
    f[o + i] = a * c - b * s;
    f[o + i + half] = b * c + a * s;
  }
}
