import * as tf from "@tensorflow/tfjs";
import type { Network, NetworkSpec } from "./network.js";

/**
 * Wraps a tfjs `LayersModel` with one input and one output, both
 * `[batch, features]`, as a {@link Network}: the general path for any
 * architecture tfjs can express. `params` mirrors the trainable weights (in
 * `model.trainableWeights` order, each flattened row-major; for Dense layers
 * the same layout as `makeMlp`); `paramsChanged()` uploads them.
 *
 * Backward recomputes the forward pass under tfjs autograd and takes the
 * vector–Jacobian product `d/dθ Σ model(x) ⊙ dOut`, so layers that are random
 * in the forward pass (dropout) do not give consistent gradients. The model
 * belongs to the network from here on: `dispose()` disposes it.
 */
export function wrapLayersModel(model: tf.LayersModel): TfjsNetwork {
  return new TfjsNetwork(model);
}

/** What a model with its trainable weights flattened into one vector looks like: see {@link modelLayout}. */
export interface ModelLayout {
  readonly inputSize: number;
  readonly outputSize: number;
  /** Where each of `model.trainableWeights` starts in the flat vector (row-major, in that order). */
  readonly offsets: number[];
  readonly size: number;
}

/**
 * The input and output widths of a model with one `[batch, n]` input and one
 * `[batch, m]` output, and its flat parameter layout; throws an Error naming
 * the shapes it has otherwise.
 */
export function modelLayout(model: Pick<tf.LayersModel, "inputs" | "outputs" | "trainableWeights">): ModelLayout {
  const inShape = model.inputs.length === 1 ? model.inputs[0]!.shape : [];
  const outShape = model.outputs.length === 1 ? model.outputs[0]!.shape : [];
  if (inShape.length !== 2 || outShape.length !== 2 || inShape[1] == null || outShape[1] == null) {
    throw new Error(
      `a Network needs a model with one [batch, n] input and one [batch, m] output, got inputs ${JSON.stringify(model.inputs.map((t) => t.shape))} and outputs ${JSON.stringify(model.outputs.map((t) => t.shape))}`,
    );
  }
  const offsets: number[] = [];
  let size = 0;
  for (const w of model.trainableWeights) {
    offsets.push(size);
    size += w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
  }
  return { inputSize: inShape[1], outputSize: outShape[1], offsets, size };
}

/** See {@link wrapLayersModel}. */
export class TfjsNetwork implements Network {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  private readonly weights: tf.LayerVariable[];
  private readonly offsets: number[];
  private kept: tf.Tensor2D | null = null;
  private out = new Float32Array(0);

  constructor(readonly model: tf.LayersModel) {
    const { inputSize, outputSize, offsets, size } = modelLayout(model);
    this.inputSize = inputSize;
    this.outputSize = outputSize;
    this.offsets = offsets;
    this.weights = model.trainableWeights;
    this.params = new Float32Array(size);
    this.grads = new Float32Array(size);
    this.weights.forEach((w, i) => this.params.set(w.read().dataSync() as Float32Array, this.offsets[i]));
  }

  get spec(): NetworkSpec {
    return { kind: "tfjs", modelJson: this.model.toJSON(null, false) };
  }

  predict(x: Float32Array, batch: number): Float32Array {
    const input = this.input(x, batch);
    const y = tf.tidy(() => this.model.apply(input) as tf.Tensor);
    input.dispose();
    return this.read(y, batch);
  }

  forward(x: Float32Array, batch: number): Float32Array {
    this.kept?.dispose();
    this.kept = this.input(x, batch);
    const kept = this.kept;
    return this.read(tf.tidy(() => this.model.apply(kept) as tf.Tensor), batch);
  }

  backward(dOut: Float32Array, dInput?: Float32Array): void {
    const x = this.kept;
    if (!x) throw new Error("backward needs a forward first (predict keeps nothing)");
    const batch = x.shape[0];
    if (dOut.length < batch * this.outputSize) throw new RangeError(`backward's dOut needs ${batch * this.outputSize} floats, got ${dOut.length}`);
    const vars = this.weights.map((w) => w.read() as tf.Variable);
    const xVar = dInput ? tf.variable(x, true) : null;
    const d = tf.tensor2d(dOut.subarray(0, batch * this.outputSize), [batch, this.outputSize]);
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(this.model.apply(xVar ?? x) as tf.Tensor, d)) as tf.Scalar,
      xVar ? [...vars, xVar] : vars,
    );
    vars.forEach((v, i) => {
      const g = grads[v.name]!.dataSync();
      const o = this.offsets[i]!;
      for (let k = 0; k < g.length; k++) this.grads[o + k] += g[k]!;
    });
    if (xVar && dInput) dInput.set(grads[xVar.name]!.dataSync());
    tf.dispose([value, d, ...Object.values(grads)]);
    xVar?.dispose();
  }

  zeroGrads(): void {
    this.grads.fill(0);
  }

  paramsChanged(): void {
    this.weights.forEach((w, i) => {
      const size = w.read().size;
      const t = tf.tensor(this.params.subarray(this.offsets[i]!, this.offsets[i]! + size), w.shape as number[]);
      w.write(t);
      t.dispose();
    });
  }

  /** A new model from this one's config, with a copy of the current `params`. */
  clone(): TfjsNetwork {
    // the registry's fromConfig is synchronous, unlike tf.models.modelFromJSON
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[this.model.getClassName()];
    if (!entry) throw new Error(`cannot clone a ${this.model.getClassName()}: the class is not registered with tf.serialization`);
    const [cls, fromConfig] = entry;
    const copy = fromConfig(cls, this.model.getConfig()) as unknown as tf.LayersModel;
    const net = new TfjsNetwork(copy);
    net.params.set(this.params);
    net.paramsChanged();
    return net;
  }

  dispose(): void {
    this.kept?.dispose();
    this.kept = null;
    this.model.dispose();
  }

  private input(x: Float32Array, batch: number): tf.Tensor2D {
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    if (x.length < batch * this.inputSize) throw new RangeError(`the input needs batch × ${this.inputSize} = ${batch * this.inputSize} floats, got ${x.length}`);
    return tf.tensor2d(x.slice(0, batch * this.inputSize), [batch, this.inputSize]);
  }

  private read(y: tf.Tensor, batch: number): Float32Array {
    const n = batch * this.outputSize;
    if (this.out.length < n) this.out = new Float32Array(n);
    this.out.set(y.dataSync() as Float32Array);
    y.dispose();
    return this.out.subarray(0, n);
  }
}
