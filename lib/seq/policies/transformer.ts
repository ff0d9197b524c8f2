import type { Rng } from "../../random/rng.js";
import { transformerConfig, transformerVariant, validateTransformerConfig, type TransformerConfig, type TransformerVariant } from "./config.js";
import { blockSlots, initTransformerParams, paramLayout, slotOf, tensorView, type BlockSlots, type ParamLayout, type TensorSlot } from "./layout.js";
import { decodeStep, newKvCache, type KvCache } from "./kv-cache.js";
import { gelu, geluBackward, linear, linearBackward, norm, normBackward, rotate, swiglu, swigluBackward } from "./ops.js";
import { checkForwardTokens, checkShareRows, type TokenDecoder, type TokenPolicy } from "./token-policy.js";

/** What {@link Transformer.forward} keeps for {@link Transformer.backward}. */
interface BlockActs {
  ln1: Float64Array; ln1Hat: Float64Array; ln1Rstd: Float64Array;
  /** [rows, 3·dModel]: q and k after the rotary rotation (when rotary), v. */
  qkv: Float64Array;
  /** [batch, heads, length, length] causal softmax weights (upper triangle 0). */
  probs: Float64Array;
  /** [rows, dModel] the heads' outputs, concatenated. */
  att: Float64Array;
  ln2: Float64Array; ln2Hat: Float64Array; ln2Rstd: Float64Array;
  /** [rows, mlpHidden], or [rows, 2·mlpHidden] (gate | up) with SwiGLU. */
  fcPre: Float64Array;
  fcAct: Float64Array;
}

interface Saved {
  tokens: Int32Array;
  batch: number;
  length: number;
  blocks: BlockActs[];
  lnf: Float64Array; lnfHat: Float64Array; lnfRstd: Float64Array;
}

/**
 * A decoder-only transformer policy, GPT-2 style (pre-norm):
 *
 *     x = wte[token] + wpe[position]          (no wpe with rotary positions)
 *     per block: x += c_proj(causal multi-head attention(c_attn(ln_1(x))))
 *                x += mlp.c_proj(gelu_new(mlp.c_fc(ln_2(x))))
 *     logits = ln_f(x) · W_lmᵀ                (W_lm = wte when tied)
 *
 * or Llama style with `norm: "rms"`, `mlp: "swiglu"`, `bias: false` and
 * rotary positions (RMSNorm for ln_*, mlp.c_proj(silu(gate) ⊙ up)).
 *
 * All parameters live in one flat Float32Array (`params`, named views in
 * `layout`, see {@link paramLayout}); {@link backward} accumulates into
 * `grads` in the same layout. Activations are kept in float64.
 */
export class Transformer implements TokenPolicy {
  readonly kind = "transformer";
  readonly config: TransformerConfig;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  /** Offsets of each block's tensors. */
  readonly blocks: readonly BlockSlots[];
  /** The config's optional fields with defaults filled in. */
  readonly variant: TransformerVariant;
  private saved: Saved | null = null;

  /** Wraps `params` (not copied) in `config`'s layout; fresh zero grads. */
  constructor(config: TransformerConfig, params: Float32Array) {
    validateTransformerConfig(config);
    this.config = { ...config };
    this.layout = paramLayout(this.config);
    if (!(params instanceof Float32Array) || params.length !== this.layout.size) {
      throw new RangeError(`transformer params: expected a Float32Array of ${this.layout.size} values for this config, got ${params?.length}`);
    }
    this.params = params;
    this.grads = new Float32Array(params.length);
    this.blocks = Array.from({ length: this.config.layers }, (_, i) => blockSlots(this.layout, i));
    this.variant = transformerVariant(this.config);
  }

  /** A new model with GPT-2's initialization (see {@link initTransformerParams}), drawn from `rng` only. */
  static create(config: Partial<TransformerConfig> & { vocabSize: number }, options: { rng: Rng; std?: number }): Transformer {
    const full = transformerConfig(config);
    return new Transformer(full, initTransformerParams(full, paramLayout(full), options));
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  get context(): number {
    return this.config.context;
  }

  /** A decoder of `rows` sequences: one KV cache per row, fed by {@link decodeStep} (the float64 reference path). */
  decoder(rows: number): TokenDecoder {
    if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`decoder: rows must be a positive integer, got ${rows}`);
    const caches: KvCache[] = Array.from({ length: rows }, () => newKvCache(this));
    const V = this.config.vocabSize;
    let position = 0;
    return {
      rows,
      get position() {
        return position;
      },
      step: (tokens, active, logits) => {
        if (tokens.length < rows || logits.length < rows * V) throw new RangeError(`decoder.step: expected ${rows} tokens and ${rows}·${V} logits, got ${tokens.length} and ${logits.length}`);
        for (let r = 0; r < rows; r++) {
          if (active !== null && !active[r]) continue;
          // a row that sat out steps is fed at its own next position (its cache length)
          logits.set(decodeStep(this, caches[r]!, tokens[r]!), r * V);
        }
        position++;
      },
      share: (from, to) => {
        checkShareRows(from, to, rows);
        const c = caches[from]!;
        caches[to] = { length: c.length, keys: c.keys.map((k) => k.slice()), values: c.values.map((v) => v.slice()) };
      },
    };
  }

