import { gelu, linear, norm, rotate, swiglu } from "./ops.js";
import { lmHead, type Transformer } from "./transformer.js";

/**
 * The keys and values one sequence has produced so far, per block, so each
 * new token costs one row of work instead of a full forward. Made by
 * {@link newKvCache}; fed one token at a time by {@link decodeStep}.
 */
export interface KvCache {
  /** Positions filled (the next token's position). */
  length: number;
  /** Per block, [context, dModel] keys (rotated when rotary) and values. */
  readonly keys: Float64Array[];
  readonly values: Float64Array[];
}

export function newKvCache(model: Transformer): KvCache {
  const { layers, context, dModel } = model.config;
  return {
    length: 0,
    keys: Array.from({ length: layers }, () => new Float64Array(context * dModel)),
    values: Array.from({ length: layers }, () => new Float64Array(context * dModel)),
  };
}

/**
 * Appends `token` at position `cache.length` and returns the next-token
 * logits [vocab] at that position: the same numbers as row `cache.length` of
 * a full {@link Transformer.forward} over the sequence so far. Keeps no
 * activations for backward (inference only).
 */
export function decodeStep(model: Transformer, cache: KvCache, token: number): Float64Array {
  const { vocabSize: V, context, dModel: D, heads, mlpHidden: Hd, layerNormEps: eps } = model.config;
  const t = cache.length;
  if (t >= context) throw new RangeError(`decodeStep: the cache is full (context ${context})`);
  if (!(Number.isInteger(token) && token >= 0 && token < V)) throw new RangeError(`decodeStep: token ${token} is outside the vocabulary [0, ${V})`);
  const p = model.params;
  const hd = D / heads;
  const { ropeTheta } = model.variant;
  const rms = model.variant.norm === "rms";
  const glu = model.variant.mlp === "swiglu";
  const scale = 1 / Math.sqrt(hd);
  const x = new Float64Array(D);
  const e = model.slot("wte.weight").offset + token * D;
  const wpe = model.config.positions === "learned" ? model.slot("wpe.weight").offset + t * D : -1;
  for (let i = 0; i < D; i++) x[i] = p[e + i]! + (wpe >= 0 ? p[wpe + i]! : 0);
  const ln = new Float64Array(D);
  const hat = new Float64Array(D);
  const rstd = new Float64Array(1);
  const qkv = new Float64Array(3 * D);
  const att = new Float64Array(D);
  const tmp = new Float64Array(D);
  const fc = new Float64Array(glu ? 2 * Hd : Hd);
  const act = glu ? new Float64Array(Hd) : fc;
  const scores = new Float64Array(t + 1);
  model.blocks.forEach((s, l) => {
    norm(rms, x, 1, D, p, s.ln1w, s.ln1b, eps, ln, hat, rstd);
    linear(ln, 1, D, p, s.attnW, s.attnB, 3 * D, qkv);
    if (model.config.positions === "rotary") {
      for (let h = 0; h < heads; h++) {
        rotate(qkv, h * hd, hd, t, 1, ropeTheta);
        rotate(qkv, D + h * hd, hd, t, 1, ropeTheta);
      }
    }
    const K = cache.keys[l]!;
    const Vs = cache.values[l]!;
    for (let i = 0; i < D; i++) {
      K[t * D + i] = qkv[D + i]!;
      Vs[t * D + i] = qkv[2 * D + i]!;
    }
    for (let h = 0; h < heads; h++) {
      let max = -Infinity;
      for (let u = 0; u <= t; u++) {
        let sc = 0;
        for (let i = 0; i < hd; i++) sc += qkv[h * hd + i]! * K[u * D + h * hd + i]!;
        sc *= scale;
        scores[u] = sc;
        if (sc > max) max = sc;
      }
      let sum = 0;
      for (let u = 0; u <= t; u++) {
        scores[u] = Math.exp(scores[u]! - max);
        sum += scores[u]!;
      }
      for (let i = 0; i < hd; i++) att[h * hd + i] = 0;
      for (let u = 0; u <= t; u++) {
        const w = scores[u]! / sum;
        for (let i = 0; i < hd; i++) att[h * hd + i] += w * Vs[u * D + h * hd + i]!;
      }
    }
    linear(att, 1, D, p, s.attnProjW, s.attnProjB, D, tmp);
    for (let i = 0; i < D; i++) x[i] += tmp[i]!;
    norm(rms, x, 1, D, p, s.ln2w, s.ln2b, eps, ln, hat, rstd);
    linear(ln, 1, D, p, s.fcW, s.fcB, fc.length, fc);
    if (glu) swiglu(fc, 1, Hd, act);
    else gelu(fc, Hd, fc);
    linear(act, 1, Hd, p, s.mlpProjW, s.mlpProjB, D, tmp);
    for (let i = 0; i < D; i++) x[i] += tmp[i]!;
  });
  const lnf = model.lnfOffsets;
  norm(rms, x, 1, D, p, lnf.w, lnf.b, eps, ln, hat, rstd);
  const logits = new Float64Array(V);
  lmHead(ln, 1, D, p, model.lmHeadOffset, V, logits);
  cache.length = t + 1;
  return logits;
}
