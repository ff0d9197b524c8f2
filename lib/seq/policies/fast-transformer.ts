import type { Rng } from "../../random/rng.js";
import { ACT, INIT, transformerKernelsUnavailable } from "../../../native/transformer/module.js";
import { KernelHelper } from "../../../native/transformer/helper.js";
import { SplitKernels } from "../../../native/transformer/split-kernels.js";
import { Workspace } from "../../../native/transformer/workspace.js";
import { transformerConfig, transformerVariant, validateTransformerConfig, type TransformerConfig } from "./config.js";
import { DecoderMemory } from "./decoder-memory.js";
import { FastDecoder } from "./fast-decoder.js";
import { attendRow, attendRowBackward, rotaryTables, rotateF32 } from "./fast-ops.js";
import { WeightMirror } from "./fast-weights.js";
import { initTransformerParams, paramLayout, type ParamLayout } from "./layout.js";
import { prefixedRows, type PrefixedRows } from "./prefixed-rows.js";
import { checkForwardTokens, type PrefixedTokens, type TokenDecoder, type TokenPolicy } from "./token-policy.js";
import { Transformer } from "./transformer.js";

/** Float offsets of one block's activations for the current capacity. */
interface BlockRegion {
  ln1: number; hat1: number; rstd1: number;
  qkv: number; probs: number; att: number;
  ln2: number; hat2: number; rstd2: number;
  fcPre: number; fcAct: number;
}

interface Regions {
  rows: number;
  x: number;
  blocks: BlockRegion[];
  lnf: number; hatf: number; rstdf: number;
  logits: number;
  dLogits: number; dx: number; dLn: number; dAtt: number; dQkv: number; dAct: number;
  /** One sequence's [q | k | v] rows (context of them) gathered for attention, and their gradients. */
  seqQkv: number; dSeqQkv: number;
}

export interface FastTransformerOptions {
  /**
   * 2: forward and backward split their GEMMs, GELU and LayerNorm by rows
   * with a helper thread on shared wasm memory (bit-identical results; pays
   * only where a second core is free). Falls back to 1 where threads are
   * unavailable (see {@link FastTransformer.threads}). Default 1. Decoders
   * split their steps with the same helper thread.
   */
  threads?: 1 | 2;
}

/** K-chunk of the weight-gradient GEMMs (K = batch·length rows) and of the forward GEMM with K = mlpHidden (see gemmChunkedK). */
const KC_WEIGHT_GRAD = 128;
const KC_FORWARD = 64;

/** Why {@link FastTransformer} cannot run `config` on this runtime, or null when it can. */
export function fastTransformerUnsupported(config: TransformerConfig): string | null {
  // the f32 kernels compute GPT-2's block only (LayerNorm with bias, GELU MLP, biased projections, rotary base 10000)
  const v = transformerVariant(config);
  if (v.norm !== "layer") return `norm ${JSON.stringify(v.norm)} is not implemented by the f32 kernels (only "layer")`;
  if (v.mlp !== "gelu") return `mlp ${JSON.stringify(v.mlp)} is not implemented by the f32 kernels (only "gelu")`;
  if (!v.bias) return "bias false is not implemented by the f32 kernels (the projections need biases)";
  if (config.positions === "rotary" && v.ropeTheta !== 10000) return `ropeTheta ${v.ropeTheta} is not implemented by the f32 kernels (only 10000)`;
  if (config.dModel % 4 !== 0 || config.mlpHidden % 4 !== 0) return `dModel (${config.dModel}) and mlpHidden (${config.mlpHidden}) must be multiples of 4 for the f32x4 kernels`;
  return transformerKernelsUnavailable();
}

/**
 * The {@link Transformer} in float32 on wasm SIMD kernels: the same config,
 * flat parameter layout, gradients and decoder semantics (so params move
 * between the two and `saveGpt2`/`loadGpt2` apply), float32 activations,
 * every linear layer and the LM head as a register-tiled GEMM (forward and
 * backward), a batched KV-cache decoder (one GEMM per layer and step over all
 * active rows). Needs WebAssembly SIMD and dModel, mlpHidden multiples of 4;
 * {@link fastTransformer} falls back to the reference where those are missing.
 * Deterministic: the same inputs give bit-identical outputs on one machine.
 */
