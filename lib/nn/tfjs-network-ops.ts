// The TfjsHost operations of HostedNetwork: a tfjs LayersModel in the host's
// worker whose weights mirror the caller's shared params (in
// model.trainableWeights order, each flattened row-major, as TfjsNetwork).
import * as tf from "@tensorflow/tfjs";
import type { Activation } from "./network.js";
import { modelLayout, type ModelLayout } from "./tfjs-network.js";

/** A dense network as {@link makeMlp} lays it out. */
export interface HostedMlpShape {
  readonly sizes: readonly number[];
  readonly activation: Activation;
  readonly outputActivation: Activation;
}

interface Net {
  model: tf.LayersModel;
  weights: tf.LayerVariable[];
  offsets: number[];
  params: Float32Array;
  grads: Float32Array;
  kept: tf.Tensor2D | null;
  inputSize: number;
  outputSize: number;
}

const nets = new Map<number, Net>();
let nextId = 1;

function net(id: number): Net {
  const n = nets.get(id);
  if (!n) throw new Error(`no hosted network ${id} (disposed?)`);
  return n;
}

function mlpModel(shape: HostedMlpShape): tf.LayersModel {
  const model = tf.sequential();
  const last = shape.sizes.length - 2;
  for (let l = 0; l <= last; l++) {
    model.add(tf.layers.dense({
      units: shape.sizes[l + 1]!,
      activation: l === last ? shape.outputActivation : shape.activation,
      ...(l === 0 ? { inputShape: [shape.sizes[0]!] } : {}),
    }));
  }
  return model;
}

function upload(n: Net): void {
  n.weights.forEach((w, i) => {
    const size = w.read().size;
    // a copy: backends may keep a view they are given, and the params change under it
    const t = tf.tensor(n.params.slice(n.offsets[i]!, n.offsets[i]! + size), w.shape as number[]);
    w.write(t);
    t.dispose();
  });
}

async function run(n: Net, x: Float32Array, batch: number, keep: boolean): Promise<Float32Array> {
  const input = tf.tensor2d(x, [batch, n.inputSize]);
  if (keep) {
    n.kept?.dispose();
    n.kept = input;
  }
  let y: tf.Tensor | null = null;
  try {
    y = tf.tidy(() => n.model.apply(input) as tf.Tensor);
    return (await y.data()) as Float32Array;
  } finally {
    y?.dispose();
    if (!keep) input.dispose();
  }
}

export const ops = {
  /** `keepInitial`: the model's own initial weights go into `params` (read back here), instead of `params` into the model. */
  async "network.create"(args: { mlp?: HostedMlpShape; modelJson?: unknown; params: Float32Array; grads: Float32Array; keepInitial?: boolean }): Promise<{ id: number; size: number; inputSize: number; outputSize: number }> {
    const model = args.mlp ? mlpModel(args.mlp) : await tf.models.modelFromJSON({ modelTopology: args.modelJson as tf.io.ModelJSON["modelTopology"] });
    let layout: ModelLayout;
    try {
      layout = modelLayout(model);
    } catch (e) {
      model.dispose();
      throw e;
    }
    const { offsets, size } = layout;
    const weights = model.trainableWeights;
    if (size !== args.params.length || size !== args.grads.length) {
      model.dispose();
      throw new RangeError(`the model has ${size} trainable parameters, the shared params hold ${args.params.length} and the grads ${args.grads.length}`);
    }
    const n: Net = { model, weights, offsets, params: args.params, grads: args.grads, kept: null, inputSize: layout.inputSize, outputSize: layout.outputSize };
    if (args.keepInitial) {
      const values = await Promise.all(weights.map((w) => w.read().data() as Promise<Float32Array>));
      values.forEach((v, i) => n.params.set(v, offsets[i]!));
    } else upload(n);
    const id = nextId++;
    nets.set(id, n);
    return { id, size, inputSize: n.inputSize, outputSize: n.outputSize };
  },

  "network.predict"(args: { id: number; x: Float32Array; batch: number }): Promise<Float32Array> {
    return run(net(args.id), args.x, args.batch, false);
  },

  "network.forward"(args: { id: number; x: Float32Array; batch: number }): Promise<Float32Array> {
    return run(net(args.id), args.x, args.batch, true);
  },

  async "network.backward"(args: { id: number; dOut: Float32Array; wantInput: boolean }): Promise<Float32Array | null> {
    const n = net(args.id);
    const x = n.kept;
    if (!x) throw new Error("backward needs a forward first (predict keeps nothing)");
    const vars = n.weights.map((w) => w.read() as tf.Variable);
    const xVar = args.wantInput ? tf.variable(x, true) : null;
    const d = tf.tensor2d(args.dOut, [x.shape[0], n.outputSize]);
    let made: { value: tf.Scalar; grads: tf.NamedTensorMap } | null = null;
    try {
      made = tf.variableGrads(() => tf.sum(tf.mul(n.model.apply(xVar ?? x) as tf.Tensor, d)) as tf.Scalar, xVar ? [...vars, xVar] : vars);
      const grads = made.grads;
      const values = await Promise.all(vars.map((v) => grads[v.name]!.data() as Promise<Float32Array>));
      const dInput = xVar ? ((await grads[xVar.name]!.data()) as Float32Array) : null;
      values.forEach((g, i) => {
        const o = n.offsets[i]!;
        for (let k = 0; k < g.length; k++) n.grads[o + k] += g[k]!;
      });
      return dInput;
    } finally {
      tf.dispose([d, ...(made ? [made.value, ...Object.values(made.grads)] : [])]);
      xVar?.dispose();
    }
  },

  "network.sync"(args: { id: number }): void {
    upload(net(args.id));
  },

  "network.dispose"(args: { id: number }): void {
    const n = nets.get(args.id);
    if (!n) return;
    n.kept?.dispose();
    n.model.dispose();
    nets.delete(args.id);
  },
};
