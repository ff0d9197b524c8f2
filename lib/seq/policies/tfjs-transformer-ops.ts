// The TfjsHost operations of HostedTransformer: run in the host's worker,
// on its tfjs backend. Parameters and gradients are the caller's shared
// Float32Arrays; reads back are awaited (WebGPU has no synchronous readback).
import * as tf from "@tensorflow/tfjs";
import type { TransformerConfig } from "./config.js";
import { paramLayout, type ParamLayout } from "./layout.js";
import {
  emptyKvCache, gatherKvCache, transformerDecodeStep, transformerLogits, uploadWeights, weightNames, type TfjsKvCache, type TransformerWeights,
} from "./tfjs-transformer.js";

interface Model {
  config: TransformerConfig;
  layout: ParamLayout;
  names: string[];
  params: Float32Array;
  grads: Float32Array;
  /** The weights and tokens of the last forward, for its backward. */
  kept: { weights: TransformerWeights; tokens: tf.Tensor1D; batch: number; length: number } | null;
}

interface Decoder {
  config: TransformerConfig;
  weights: TransformerWeights;
  cache: TfjsKvCache;
}

const models = new Map<number, Model>();
const decoders = new Map<number, Decoder>();
let nextId = 1;

function model(id: number): Model {
  const m = models.get(id);
  if (!m) throw new Error(`no hosted transformer ${id} (disposed?)`);
  return m;
}

function decoder(id: number): Decoder {
  const d = decoders.get(id);
  if (!d) throw new Error(`no hosted decoder ${id} (closed?)`);
  return d;
}

function release(kept: Model["kept"]): void {
  if (!kept) return;
  tf.dispose(Object.values(kept.weights));
  kept.tokens.dispose();
}

export const ops = {
  "transformer.create"(args: { config: TransformerConfig; params: Float32Array; grads: Float32Array }): number {
    const layout = paramLayout(args.config);
    const id = nextId++;
    models.set(id, { config: args.config, layout, names: weightNames(layout), params: args.params, grads: args.grads, kept: null });
    return id;
  },

  async "transformer.forward"(args: { id: number; tokens: Int32Array; batch: number; length: number }): Promise<Float32Array> {
    const m = model(args.id);
    release(m.kept);
    m.kept = null;
    const weights = uploadWeights(m.layout, m.params);
    const tokens = tf.tensor1d(args.tokens, "int32");
    m.kept = { weights, tokens, batch: args.batch, length: args.length };
    const logits = tf.tidy(() => transformerLogits(m.config, weights, tokens, args.batch, args.length));
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  },

  async "transformer.backward"(args: { id: number; dLogits: Float32Array }): Promise<void> {
    const m = model(args.id);
    const kept = m.kept;
    if (!kept) throw new Error("backward: call forward first (each forward allows one backward)");
    m.kept = null;
    const { batch, length, tokens, weights } = kept;
    const list = m.names.map((n) => weights[n]!);
    let grads: tf.Tensor[] = [];
    try {
      grads = tf.tidy(() => {
        const dy = tf.tensor2d(args.dLogits, [batch * length, m.config.vocabSize]);
        const f = (...ws: tf.Tensor[]) => {
          const byName: Record<string, tf.Tensor> = {};
          m.names.forEach((n, i) => (byName[n] = ws[i]!));
          return transformerLogits(m.config, byName, tokens, batch, length);
        };
        return tf.grads(f)(list, dy);
      });
      const values = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
      m.names.forEach((n, i) => {
        const o = m.layout.slots.get(n)!.offset;
        const g = values[i]!;
        for (let k = 0; k < g.length; k++) m.grads[o + k] += g[k]!;
      });
    } finally {
      tf.dispose(grads);
      release(kept);
    }
  },

  "transformer.dispose"(args: { id: number }): void {
    const m = models.get(args.id);
    if (m) release(m.kept);
    models.delete(args.id);
  },

  "transformer.decoder"(args: { id: number; rows: number }): number {
    const m = model(args.id);
    const id = nextId++;
    decoders.set(id, { config: m.config, weights: uploadWeights(m.layout, m.params), cache: emptyKvCache(m.config, args.rows) });
    return id;
  },

  /** `gather`: rows to take the cache from first (decoder.share calls since the last step: row r continues from row gather[r]). */
  async "decoder.step"(args: { id: number; tokens: Int32Array; positions: Int32Array; write: Float32Array; gather: Int32Array | null }): Promise<Float32Array> {
    const d = decoder(args.id);
    if (args.gather) {
      const gathered = tf.tidy(() => gatherKvCache(d.cache, args.gather!));
      tf.dispose([...d.cache.keys, ...d.cache.values]);
      d.cache = gathered;
    }
    const { logits, cache } = tf.tidy(() => transformerDecodeStep(d.config, d.weights, d.cache, args.tokens, args.positions, args.write));
    tf.dispose([...d.cache.keys, ...d.cache.values]);
    d.cache = cache;
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  },

  "decoder.close"(args: { id: number }): void {
    const d = decoders.get(args.id);
    if (!d) return;
    tf.dispose([...Object.values(d.weights), ...d.cache.keys, ...d.cache.values]);
    decoders.delete(args.id);
  },
};