  /** A view (not a copy) of the parameter tensor `name`, row-major in `shape(name)`. */
  param(name: string): Float32Array {
    return tensorView(this.layout, this.params, name);
  }

  /** A view of the gradient of `name`. */
  grad(name: string): Float32Array {
    return tensorView(this.layout, this.grads, name);
  }

  slot(name: string): TensorSlot {
    return slotOf(this.layout, name);
  }

  zeroGrads(): void {
    this.grads.fill(0);
  }

  /** A copy with copied params (grads zero). */
  clone(): Transformer {
    return new Transformer(this.config, this.params.slice());
  }

  /** Offsets of the final norm's gain and bias (−1 with RMSNorm, which has none). */
  get lnfOffsets(): { w: number; b: number } {
    return { w: this.slot("ln_f.weight").offset, b: this.layout.slots.get("ln_f.bias")?.offset ?? -1 };
  }

  /** Offset of the output embedding [vocab, dModel] (wte when tied). */
  get lmHeadOffset(): number {
    return this.slot(this.config.tieEmbeddings ? "wte.weight" : "lm_head.weight").offset;
  }

  /**
   * Logits `[batch, length, vocab]` (row-major) for `tokens` `[batch, length]`,
   * position t seeing tokens 0..t of its row. Keeps the activations for one
   * {@link backward}. `length` ≤ context.
   */
  forward(tokens: Int32Array, batch: number, length: number): Float64Array {
    const { vocabSize: V, context, dModel: D, heads, mlpHidden: Hd, layerNormEps: eps } = this.config;
    checkForwardTokens(tokens, batch, length, context, V);
    const p = this.params;
    const N = batch * length;
    const hd = D / heads;
    const { ropeTheta } = this.variant;
    const rms = this.variant.norm === "rms";
    const glu = this.variant.mlp === "swiglu";
    const fcOut = glu ? 2 * Hd : Hd;
    const x = new Float64Array(N * D);
    const wte = this.slot("wte.weight").offset;
    const wpe = this.config.positions === "learned" ? this.slot("wpe.weight").offset : -1;
    for (let n = 0; n < N; n++) {
      const e = wte + tokens[n]! * D;
      const pe = wpe + (n % length) * D;
      for (let i = 0; i < D; i++) x[n * D + i] = p[e + i]! + (wpe >= 0 ? p[pe + i]! : 0);
    }
    const blocks: BlockActs[] = [];
    const tmpD = new Float64Array(N * D);
    for (const s of this.blocks) {
      const a: BlockActs = {
        ln1: new Float64Array(N * D), ln1Hat: new Float64Array(N * D), ln1Rstd: new Float64Array(N),
        qkv: new Float64Array(N * 3 * D), probs: new Float64Array(batch * heads * length * length), att: new Float64Array(N * D),
        ln2: new Float64Array(N * D), ln2Hat: new Float64Array(N * D), ln2Rstd: new Float64Array(N),
        fcPre: new Float64Array(N * fcOut), fcAct: new Float64Array(N * Hd),
      };
      norm(rms, x, N, D, p, s.ln1w, s.ln1b, eps, a.ln1, a.ln1Hat, a.ln1Rstd);
      linear(a.ln1, N, D, p, s.attnW, s.attnB, 3 * D, a.qkv);
      if (this.config.positions === "rotary") {
        for (let n = 0; n < N; n++) {
          for (let h = 0; h < heads; h++) {
            rotate(a.qkv, n * 3 * D + h * hd, hd, n % length, 1, ropeTheta);
            rotate(a.qkv, n * 3 * D + D + h * hd, hd, n % length, 1, ropeTheta);
          }
        }
      }
      attentionForward(a.qkv, batch, length, D, heads, a.probs, a.att);
      linear(a.att, N, D, p, s.attnProjW, s.attnProjB, D, tmpD);
      for (let i = 0; i < N * D; i++) x[i] += tmpD[i]!;
      norm(rms, x, N, D, p, s.ln2w, s.ln2b, eps, a.ln2, a.ln2Hat, a.ln2Rstd);
      linear(a.ln2, N, D, p, s.fcW, s.fcB, fcOut, a.fcPre);
      if (glu) swiglu(a.fcPre, N, Hd, a.fcAct);
      else gelu(a.fcPre, N * Hd, a.fcAct);
      linear(a.fcAct, N, Hd, p, s.mlpProjW, s.mlpProjB, D, tmpD);
      for (let i = 0; i < N * D; i++) x[i] += tmpD[i]!;
      blocks.push(a);
    }
    const lnf = new Float64Array(N * D);
    const lnfHat = new Float64Array(N * D);
    const lnfRstd = new Float64Array(N);
    const lnfW = this.lnfOffsets;
    norm(rms, x, N, D, p, lnfW.w, lnfW.b, eps, lnf, lnfHat, lnfRstd);
    const logits = new Float64Array(N * V);
    lmHead(lnf, N, D, p, this.lmHeadOffset, V, logits);
    this.saved = { tokens: tokens.slice(), batch, length, blocks, lnf, lnfHat, lnfRstd };
    return logits;
  }

