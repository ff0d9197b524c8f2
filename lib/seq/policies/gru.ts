import type { Rng } from "../../random/rng.js";
import { gruConfig, validateGruConfig, type GruConfig } from "./gru-config.js";
import { gruLayerSlots, gruLayout, initGruParams, type GruLayerSlots } from "./gru-layout.js";
import { dense, denseBackward, gruCell, gruCellBackward, type GruCellActs } from "./gru-ops.js";
import { slotOf, tensorView, type ParamLayout, type TensorSlot } from "./layout.js";
import { checkForwardTokens, type TokenDecoder, type TokenPolicy } from "./token-policy.js";

/** What {@link GruPolicy.forward} keeps of one layer, time-major (row t·batch + b). */
interface LayerActs {
  /** [N, in]: the layer's input (the embeddings, or the layer below's hs). */
  x: Float64Array;
  /** [N, H]: the hidden state after each step. */
  hs: Float64Array;
  acts: GruCellActs;
}

interface Saved {
  tokens: Int32Array;
  batch: number;
  length: number;
  layers: LayerActs[];
}

/**
 * A recurrent token policy, PyTorch's nn.GRU between an embedding and a
 * linear head:
 *
 *     x_t = embedding[token_t]
 *     per layer k: h^k_t = GRUCell_k(input x_t or h^{k−1}_t, h^k_{t−1}),  h^k_{−1} = 0
 *     logits_t = h^L_t · W_headᵀ + b_head        (W_head = embedding when tied)
 *
 * with the cell of {@link gruCell}. All parameters live in one flat
 * Float32Array under torch's names (see {@link gruLayout}); {@link backward}
 * (backpropagation through time) accumulates into `grads` in the same layout.
 * Activations are float64; the decoder computes each row as the forward does,
 * so its logits equal the forward's exactly.
 */
export class GruPolicy implements TokenPolicy {
  readonly kind = "gru";
  readonly config: GruConfig;
  readonly layout: ParamLayout;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  /** Offsets of each layer's tensors. */
  readonly layers: readonly GruLayerSlots[];
  private saved: Saved | null = null;

  /** Wraps `params` (not copied) in `config`'s layout; fresh zero grads. */
  constructor(config: GruConfig, params: Float32Array) {
    validateGruConfig(config);
    this.config = { ...config };
    this.layout = gruLayout(this.config);
    if (!(params instanceof Float32Array) || params.length !== this.layout.size) {
      throw new RangeError(`GRU params: expected a Float32Array of ${this.layout.size} values for this config, got ${params instanceof Float32Array ? params.length : String(params)}`);
    }
    this.params = params;
    this.grads = new Float32Array(params.length);
    this.layers = Array.from({ length: this.config.layers }, (_, k) => gruLayerSlots(this.layout, this.config, k));
  }

