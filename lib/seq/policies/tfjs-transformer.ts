// The transformer of {@link Transformer} as a TensorFlow.js graph, so it runs
// on whichever tfjs backend is active (WebGPU on a GPU machine): the same
// config, flat layout and numbers (float32), with tfjs autograd for backward
// and a batched KV-cache decoder. Pure functions of tensors; the caller owns
// tidying and reads results back.
import * as tf from "@tensorflow/tfjs";
import { transformerVariant, type TransformerConfig } from "./config.js";
import type { ParamLayout } from "./layout.js";

/** The parameter tensors by layout name (shapes as in the layout). */
export type TransformerWeights = Readonly<Record<string, tf.Tensor>>;

/**
 * One tensor per named slot of `params`, shaped by the layout (the caller
 * disposes them): copies, since backends may keep a view they are given
 * (cpu for good, WebGPU until its first use) and `params` changes under them.
 */
export function uploadWeights(layout: ParamLayout, params: Float32Array): TransformerWeights {
  const out: Record<string, tf.Tensor> = {};
  for (const [name, { offset, size, shape }] of layout.slots) out[name] = tf.tensor(params.slice(offset, offset + size), [...shape], "float32");
  return out;
}

/** The layout names in order, for tf.grads over a list. */
export function weightNames(layout: ParamLayout): string[] {
  return [...layout.slots.keys()];
}

/** The embedding gradient is a one-hot product while the one-hot matrix (ids × table rows) has at most this many entries (see {@link embed}). */
const ONE_HOT_GRAD_MAX_ENTRIES = 1 << 24;

/**
 * Rows `ids` of `table`, with its own gradient: tfjs's gather gradient,
 * UnsortedSegmentSum, is missing from the wasm backend, and WebGPU's scatter
 * adds with float atomics, whose order (so the last bits) changes from run to
 * run. While ids × rows ≤ {@link ONE_HOT_GRAD_MAX_ENTRIES} (16 M: 4096 rows
 * at 4096 tokens) the gradient is one-hot(ids)ᵀ · dy, a deterministic
 * product; larger ones scatter-add (ScatterNd), deterministic on CPU
 * backends only.
 */
function embed(table: tf.Tensor, ids: tf.Tensor1D): tf.Tensor2D {
  const [rows, width] = table.shape as [number, number];
  const lookup = tf.customGrad((t) => {
    const value = tf.gather(t as tf.Tensor2D, ids);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]) =>
      ids.size * rows <= ONE_HOT_GRAD_MAX_ENTRIES
        ? tf.matMul(tf.oneHot(ids, rows), dy as tf.Tensor2D, true, false)
        : tf.scatterND(tf.reshape(ids, [-1, 1]), dy as tf.Tensor, [rows, width]);
    return { value, gradFunc };
  });
  return lookup(table) as tf.Tensor2D;
}

const GELU_C = Math.sqrt(2 / Math.PI);

function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(GELU_C, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

function norm(config: TransformerConfig, w: TransformerWeights, prefix: string, x: tf.Tensor2D): tf.Tensor2D {
  const eps = config.layerNormEps;
  const gain = w[`${prefix}.weight`]!;
  if (transformerVariant(config).norm === "rms") {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), gain) as tf.Tensor2D;
  }
  const { mean, variance } = tf.moments(x, -1, true);
  const hat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(hat, gain), w[`${prefix}.bias`]!) as tf.Tensor2D;
}

function dense(w: TransformerWeights, prefix: string, x: tf.Tensor2D): tf.Tensor2D {
  const y = tf.matMul(x, w[`${prefix}.weight`] as tf.Tensor2D);
  const b = w[`${prefix}.bias`];
  return (b ? tf.add(y, b) : y) as tf.Tensor2D;
}