  /**
   * Accumulates into `grads` the gradient of a loss whose gradient with
   * respect to the last {@link forward}'s logits is `dLogits` `[batch, length, vocab]`.
   * Frees the kept activations.
   */
  backward(dLogits: ArrayLike<number>): void {
    const saved = this.saved;
    if (saved === null) throw new Error("backward: call forward first (each forward allows one backward)");
    const { vocabSize: V, dModel: D, heads, mlpHidden: Hd } = this.config;
    const { batch, length, tokens } = saved;
    const N = batch * length;
    if (dLogits.length !== N * V) throw new RangeError(`backward: expected dLogits of ${N}·${V} = ${N * V} values, got ${dLogits.length}`);
    this.saved = null;
    const p = this.params;
    const g = this.grads;
    const hd = D / heads;
    const { ropeTheta } = this.variant;
    const rms = this.variant.norm === "rms";
    const glu = this.variant.mlp === "swiglu";
    // logits[n, v] = Σ_d lnf[n, d] · W[v, d]
    const W = this.lmHeadOffset;
    const dLnf = new Float64Array(N * D);
    for (let n = 0; n < N; n++) {
      for (let v = 0; v < V; v++) {
        const dl = dLogits[n * V + v]!;
        if (dl === 0) continue;
        const w0 = W + v * D;
        for (let i = 0; i < D; i++) {
          dLnf[n * D + i] += dl * p[w0 + i]!;
          g[w0 + i] += dl * saved.lnf[n * D + i]!;
        }
      }
    }
    const dx = new Float64Array(N * D);
    const lnfW = this.lnfOffsets;
    normBackward(rms, dLnf, N, D, p, g, lnfW.w, lnfW.b, saved.lnfHat, saved.lnfRstd, dx, false);
    const dAct = new Float64Array(N * Hd);
    const dPre = glu ? new Float64Array(N * 2 * Hd) : dAct;
    const dLn = new Float64Array(N * D);
    const dAtt = new Float64Array(N * D);
    const dQkv = new Float64Array(N * 3 * D);
    for (let l = this.blocks.length - 1; l >= 0; l--) {
      const s = this.blocks[l]!;
      const a = saved.blocks[l]!;
      linearBackward(a.fcAct, N, Hd, p, g, s.mlpProjW, s.mlpProjB, D, dx, dAct);
      if (glu) swigluBackward(a.fcPre, N, Hd, dAct, dPre);
      else geluBackward(a.fcPre, N * Hd, dAct);
      linearBackward(a.ln2, N, D, p, g, s.fcW, s.fcB, glu ? 2 * Hd : Hd, dPre, dLn);
      normBackward(rms, dLn, N, D, p, g, s.ln2w, s.ln2b, a.ln2Hat, a.ln2Rstd, dx, true);
      linearBackward(a.att, N, D, p, g, s.attnProjW, s.attnProjB, D, dx, dAtt);
      attentionBackward(a.qkv, a.probs, batch, length, D, heads, dAtt, dQkv);
      if (this.config.positions === "rotary") {
        for (let n = 0; n < N; n++) {
          for (let h = 0; h < heads; h++) {
            rotate(dQkv, n * 3 * D + h * hd, hd, n % length, -1, ropeTheta);
            rotate(dQkv, n * 3 * D + D + h * hd, hd, n % length, -1, ropeTheta);
          }
        }
      }
      linearBackward(a.ln1, N, D, p, g, s.attnW, s.attnB, 3 * D, dQkv, dLn);
      normBackward(rms, dLn, N, D, p, g, s.ln1w, s.ln1b, a.ln1Hat, a.ln1Rstd, dx, true);
    }
    const wte = this.slot("wte.weight").offset;
    const wpe = this.config.positions === "learned" ? this.slot("wpe.weight").offset : -1;
    for (let n = 0; n < N; n++) {
      const e = wte + tokens[n]! * D;
      const pe = wpe + (n % length) * D;
      for (let i = 0; i < D; i++) {
        g[e + i] += dx[n * D + i]!;
        if (wpe >= 0) g[pe + i] += dx[n * D + i]!;
      }
    }
  }
}