export class FastTransformer implements TokenPolicy {
  readonly kind = "transformer";
  readonly config: TransformerConfig;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  private readonly ws: Workspace;
  private readonly w: WeightMirror;
  /** The gradient mirror: a tensor at layout offset o is at G + o. */
  private readonly G: number;
  private readonly activationsMark: number;
  private regions: Regions | null = null;
  /** The rows of the last forward and who attends to whom (a packed batch is one prefix per row of the batch, no suffixes). */
  private saved: PrefixedRows | null = null;
  private readonly rope: { cos: Float64Array; sin: Float64Array } | null;
  private readonly dP: Float64Array;
  /** Whether attention runs in the wasm kernel (head size % 4 == 0), else in JS. */
  private readonly simdHeads: boolean;
  /** Float offset of the wasm attention backward's scratch (context floats). */
  private readonly dPScratch: number;

  /** Threads the forward and backward run on: 2 with a helper thread (see {@link FastTransformerOptions}), else 1. */
  readonly threads: 1 | 2;
  private kernels: SplitKernels;
  private readonly helper: KernelHelper | null;
  /** Closed decoders' memory, for the next decoders. */
  private readonly decoderMemory = new DecoderMemory();

  /**
   * Wraps `params` (not copied) in `config`'s layout; fresh zero grads.
   * Throws a RangeError where the kernels cannot run the config.
   */
  constructor(config: TransformerConfig, params: Float32Array, options: FastTransformerOptions = {}) {
    validateTransformerConfig(config);
    const why = fastTransformerUnsupported(config);
    if (why !== null) throw new RangeError(`FastTransformer: ${why}`);
    this.config = { ...config };
    this.layout = paramLayout(this.config);
    if (!(params instanceof Float32Array) || params.length !== this.layout.size) {
      throw new RangeError(`transformer params: expected a Float32Array of ${this.layout.size} values for this config, got ${params?.length}`);
    }
    this.params = params;
    this.grads = new Float32Array(params.length);
    const threads = options.threads ?? 1;
    if (threads !== 1 && threads !== 2) throw new RangeError(`FastTransformer: threads must be 1 or 2, got ${JSON.stringify(threads)}`);
    let helper: KernelHelper | null = null;
    if (threads === 2) {
      this.ws = new Workspace(0, true);
      try {
        helper = new KernelHelper(this.ws);
      } catch {
        helper = null; // no threads here: run on one
      }
    } else this.ws = new Workspace();
    this.helper = helper;
    this.threads = helper === null ? 1 : 2;
    this.kernels = new SplitKernels(this.ws.k, helper);
    this.w = new WeightMirror(this.ws, this.config, this.layout);
    this.G = this.ws.alloc(this.layout.size);
    this.dPScratch = this.ws.alloc(this.config.context);
    this.activationsMark = this.ws.mark();
    const hd = this.config.dModel / this.config.heads;
    this.rope = this.config.positions === "rotary" ? rotaryTables(this.config.context, hd) : null;
    this.dP = new Float64Array(this.config.context);
    this.simdHeads = hd % 4 === 0;
  }

  /** A new model with GPT-2's initialization, drawn from `rng` only (the same params as `Transformer.create`). */
  static create(config: Partial<TransformerConfig> & { vocabSize: number }, options: { rng: Rng; std?: number } & FastTransformerOptions): FastTransformer {
    const full = transformerConfig(config);
    return new FastTransformer(full, initTransformerParams(full, paramLayout(full), options), options);
  }

  /** A fast copy of `model` (params copied). */
  static from(model: Transformer, options: FastTransformerOptions = {}): FastTransformer {
    return new FastTransformer(model.config, model.params.slice(), options);
  }