function mlp(config: TransformerConfig, w: TransformerWeights, l: number, x: tf.Tensor2D): tf.Tensor2D {
  const pre = dense(w, `h.${l}.mlp.c_fc`, x);
  let act: tf.Tensor2D;
  if (transformerVariant(config).mlp === "swiglu") {
    const [gate, up] = tf.split(pre, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
  } else act = gelu(pre) as tf.Tensor2D;
  return dense(w, `h.${l}.mlp.c_proj`, act);
}

/** cos and sin of the rotary angles, [positions, headSize/2] each, for the given positions. */
function rotaryAngles(config: TransformerConfig, positions: Int32Array | number[]): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const hd = config.dModel / config.heads;
  const half = hd / 2;
  const base = transformerVariant(config).ropeTheta;
  const cos = new Float32Array(positions.length * half);
  const sin = new Float32Array(positions.length * half);
  for (let p = 0; p < positions.length; p++) {
    for (let i = 0; i < half; i++) {
      const angle = positions[p]! * Math.pow(base, (-2 * i) / hd);
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor2d(cos, [positions.length, half]), sin: tf.tensor2d(sin, [positions.length, half]) };
}

/** Rotate-half rotary embedding of `x` [..., hd] with cos/sin broadcastable to [..., hd/2]. */
function rotate(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  const [a, b] = tf.split(x, 2, -1) as [tf.Tensor, tf.Tensor];
  return tf.concat([tf.sub(tf.mul(a, cos), tf.mul(b, sin)), tf.add(tf.mul(b, cos), tf.mul(a, sin))], -1);
}

/** [rows, D] → [batch, heads, length, hd]. */
function splitHeads(x: tf.Tensor2D, batch: number, length: number, heads: number, hd: number): tf.Tensor4D {
  return tf.transpose(tf.reshape(x, [batch, length, heads, hd]), [0, 2, 1, 3]);
}

/** Block l's queries, keys and values of `x` [batch·length, D], as [batch, heads, length, hd]; queries and keys rotated when `rope` is given. */
function attentionInputs(
  config: TransformerConfig, w: TransformerWeights, l: number, x: tf.Tensor2D, batch: number, length: number, rope: { cos: tf.Tensor; sin: tf.Tensor } | null,
): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const hd = config.dModel / config.heads;
  const qkv = dense(w, `h.${l}.attn.c_attn`, norm(config, w, `h.${l}.ln_1`, x));
  const [q, k, v] = (tf.split(qkv, 3, 1) as tf.Tensor2D[]).map((t) => splitHeads(t, batch, length, config.heads, hd)) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  if (!rope) return [q, k, v];
  return [rotate(q, rope.cos, rope.sin) as tf.Tensor4D, rotate(k, rope.cos, rope.sin) as tf.Tensor4D, v];
}

/** The residual stream after block l, given its attention output `att` [rows, D]: x + c_proj(att), then + mlp(ln_2(·)). */
function blockOutput(config: TransformerConfig, w: TransformerWeights, l: number, x: tf.Tensor2D, att: tf.Tensor2D): tf.Tensor2D {
  const y = tf.add(x, dense(w, `h.${l}.attn.c_proj`, att)) as tf.Tensor2D;
  return tf.add(y, mlp(config, w, l, norm(config, w, `h.${l}.ln_2`, y))) as tf.Tensor2D;
}

/** Logits [rows, vocab] of the residual stream: ln_f, then the output embedding (wte when tied). */
function lmHead(config: TransformerConfig, w: TransformerWeights, x: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(norm(config, w, "ln_f", x), w[config.tieEmbeddings ? "wte.weight" : "lm_head.weight"] as tf.Tensor2D, false, true);
}

/** Additive causal mask [length, length]: 0 where key u ≤ query t, else −1e9 (exp underflows to exactly 0 in float32). */
function causalMask(length: number): tf.Tensor2D {
  const m = new Float32Array(length * length);
  for (let t = 0; t < length; t++) for (let u = t + 1; u < length; u++) m[t * length + u] = -1e9;
  return tf.tensor2d(m, [length, length]);
}

/**
 * Logits [batch·length, vocab] of `tokens` ([batch·length] int32), position t
 * of a row seeing tokens 0..t of it: the graph of {@link Transformer.forward}.
 */
