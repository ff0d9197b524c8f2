import type { KernelHelper } from "../../../native/transformer/helper.js";
import { ACT, INIT } from "../../../native/transformer/module.js";
import { SplitKernels } from "../../../native/transformer/split-kernels.js";
import type { Workspace } from "../../../native/transformer/workspace.js";
import type { TransformerConfig } from "./config.js";
import { DecoderMemory } from "./decoder-memory.js";
import { attendRow, rotaryTables, rotateF32 } from "./fast-ops.js";
import { WeightMirror } from "./fast-weights.js";
import type { ParamLayout } from "./layout.js";
import { checkShareRows, type TokenDecoder } from "./token-policy.js";

/**
 * Active rows from which a step's kernels split with the helper thread: on
 * the GRPO shape (d 64, MLP 256) a 32-row step took 160 µs on two threads
 * and 190–250 on one, a 16-row step 90 and 100.
 */
const MIN_SPLIT_ROWS = 16;

/**
 * The batched KV-cache decoder of {@link FastTransformer}: each step gathers
 * the active rows into one block and runs every linear layer and the LM head
 * as one GEMM over it; attention reads each row's own cache. Owns its wasm
 * memory and a snapshot of the params taken when it is made. As in the
 * reference decoder, a row is fed at its own next position (the tokens it has
 * been fed), so a row that sat out steps continues where it stopped. Given an
 * open {@link KernelHelper}, its memory is shared and each step splits the
 * GEMMs, LayerNorms, GELU and attention by rows with that helper thread
 * (bit-identical to one thread); when the helper is closed it runs on one.
 * {@link close} hands its memory back to `memory` (its model's) for the next
 * decoder.
 */
export class FastDecoder implements TokenDecoder {
  private steps = 0;
  private closed = false;
  private readonly ws: Workspace;
  private readonly floats: number;
  private readonly shared: boolean;
  private readonly kernels: SplitKernels;
  private readonly w: WeightMirror;
  /** Tokens fed to each row (a view of wasm memory at float offset fedAt, read by decodeAttend). */
  private readonly fed: Int32Array;
  private readonly fedAt: number;
  /** Block index → row of the active rows of the current step (in wasm memory at orderAt). */
  private readonly order: Int32Array;
  private readonly orderAt: number;
  private readonly x: number; private readonly ln: number; private readonly hat: number; private readonly rstd: number;
  private readonly qkv: number; private readonly att: number; private readonly fc: number; private readonly logits: number;
  private readonly probs: number;
  /** The helper thread's attention scratch (as `probs`). */
  private readonly helperProbs: number;
  /** Floats per head in `probs` (room for whole vectors). */
  private readonly probsStride: number;
  private readonly simdHeads: boolean;
  /** Per block: keys and values [rows, context, dModel] (keys rotated when rotary). */
  private readonly keys: number[];
  private readonly values: number[];
  private readonly rope: { cos: Float64Array; sin: Float64Array } | null;