  /** A new policy with PyTorch's default initialization (see {@link initGruParams}), drawn from `rng` only. */
  static create(config: Partial<GruConfig> & { vocabSize: number }, options: { rng: Rng }): GruPolicy {
    const full = gruConfig(config);
    return new GruPolicy(full, initGruParams(full, gruLayout(full), options));
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  get context(): number {
    return this.config.context;
  }

  /** A view (not a copy) of the parameter tensor `name`, row-major in its shape. */
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
  clone(): GruPolicy {
    return new GruPolicy(this.config, this.params.slice());
  }

  /** Offset of the head's weight [vocab, hidden] (the embedding when tied). */
  get headWeightOffset(): number {
    return this.slot(this.config.tieHead ? "embedding.weight" : "head.weight").offset;
  }

  /**
   * Logits `[batch, length, vocab]` (row-major) for `tokens` `[batch, length]`,
   * every row starting from a zero hidden state. Keeps the activations for
   * one {@link backward}. `length` ≤ context.
   */
  forward(tokens: Int32Array, batch: number, length: number): Float64Array {
    const { vocabSize: V, embedSize: E, hiddenSize: H, context } = this.config;
    checkForwardTokens(tokens, batch, length, context, V);
    const p = this.params;
    const N = batch * length;
    const emb = this.slot("embedding.weight").offset;
    let x = new Float64Array(N * E);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < length; t++) {
        const e = emb + tokens[b * length + t]! * E;
        x.set(p.subarray(e, e + E), (t * batch + b) * E);
      }
    }
    const layers: LayerActs[] = [];
    const gi = new Float64Array(N * 3 * H);
    const gh = new Float64Array(batch * 3 * H);
    const zeros = new Float64Array(batch * H);
    for (const s of this.layers) {
      const hs = new Float64Array(N * H);
      const acts: GruCellActs = { gates: new Float64Array(N * 3 * H), ghn: new Float64Array(N * H) };
      dense(x, N, s.inSize, p, s.wIh, s.bIh, 3 * H, gi);
      for (let t = 0; t < length; t++) {
        const hPrev = t === 0 ? zeros : hs.subarray((t - 1) * batch * H, t * batch * H);
        dense(hPrev, batch, H, p, s.wHh, s.bHh, 3 * H, gh);
        gruCell(gi.subarray(t * batch * 3 * H), gh, hPrev, batch, H, hs.subarray(t * batch * H), stepActs(acts, t, batch, H));
      }
      layers.push({ x, hs, acts });
      x = hs;
    }
    const timeMajor = new Float64Array(N * V);
    dense(x, N, H, p, this.headWeightOffset, this.slot("head.bias").offset, V, timeMajor);
    const logits = new Float64Array(N * V);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < length; t++) logits.set(timeMajor.subarray((t * batch + b) * V, (t * batch + b + 1) * V), (b * length + t) * V);
    }
    this.saved = { tokens: tokens.slice(), batch, length, layers };
    return logits;
  }

  /**
   * Accumulates into `grads` the gradient of a loss whose gradient with
   * respect to the last {@link forward}'s logits is `dLogits` `[batch, length, vocab]`
   * (backpropagation through time). Frees the kept activations.
   */
  backward(dLogits: ArrayLike<number>): void {
    const saved = this.saved;
    if (saved === null) throw new Error("backward: call forward first (each forward allows one backward)");
    const { vocabSize: V, embedSize: E, hiddenSize: H } = this.config;
    const { batch, length, tokens } = saved;
    const N = batch * length;
    if (dLogits.length !== N * V) throw new RangeError(`backward: expected dLogits of ${N}·${V} = ${N * V} values, got ${dLogits.length}`);
    this.saved = null;
    const p = this.params;
    const g = new Float64Array(p.length);
    const dTime = new Float64Array(N * V);
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < length; t++) {
        const from = (b * length + t) * V;
        const to = (t * batch + b) * V;
        for (let v = 0; v < V; v++) dTime[to + v] = dLogits[from + v]!;
      }
    }
    let dH = new Float64Array(N * H);
    denseBackward(saved.layers.at(-1)!.hs, N, H, p, g, this.headWeightOffset, this.slot("head.bias").offset, V, dTime, dH, false);
    const dGi = new Float64Array(N * 3 * H);
    const dGh = new Float64Array(batch * 3 * H);
    const carry = new Float64Array(batch * H);
    const dh = new Float64Array(batch * H);
    const zeros = new Float64Array(batch * H);
    for (let k = this.layers.length - 1; k >= 0; k--) {
      const s = this.layers[k]!;
      const { x, hs, acts } = saved.layers[k]!;
      carry.fill(0);
      for (let t = length - 1; t >= 0; t--) {
        const at = t * batch * H;
        for (let i = 0; i < batch * H; i++) dh[i] = dH[at + i]! + carry[i]!;
        const hPrev = t === 0 ? zeros : hs.subarray((t - 1) * batch * H, at);
        gruCellBackward(dh, hPrev, stepActs(acts, t, batch, H), batch, H, dGi.subarray(t * batch * 3 * H), dGh, carry);
        denseBackward(hPrev, batch, H, p, g, s.wHh, s.bHh, 3 * H, dGh, carry, true);
      }
      const dX = new Float64Array(N * s.inSize);
      denseBackward(x, N, s.inSize, p, g, s.wIh, s.bIh, 3 * H, dGi, dX, false);
      dH = dX;
    }
    const emb = this.slot("embedding.weight").offset;
    for (let b = 0; b < batch; b++) {
      for (let t = 0; t < length; t++) {
        const e = emb + tokens[b * length + t]! * E;
        const d0 = (t * batch + b) * E;
        for (let i = 0; i < E; i++) g[e + i] += dH[d0 + i]!;
      }
    }
    const grads = this.grads;
    for (let i = 0; i < g.length; i++) grads[i] += g[i]!;
  }

  /**
   * A decoder of `rows` sequences: one hidden state per row and layer; each
   * step runs the active rows together (one dense product per layer and
   * projection). A row that sits out a step keeps its state.
   */
  decoder(rows: number): TokenDecoder {
    if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`decoder: rows must be a positive integer, got ${rows}`);
    const { vocabSize: V, embedSize: E, hiddenSize: H, context } = this.config;
    const p = this.params;
    const emb = this.slot("embedding.weight").offset;
    const headW = this.headWeightOffset;
    const headB = this.slot("head.bias").offset;
    const states = this.layers.map(() => new Float64Array(rows * H));
    const fed = new Float64Array(rows);
    const index = new Int32Array(rows);
    const x = new Float64Array(rows * Math.max(E, H));
    const hPrev = new Float64Array(rows * H);
    const hNew = new Float64Array(rows * H);
    const gi = new Float64Array(rows * 3 * H);
    const gh = new Float64Array(rows * 3 * H);
    const out = new Float64Array(rows * V);
    let position = 0;
    return {
      rows,
      get position() {
        return position;
      },
      step: (tokens, active, logits) => {
        if (tokens.length < rows || logits.length < rows * V) throw new RangeError(`decoder.step: expected ${rows} tokens and ${rows}·${V} logits, got ${tokens.length} and ${logits.length}`);
        let k = 0;
        for (let r = 0; r < rows; r++) {
          if (active !== null && !active[r]) continue;
          const tok = tokens[r]!;
          if (!(Number.isInteger(tok) && tok >= 0 && tok < V)) throw new RangeError(`decoder.step: token ${tok} of row ${r} is outside the vocabulary [0, ${V})`);
          if (fed[r]! >= context) throw new RangeError(`decoder.step: row ${r} already has ${fed[r]} tokens, the context of ${context}`);
          index[k++] = r;
        }
        for (let i = 0; i < k; i++) {
          const r = index[i]!;
          const e = emb + tokens[r]! * E;
          x.set(p.subarray(e, e + E), i * E);
          fed[r]!++;
        }
        this.layers.forEach((s, l) => {
          const state = states[l]!;
          for (let i = 0; i < k; i++) hPrev.set(state.subarray(index[i]! * H, (index[i]! + 1) * H), i * H);
          dense(x, k, s.inSize, p, s.wIh, s.bIh, 3 * H, gi);
          dense(hPrev, k, H, p, s.wHh, s.bHh, 3 * H, gh);
          gruCell(gi, gh, hPrev, k, H, hNew, null);
          for (let i = 0; i < k; i++) state.set(hNew.subarray(i * H, (i + 1) * H), index[i]! * H);
          x.set(hNew.subarray(0, k * H));
        });
        dense(x, k, H, p, headW, headB, V, out);
        for (let i = 0; i < k; i++) logits.set(out.subarray(i * V, (i + 1) * V), index[i]! * V);
        position++;
      },
    };
  }
}

/** Views of step t's rows of a layer's kept gates. */
function stepActs(acts: GruCellActs, t: number, batch: number, H: number): GruCellActs {
  return {
    gates: acts.gates.subarray(t * batch * 3 * H, (t + 1) * batch * 3 * H),
    ghn: acts.ghn.subarray(t * batch * H, (t + 1) * batch * H),
  };
}