export function transformerLogits(config: TransformerConfig, w: TransformerWeights, tokens: tf.Tensor1D, batch: number, length: number): tf.Tensor2D {
  const { dModel: D, heads, layers } = config;
  const hd = D / heads;
  let x = embed(w["wte.weight"]!, tokens);
  if (config.positions === "learned") x = tf.add(x, tf.tile(tf.slice(w["wpe.weight"]!, [0, 0], [length, D]), [batch, 1]));
  const rope = config.positions === "rotary" ? rotaryAngles(config, Array.from({ length }, (_, t) => t)) : null;
  const mask = causalMask(length);
  const scale = 1 / Math.sqrt(hd);
  for (let l = 0; l < layers; l++) {
    const [q, k, v] = attentionInputs(config, w, l, x, batch, length, rope);
    const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), mask);
    const att = tf.matMul(tf.softmax(scores), v);
    x = blockOutput(config, w, l, x, tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [batch * length, D]) as tf.Tensor2D);
  }
  return lmHead(config, w, x);
}

/** Per layer, keys and values [rows, heads, context, hd] (keys rotated when rotary). */
export type TfjsKvCache = { keys: tf.Tensor4D[]; values: tf.Tensor4D[] };

export function emptyKvCache(config: TransformerConfig, rows: number): TfjsKvCache {
  const { heads, dModel, context, layers } = config;
  const shape: [number, number, number, number] = [rows, heads, context, dModel / heads];
  return { keys: Array.from({ length: layers }, () => tf.zeros(shape)), values: Array.from({ length: layers }, () => tf.zeros(shape)) };
}

/**
 * One decode step of every row: feeds `tokens[r]` at `positions[r]`, writes
 * the new keys and values into the rows whose `write[r]` is 1, and returns the
 * next-token logits [rows, vocab] and the new cache (the caller disposes the
 * old one). Rows with write 0 compute throwaway logits.
 */
export function transformerDecodeStep(
  config: TransformerConfig, w: TransformerWeights, cache: TfjsKvCache, tokens: Int32Array, positions: Int32Array, write: Float32Array,
): { logits: tf.Tensor2D; cache: TfjsKvCache } {
  const { dModel: D, heads, layers, context } = config;
  const rows = tokens.length;
  const hd = D / heads;
  const pos = tf.tensor1d(positions, "int32");
  let x = tf.gather(w["wte.weight"]!, tf.tensor1d(tokens, "int32")) as tf.Tensor2D;
  if (config.positions === "learned") x = tf.add(x, tf.gather(w["wpe.weight"]!, pos));
  let rope: { cos: tf.Tensor; sin: tf.Tensor } | null = null;
  if (config.positions === "rotary") {
    const { cos, sin } = rotaryAngles(config, positions);
    rope = { cos: tf.reshape(cos, [rows, 1, 1, hd / 2]), sin: tf.reshape(sin, [rows, 1, 1, hd / 2]) };
  }
  const slot = new Float32Array(rows * context);
  const visible = new Float32Array(rows * context);
  for (let r = 0; r < rows; r++) {
    slot[r * context + positions[r]!] = write[r]!;
    for (let u = positions[r]! + 1; u < context; u++) visible[r * context + u] = -1e9;
  }
  const into = tf.tensor4d(slot, [rows, 1, context, 1]);
  const keep = tf.sub(1, into);
  const mask = tf.tensor4d(visible, [rows, 1, 1, context]);
  const scale = 1 / Math.sqrt(hd);
  const next: TfjsKvCache = { keys: [], values: [] };
  for (let l = 0; l < layers; l++) {
    const [q, k, v] = attentionInputs(config, w, l, x, rows, 1, rope);
    const keys = tf.add(tf.mul(cache.keys[l]!, keep), tf.mul(into, k)) as tf.Tensor4D;
    const values = tf.add(tf.mul(cache.values[l]!, keep), tf.mul(into, v)) as tf.Tensor4D;
    next.keys.push(keys);
    next.values.push(values);
    const scores = tf.add(tf.mul(tf.matMul(q, keys, false, true), scale), mask);
    x = blockOutput(config, w, l, x, tf.reshape(tf.matMul(tf.softmax(scores), values), [rows, D]) as tf.Tensor2D);
  }
  return { logits: lmHead(config, w, x), cache: next };
}

/** Rows `indices` of every cache tensor (row r of the result is row indices[r]), for sharing a prefix's state. */
export function gatherKvCache(cache: TfjsKvCache, indices: Int32Array): TfjsKvCache {
  const idx = tf.tensor1d(indices, "int32");
  return { keys: cache.keys.map((k) => tf.gather(k, idx)), values: cache.values.map((v) => tf.gather(v, idx)) };
}