  constructor(
    private readonly config: TransformerConfig, layout: ParamLayout, params: Float32Array, readonly rows: number,
    helper: KernelHelper | null = null, private readonly memory = new DecoderMemory(),
  ) {
    if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`decoder: rows must be a positive integer, got ${rows}`);
    const { dModel: D, mlpHidden: H, context: T } = config;
    const Vp = (config.vocabSize + 3) & ~3;
    const perRow = D * 4 + 3 * D + H + Vp + 3 + 2 * config.layers * T * D;
    const floats = (this.floats = layout.size + config.layers * (4 * D * D + 2 * D * H) + D * Vp + rows * perRow + 2 * config.heads * (T + 4) + 1024);
    const threaded = (this.shared = helper !== null && !helper.isClosed);
    const ws = (this.ws = memory.take(floats, threaded));
    this.kernels = new SplitKernels(ws.k, threaded ? helper : null, ws.memory, MIN_SPLIT_ROWS);
    this.w = new WeightMirror(ws, config, layout);
    this.fedAt = ws.alloc(rows);
    this.orderAt = ws.alloc(rows);
    this.x = ws.alloc(rows * D);
    this.ln = ws.alloc(rows * D);
    this.hat = ws.alloc(rows * D);
    this.rstd = ws.alloc(rows);
    this.qkv = ws.alloc(rows * 3 * D);
    this.att = ws.alloc(rows * D);
    this.fc = ws.alloc(rows * H);
    this.logits = ws.alloc(rows * this.w.vocabPadded);
    this.probsStride = (T + 3) & ~3;
    this.probs = ws.alloc(config.heads * this.probsStride);
    this.helperProbs = ws.alloc(config.heads * this.probsStride);
    this.simdHeads = (D / config.heads) % 4 === 0;
    this.keys = Array.from({ length: config.layers }, () => ws.alloc(rows * T * D));
    this.values = Array.from({ length: config.layers }, () => ws.alloc(rows * T * D));
    this.rope = config.positions === "rotary" ? rotaryTables(T, D / config.heads) : null;
    this.w.sync(params);
    // the memory was sized for everything above: it does not grow, so these views stay valid
    this.fed = new Int32Array(ws.f32.buffer, 4 * this.fedAt, rows);
    this.order = new Int32Array(ws.f32.buffer, 4 * this.orderAt, rows);
  }

  get position(): number {
    return this.steps;
  }

  /** Gives the memory back to the model for its next decoder; later calls throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.memory.give(this.ws, this.floats, this.shared);
  }

  share(from: number, to: number): void {
    if (this.closed) throw new Error("decoder.share: the decoder is closed");
    const { rows } = this;
    checkShareRows(from, to, rows);
    if (from === to) return;
    const { context: T, dModel: D } = this.config;
    const n = this.fed[from]!;
    const f = this.ws.f32;
    for (const base of [...this.keys, ...this.values]) f.copyWithin(base + to * T * D, base + from * T * D, base + (from * T + n) * D);
    this.fed[to] = n;
  }

  step(tokens: Int32Array, active: Uint8Array | null, logits: Float32Array | Float64Array): void {
    if (this.closed) throw new Error("decoder.step: the decoder is closed");
    const { rows } = this;
    const { vocabSize: V, context: T, dModel: D, heads, mlpHidden: H, layerNormEps: eps } = this.config;
    if (tokens.length < rows || logits.length < rows * V) throw new RangeError(`decoder.step: expected ${rows} tokens and ${rows}·${V} logits, got ${tokens.length} and ${logits.length}`);
    if (active !== null && active.length < rows) throw new RangeError(`decoder.step: expected ${rows} active flags, got ${active.length}`);
    let A = 0;
    for (let r = 0; r < rows; r++) {
      if (active !== null && !active[r]) continue;
      const tok = tokens[r]!;
      if (!(Number.isInteger(tok) && tok >= 0 && tok < V)) throw new RangeError(`decoder.step: token ${tok} of row ${r} is outside the vocabulary [0, ${V})`);
      if (this.fed[r]! >= T) throw new RangeError(`decoder.step: row ${r} is full (context ${T})`);
      this.order[A++] = r;
    }
    this.steps++;
    if (A === 0) return;
    const { ws, w, order, fed } = this;
    const k = this.kernels;
    const f = ws.f32;
    const P = w.P;
    const hd = D / heads;
    const scale = 1 / Math.sqrt(hd);
    for (let a = 0; a < A; a++) {
      const r = order[a]!;
      const e = P + w.wte + tokens[r]! * D;
      const xo = this.x + a * D;
      if (w.wpe >= 0) {
        const pe = P + w.wpe + fed[r]! * D;
        for (let i = 0; i < D; i++) f[xo + i] = f[e + i]! + f[pe + i]!;
      } else for (let i = 0; i < D; i++) f[xo + i] = f[e + i]!;
    }
    w.blocks.forEach((s, l) => {
      k.layerNorm(4 * this.x, A, D, 4 * (P + s.ln1w), 4 * (P + s.ln1b), eps, 4 * this.ln, 4 * this.hat, 4 * this.rstd);
      k.gemm(A, 3 * D, D, 4 * this.ln, D, 1, 4 * (P + s.attnW), 4 * this.qkv, 4 * (P + s.attnB), ACT.linear, INIT.bias);
      const K = this.keys[l]!, Vs = this.values[l]!;
      if (this.rope) {
        for (let a = 0; a < A; a++) {
          const q = this.qkv + a * 3 * D, pos = fed[order[a]!]!;
          for (let h = 0; h < heads; h++) {
            rotateF32(f, q + h * hd, hd, pos, 1, this.rope.cos, this.rope.sin);
            rotateF32(f, q + D + h * hd, hd, pos, 1, this.rope.cos, this.rope.sin);
          }
        }
      }
      if (this.simdHeads) {
        k.decodeAttend(A, 4 * this.orderAt, 4 * this.fedAt, 4 * this.qkv, 4 * K, 4 * Vs, T, D, heads, hd, scale, 4 * this.probs, this.probsStride, 4 * this.att, 4 * this.helperProbs);
      } else {
        for (let a = 0; a < A; a++) {
          const r = order[a]!, pos = fed[r]!;
          const q = this.qkv + a * 3 * D;
          const c = (r * T + pos) * D;
          for (let i = 0; i < D; i++) {
            f[K + c + i] = f[q + D + i]!;
            f[Vs + c + i] = f[q + 2 * D + i]!;
          }
          const kv = r * T * D;
          for (let h = 0; h < heads; h++) {
            attendRow(f, q + h * hd, K + kv + h * hd, Vs + kv + h * hd, D, pos + 1, hd, scale, this.probs, this.att + a * D + h * hd);
          }
        }
      }
      k.gemm(A, D, D, 4 * this.att, D, 1, 4 * (P + s.attnProjW), 4 * this.x, 4 * (P + s.attnProjB), ACT.linear, INIT.accumulateBias);
      k.layerNorm(4 * this.x, A, D, 4 * (P + s.ln2w), 4 * (P + s.ln2b), eps, 4 * this.ln, 4 * this.hat, 4 * this.rstd);
      k.gemm(A, H, D, 4 * this.ln, D, 1, 4 * (P + s.fcW), 4 * this.fc, 4 * (P + s.fcB), ACT.linear, INIT.bias);
      k.gelu(A * H, 4 * this.fc, 4 * this.fc, 4 * ws.geluTable);
      k.gemm(A, D, H, 4 * this.fc, H, 1, 4 * (P + s.mlpProjW), 4 * this.x, 4 * (P + s.mlpProjB), ACT.linear, INIT.accumulateBias);
    });
    k.layerNorm(4 * this.x, A, D, 4 * (P + w.lnfW), 4 * (P + w.lnfB), eps, 4 * this.ln, 4 * this.hat, 4 * this.rstd);
    const Vp = w.vocabPadded;
    k.gemm(A, Vp, D, 4 * this.ln, D, 1, 4 * w.lmT, 4 * this.logits, 0, ACT.linear, INIT.zero);
    for (let a = 0; a < A; a++) {
      const r = order[a]!;
      fed[r]!++;
      const src = this.logits + a * Vp;
      for (let v = 0; v < V; v++) logits[r * V + v] = f[src + v]!;
    }
  }
}