  /** The reference float64 model with a copy of these params. */
  toTransformer(): Transformer {
    return new Transformer(this.config, this.params.slice());
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  get context(): number {
    return this.config.context;
  }

  zeroGrads(): void {
    this.grads.fill(0);
  }

  /** A copy with copied params (grads zero) and the same number of threads. */
  clone(): FastTransformer {
    return new FastTransformer(this.config, this.params.slice(), { threads: this.threads });
  }

  /** Stops the helper thread, if any (later calls run on one thread). Optional: the helper does not keep the process alive. */
  close(): void {
    this.helper?.close();
    this.kernels = new SplitKernels(this.ws.k, null);
  }

  /**
   * A batched decoder of `rows` sequences over a snapshot of the current
   * params (later changes to `params` do not reach it), on this model's
   * threads (its own memory, shared with the helper thread; one thread once
   * the model is closed). Its `close()` hands the memory back for the next one.
   */
  decoder(rows: number): TokenDecoder {
    return new FastDecoder(this.config, this.layout, this.params, rows, this.helper, this.decoderMemory);
  }

  forward(tokens: Int32Array, batch: number, length: number): Float32Array {
    checkForwardTokens(tokens, batch, length, this.config.context, this.config.vocabSize);
    const N = batch * length;
    return this.forwardRows({
      tokens: tokens.slice(),
      positions: Int32Array.from({ length: N }, (_, n) => n % length),
      prefixStarts: Int32Array.from({ length: batch + 1 }, (_, b) => b * length),
      sequencePrefix: new Int32Array(0),
      suffixStarts: Int32Array.of(N),
      byPrefix: new Int32Array(0),
    });
  }

  /** See {@link TokenPolicy.forwardPrefixed}: each prefix's rows once, each suffix's rows attending to its prefix's keys and values. */
  forwardPrefixed(input: PrefixedTokens): Float32Array {
    return this.forwardRows(prefixedRows(input, this.config.vocabSize, this.config.context));
  }

  private forwardRows(rows: PrefixedRows): Float32Array {
    const { vocabSize: V, dModel: D, mlpHidden: H, layerNormEps: eps } = this.config;
    const { tokens, positions } = rows;
    this.saved = null;
    const N = tokens.length;
    const R = this.ensure(N);
    const w = this.w;
    w.sync(this.params);
    const { ws } = this;
    const kern = this.kernels;
    const f = ws.f32;
    const P = w.P;
    for (let n = 0; n < N; n++) {
      const e = P + w.wte + tokens[n]! * D;
      const xo = R.x + n * D;
      if (w.wpe >= 0) {
        const pe = P + w.wpe + positions[n]! * D;
        for (let i = 0; i < D; i++) f[xo + i] = f[e + i]! + f[pe + i]!;
      } else for (let i = 0; i < D; i++) f[xo + i] = f[e + i]!;
    }
    this.w.blocks.forEach((s, l) => {
      const a = R.blocks[l]!;
      kern.layerNorm(4 * R.x, N, D, 4 * (P + s.ln1w), 4 * (P + s.ln1b), eps, 4 * a.ln1, 4 * a.hat1, 4 * a.rstd1);
      kern.gemm(N, 3 * D, D, 4 * a.ln1, D, 1, 4 * (P + s.attnW), 4 * a.qkv, 4 * (P + s.attnB), ACT.linear, INIT.bias);
      if (this.rope) this.rotateQk(a.qkv, positions, 1);
      this.attend(rows, a, R);
      kern.gemm(N, D, D, 4 * a.att, D, 1, 4 * (P + s.attnProjW), 4 * R.x, 4 * (P + s.attnProjB), ACT.linear, INIT.accumulateBias);
      kern.layerNorm(4 * R.x, N, D, 4 * (P + s.ln2w), 4 * (P + s.ln2b), eps, 4 * a.ln2, 4 * a.hat2, 4 * a.rstd2);
      kern.gemm(N, H, D, 4 * a.ln2, D, 1, 4 * (P + s.fcW), 4 * a.fcPre, 4 * (P + s.fcB), ACT.linear, INIT.bias);
      kern.gelu(N * H, 4 * a.fcPre, 4 * a.fcAct, 4 * ws.geluTable);
      kern.gemmChunkedK(KC_FORWARD, N, D, H, 4 * a.fcAct, H, 1, 4 * (P + s.mlpProjW), 4 * R.x, 4 * (P + s.mlpProjB), INIT.accumulateBias);
    });
    kern.layerNorm(4 * R.x, N, D, 4 * (P + w.lnfW), 4 * (P + w.lnfB), eps, 4 * R.lnf, 4 * R.hatf, 4 * R.rstdf);
    const Vp = w.vocabPadded;
    kern.gemm(N, Vp, D, 4 * R.lnf, D, 1, 4 * w.lmT, 4 * R.logits, 0, ACT.linear, INIT.zero);
    const logits = new Float32Array(N * V);
    if (Vp === V) logits.set(f.subarray(R.logits, R.logits + N * V));
    else for (let n = 0; n < N; n++) logits.set(f.subarray(R.logits + n * Vp, R.logits + n * Vp + V), n * V);
    this.saved = rows;
    return logits;
  }

  backward(dLogits: ArrayLike<number>): void {
    const saved = this.saved;
    if (saved === null) throw new RangeError("backward: call forward first (each forward allows one backward)");
    const { vocabSize: V, dModel: D, mlpHidden: H } = this.config;
    const { tokens, positions } = saved;
    const N = tokens.length;
    if (dLogits === null || typeof dLogits !== "object" || dLogits.length !== N * V) {
      throw new RangeError(`backward: expected dLogits of ${N}·${V} = ${N * V} values (the last forward's logits), got ${(dLogits as { length?: unknown } | null)?.length}`);
    }
    this.saved = null;
    const R = this.regions!;
    const { ws, w, G } = this;
    const k = ws.k;
    const kern = this.kernels;
    const f = ws.f32;
    const P = w.P;
    const Vp = w.vocabPadded;
    f.set(this.grads, G);
    if (Vp === V) f.set(dLogits, R.dLogits);
    else for (let n = 0, i = 0; n < N; n++) for (let v = 0; v < V; v++) f[R.dLogits + n * Vp + v] = dLogits[i++]!;
    // dW_lm += dLogitsᵀ·ln_f, d ln_f = dLogits·W_lm
    kern.gemmChunkedK(KC_WEIGHT_GRAD, V, D, N, 4 * R.dLogits, 1, Vp, 4 * R.lnf, 4 * (G + w.lm), 0, INIT.accumulate);
    kern.gemm(N, D, V, 4 * R.dLogits, Vp, 1, 4 * (P + w.lm), 4 * R.dLn, 0, ACT.linear, INIT.zero);
    f.fill(0, R.dx, R.dx + N * D);
    k.layerNormBackward(4 * R.dLn, N, D, 4 * (P + w.lnfW), 4 * (G + w.lnfW), 4 * (G + w.lnfB), 4 * R.hatf, 4 * R.rstdf, 4 * R.dx);
    const linearBackward = (x: number, inSize: number, wOff: number, bOff: number, outSize: number, dZ: number, WT: number, dX: number): void => {
      kern.gemm(1, outSize, N, 4 * ws.one, 0, 0, 4 * dZ, 4 * (G + bOff), 0, ACT.linear, INIT.accumulate);
      kern.gemmChunkedK(KC_WEIGHT_GRAD, inSize, outSize, N, 4 * x, 1, inSize, 4 * dZ, 4 * (G + wOff), 0, INIT.accumulate);
      kern.gemm(N, inSize, outSize, 4 * dZ, outSize, 1, 4 * WT, 4 * dX, 0, ACT.linear, INIT.zero);
    };
    for (let l = w.blocks.length - 1; l >= 0; l--) {
      const s = w.blocks[l]!;
      const t = w.transposes[l]!;
      const a = R.blocks[l]!;
      linearBackward(a.fcAct, H, s.mlpProjW, s.mlpProjB, D, R.dx, t.mlpProjWT, R.dAct);
      kern.geluGrad(N * H, 4 * a.fcPre, 4 * R.dAct, 4 * ws.geluTable);
      linearBackward(a.ln2, D, s.fcW, s.fcB, H, R.dAct, t.fcWT, R.dLn);
      k.layerNormBackward(4 * R.dLn, N, D, 4 * (P + s.ln2w), 4 * (G + s.ln2w), 4 * (G + s.ln2b), 4 * a.hat2, 4 * a.rstd2, 4 * R.dx);
      linearBackward(a.att, D, s.attnProjW, s.attnProjB, D, R.dx, t.attnProjWT, R.dAtt);
      f.fill(0, R.dQkv, R.dQkv + N * 3 * D);
      this.attendBackward(saved, a, R);
      if (this.rope) this.rotateQk(R.dQkv, positions, -1);
      linearBackward(a.ln1, D, s.attnW, s.attnB, 3 * D, R.dQkv, t.attnWT, R.dLn);
      k.layerNormBackward(4 * R.dLn, N, D, 4 * (P + s.ln1w), 4 * (G + s.ln1w), 4 * (G + s.ln1b), 4 * a.hat1, 4 * a.rstd1, 4 * R.dx);
    }
    for (let n = 0; n < N; n++) {
      const e = G + w.wte + tokens[n]! * D;
      const xo = R.dx + n * D;
      for (let i = 0; i < D; i++) f[e + i] += f[xo + i]!;
      if (w.wpe >= 0) {
        const pe = G + w.wpe + positions[n]! * D;
        for (let i = 0; i < D; i++) f[pe + i] += f[xo + i]!;
      }
    }
    this.grads.set(f.subarray(G, G + this.grads.length));
  }

  /** Causal attention of block `a`'s rows: each prefix over itself, each suffix over its prefix and itself (into a.att and a.probs). */
  private attend(rows: PrefixedRows, a: BlockRegion, R: Regions): void {
    const D = this.config.dModel, D3 = 3 * D;
    const f = this.ws.f32;
    const { prefixStarts, sequencePrefix, suffixStarts, byPrefix } = rows;
    for (let p = 0; p + 1 < prefixStarts.length; p++) {
      const r0 = prefixStarts[p]!;
      const q0 = a.qkv + r0 * D3;
      this.attendRows(a, q0, q0 + D, 1, prefixStarts[p + 1]! - r0, r0);
    }
    // each sequence laid out contiguously in the scratch (as the kernels read keys), its prefix copied once per run of sequences sharing it
    let gathered = -1, prefixLength = 0;
    for (const s of byPrefix) {
      const r0 = suffixStarts[s]!, r1 = suffixStarts[s + 1]!;
      if (r1 === r0) continue;
      const p = sequencePrefix[s]!;
      if (p !== gathered) {
        f.copyWithin(R.seqQkv, a.qkv + prefixStarts[p]! * D3, a.qkv + prefixStarts[p + 1]! * D3);
        prefixLength = prefixStarts[p + 1]! - prefixStarts[p]!;
        gathered = p;
      }
      const q0 = R.seqQkv + prefixLength * D3;
      f.copyWithin(q0, a.qkv + r0 * D3, a.qkv + r1 * D3);
      this.attendRows(a, q0, R.seqQkv + D, prefixLength + 1, r1 - r0, r0);
    }
  }

  /** The backward of {@link attend}: adds the q, k, v gradients into R.dQkv (zeroed by the caller). */
  private attendBackward(rows: PrefixedRows, a: BlockRegion, R: Regions): void {
    const D = this.config.dModel, D3 = 3 * D;
    const f = this.ws.f32;
    const { prefixStarts, sequencePrefix, suffixStarts, byPrefix } = rows;
    for (let p = 0; p + 1 < prefixStarts.length; p++) {
      const r0 = prefixStarts[p]!;
      const q0 = a.qkv + r0 * D3;
      this.attendRowsBackward(a, q0, q0 + D, 1, prefixStarts[p + 1]! - r0, r0, R.dQkv - a.qkv);
    }
    // the prefix's keys and values serve every sequence that continues it: their gradients add up in the scratch over the run of those sequences
    let gathered = -1, prefixFloats = 0;
    const flush = (): void => {
      if (gathered < 0) return;
      const to = R.dQkv + prefixStarts[gathered]! * D3;
      for (let i = 0; i < prefixFloats; i++) f[to + i] += f[R.dSeqQkv + i]!;
    };
    for (const s of byPrefix) {
      const r0 = suffixStarts[s]!, r1 = suffixStarts[s + 1]!;
      if (r1 === r0) continue;
      const p = sequencePrefix[s]!;
      if (p !== gathered) {
        flush();
        f.copyWithin(R.seqQkv, a.qkv + prefixStarts[p]! * D3, a.qkv + prefixStarts[p + 1]! * D3);
        prefixFloats = (prefixStarts[p + 1]! - prefixStarts[p]!) * D3;
        f.fill(0, R.dSeqQkv, R.dSeqQkv + prefixFloats);
        gathered = p;
      }
      const suffixFloats = (r1 - r0) * D3;
      const q0 = R.seqQkv + prefixFloats;
      f.copyWithin(q0, a.qkv + r0 * D3, a.qkv + r1 * D3);
      f.fill(0, R.dSeqQkv + prefixFloats, R.dSeqQkv + prefixFloats + suffixFloats);
      this.attendRowsBackward(a, q0, R.seqQkv + D, prefixFloats / D3 + 1, r1 - r0, r0, R.dSeqQkv - R.seqQkv);
      f.copyWithin(R.dQkv + r0 * D3, R.dSeqQkv + prefixFloats, R.dSeqQkv + prefixFloats + suffixFloats);
    }
    flush();
  }

  /**
   * Attention of `count` query rows (q rows from q0, stride 3·dModel) over the
   * keys and values from kv (k at kv, v at kv + dModel, same stride), row i
   * seeing the first firstKeys + i of them; probs and outputs of row row0 + i.
   */
  private attendRows(a: BlockRegion, q0: number, kv: number, firstKeys: number, count: number, row0: number): void {
    const { dModel: D, heads, context } = this.config;
    const hd = D / heads;
    const scale = 1 / Math.sqrt(hd);
    const ps = (context + 3) & ~3;
    const k = this.ws.k;
    const f = this.ws.f32;
    for (let i = 0; i < count; i++) {
      const q = q0 + i * 3 * D, keys = firstKeys + i, probs = a.probs + (row0 + i) * heads * ps, out = a.att + (row0 + i) * D;
      if (this.simdHeads) k.attend(4 * q, 4 * kv, 4 * (kv + D), 3 * D, keys, heads, hd, scale, 4 * probs, ps, 4 * out);
      else {
        for (let h = 0; h < heads; h++) attendRow(f, q + h * hd, kv + h * hd, kv + D + h * hd, 3 * D, keys, hd, scale, probs + h * ps, out + h * hd);
      }
    }
  }

  /** The backward of {@link attendRows} given R.dAtt: the gradients go to the same places shifted by dShift floats. */
  private attendRowsBackward(a: BlockRegion, q0: number, kv: number, firstKeys: number, count: number, row0: number, dShift: number): void {
    const { dModel: D, heads, context } = this.config;
    const hd = D / heads;
    const scale = 1 / Math.sqrt(hd);
    const ps = (context + 3) & ~3;
    const k = this.ws.k;
    const f = this.ws.f32;
    const dAtt = this.regions!.dAtt;
    for (let i = 0; i < count; i++) {
      const q = q0 + i * 3 * D, keys = firstKeys + i, probs = a.probs + (row0 + i) * heads * ps, dOut = dAtt + (row0 + i) * D;
      if (this.simdHeads) k.attendBackward(4 * q, 4 * kv, 4 * (kv + D), 3 * D, keys, heads, hd, scale, 4 * probs, ps, 4 * dOut, 4 * dShift, 4 * this.dPScratch);
      else {
        for (let h = 0; h < heads; h++) {
          attendRowBackward(f, q + h * hd, kv + h * hd, kv + D + h * hd, 3 * D, keys, hd, scale, probs + h * ps, dOut + h * hd, dShift, this.dP);
        }
      }
    }
  }

  /** Rotates (sign 1) or un-rotates (−1) the q and k heads of rows [q | k | v] at float offset `qkv`, row n at `positions[n]`. */
  private rotateQk(qkv: number, positions: Int32Array, sign: 1 | -1): void {
    const { dModel: D, heads } = this.config;
    const hd = D / heads;
    const { cos, sin } = this.rope!;
    const f = this.ws.f32;
    for (let n = 0; n < positions.length; n++) {
      const pos = positions[n]!;
      for (let h = 0; h < heads; h++) {
        rotateF32(f, qkv + n * 3 * D + h * hd, hd, pos, sign, cos, sin);
        rotateF32(f, qkv + n * 3 * D + D + h * hd, hd, pos, sign, cos, sin);
      }
    }
  }

  /** Activation regions for at least `rows` rows (re-made, larger, when they are too small). */
  private ensure(rows: number): Regions {
    if (this.regions !== null && this.regions.rows >= rows) return this.regions;
    const cap = Math.max(rows, 2 * (this.regions?.rows ?? 0), 64);
    const { dModel: D, mlpHidden: H, heads, context } = this.config;
    const ws = this.ws;
    ws.release(this.activationsMark);
    const A = (n: number): number => ws.alloc(cap * n);
    this.regions = {
      rows: cap,
      x: A(D),
      blocks: Array.from({ length: this.config.layers }, () => ({
        ln1: A(D), hat1: A(D), rstd1: A(1), qkv: A(3 * D), probs: A(heads * ((context + 3) & ~3)), att: A(D),
        ln2: A(D), hat2: A(D), rstd2: A(1), fcPre: A(H), fcAct: A(H),
      })),
      lnf: A(D), hatf: A(D), rstdf: A(1),
      logits: A(this.w.vocabPadded),
      dLogits: A(this.w.vocabPadded), dx: A(D), dLn: A(D), dAtt: A(D), dQkv: A(3 * D), dAct: A(H),
      seqQkv: ws.alloc(context * 3 * D), dSeqQkv: ws.alloc(context * 3 * D),
    };
    return this.regions;
  }
}

/**
 * The fast float32 transformer where this runtime and `config` allow it
 * (WebAssembly SIMD, dModel and mlpHidden multiples of 4), else the float64
 * reference {@link Transformer}; both wrap `params` (a fresh GPT-2 init from
 * `rng` when given a config, the model's own params when given a model).
 */
export function fastTransformer(model: Transformer, options?: FastTransformerOptions): FastTransformer | Transformer;
export function fastTransformer(config: Partial<TransformerConfig> & { vocabSize: number }, options: { rng: Rng; std?: number } & FastTransformerOptions): FastTransformer | Transformer;
export function fastTransformer(
  source: Transformer | (Partial<TransformerConfig> & { vocabSize: number }),
  options?: { rng?: Rng; std?: number } & FastTransformerOptions,
): FastTransformer | Transformer {
  let model: Transformer;
  if (source instanceof Transformer) model = source;
  else {
    if (options?.rng === undefined) throw new TypeError("fastTransformer: pass { rng } to initialize a model from a config");
    model = Transformer.create(source, { rng: options.rng, ...(options.std === undefined ? {} : { std: options.std }) });
  }
  const threads = options?.threads;
  return fastTransformerUnsupported(model.config) === null ? new FastTransformer(model.config, model.params, threads === undefined ? {} : { threads }) : model;
}