/** logits[n, v] = Σ_d x[n, d] · p[w + v·D + d]. */
export function lmHead(x: Float64Array, rows: number, D: number, p: Float32Array, w: number, V: number, out: Float64Array): void {
  for (let n = 0; n < rows; n++) {
    for (let v = 0; v < V; v++) {
      const w0 = w + v * D;
      let acc = 0;
      for (let i = 0; i < D; i++) acc += x[n * D + i]! * p[w0 + i]!;
      out[n * V + v] = acc;
    }
  }
}

/** Causal multi-head attention over `qkv` rows [q | k | v]; softmax(q·kᵀ/√hd) with keys u ≤ t. */
function attentionForward(qkv: Float64Array, batch: number, L: number, D: number, heads: number, probs: Float64Array, att: Float64Array): void {
  const hd = D / heads;
  const scale = 1 / Math.sqrt(hd);
  const R = 3 * D;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < L; t++) {
        const pr = ((b * heads + h) * L + t) * L;
        const q0 = (b * L + t) * R + h * hd;
        let max = -Infinity;
        for (let u = 0; u <= t; u++) {
          const k0 = (b * L + u) * R + D + h * hd;
          let s = 0;
          for (let i = 0; i < hd; i++) s += qkv[q0 + i]! * qkv[k0 + i]!;
          s *= scale;
          probs[pr + u] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let u = 0; u <= t; u++) {
          const e = Math.exp(probs[pr + u]! - max);
          probs[pr + u] = e;
          sum += e;
        }
        const o0 = (b * L + t) * D + h * hd;
        for (let i = 0; i < hd; i++) att[o0 + i] = 0;
        for (let u = 0; u <= t; u++) {
          const w = probs[pr + u]! / sum;
          probs[pr + u] = w;
          const v0 = (b * L + u) * R + 2 * D + h * hd;
          for (let i = 0; i < hd; i++) att[o0 + i] += w * qkv[v0 + i]!;
        }
      }
    }
  }
}

function attentionBackward(qkv: Float64Array, probs: Float64Array, batch: number, L: number, D: number, heads: number, dAtt: Float64Array, dQkv: Float64Array): void {
  const hd = D / heads;
  const scale = 1 / Math.sqrt(hd);
  const R = 3 * D;
  dQkv.fill(0);
  const dP = new Float64Array(L);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < L; t++) {
        const pr = ((b * heads + h) * L + t) * L;
        const o0 = (b * L + t) * D + h * hd;
        const q0 = (b * L + t) * R + h * hd;
        let dot = 0;
        for (let u = 0; u <= t; u++) {
          const v0 = (b * L + u) * R + 2 * D + h * hd;
          const w = probs[pr + u]!;
          let d = 0;
          for (let i = 0; i < hd; i++) {
            d += dAtt[o0 + i]! * qkv[v0 + i]!;
            dQkv[v0 + i] += w * dAtt[o0 + i]!;
          }
          dP[u] = d;
          dot += w * d;
        }
        for (let u = 0; u <= t; u++) {
          const dS = probs[pr + u]! * (dP[u]! - dot) * scale;
          if (dS === 0) continue;
          const k0 = (b * L + u) * R + D + h * hd;
          for (let i = 0; i < hd; i++) {
            dQkv[q0 + i] += dS * qkv[k0 + i]!;
            dQkv[k0 + i] += dS * qkv[q0 + i]!;
          }
        }
      }
    }
  }
}
