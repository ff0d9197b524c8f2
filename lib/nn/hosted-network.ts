import { mlpLayout } from "../../native/index.js";
import { forgetCollected, releaseWhenCollected, sharedFloats, sharedTfjsHost, type TfjsHost } from "../../native/tfjs-host/host.js";
import { initMlpParams, type MlpOptions, type MlpSpec } from "./mlp.js";
import type { Network, NetworkSpec } from "./network.js";
import type { HostedMlpShape } from "./tfjs-network-ops.js";
import { modelLayout } from "./tfjs-network.js";
import type * as tf from "@tensorflow/tfjs";

const OPS = new URL("./tfjs-network-ops.js", import.meta.url);

/**
 * A {@link Network} computed by TensorFlow.js in a {@link TfjsHost} (a worker
 * thread) on the host's backend (the fastest present: WebGPU where a hardware
 * adapter exists, else wasm); dropped without dispose(), it frees its worker
 * state when collected. `params` and `grads` are SharedArrayBuffer views the worker reads
 * and adds into in place; `paramsChanged()` uploads the params. The general
 * path for networks too large for the fused kernels to win (see docs/gpu.md);
 * backward recomputes the forward under tfjs autograd, like TfjsNetwork.
 */
export class HostedNetwork implements Network {
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly inputSize: number;
  readonly outputSize: number;
  private readonly id: number;
  private disposed = false;

  /**
   * `spec`: an MLP spec (its params in makeMlp's layout) or a tfjs model's
   * JSON (its trainable weights in order); copies `params`. `params` a
   * number: that many parameters, initialized by the model's own
   * initializers in the worker (see {@link HostedNetwork.fromModel}).
   */
  constructor(readonly spec: NetworkSpec, params: Float32Array | number, readonly host: TfjsHost = sharedTfjsHost()) {
    host.load(OPS);
    const keepInitial = typeof params === "number";
    const size = keepInitial ? params : params.length;
    this.params = sharedFloats(size);
    if (!keepInitial) this.params.set(params);
    this.grads = sharedFloats(size);
    const source = spec.kind === "mlp" ? { mlp: mlpShape(spec) } : { modelJson: spec.modelJson };
    const made = host.call<{ id: number; inputSize: number; outputSize: number }>("network.create", { ...source, params: this.params, grads: this.grads, keepInitial });
    this.id = made.id;
    this.inputSize = made.inputSize;
    this.outputSize = made.outputSize;
    releaseWhenCollected(this, host, "network.dispose", this.id);
  }

  /**
   * A tfjs model rebuilt in the host from its config, with fresh weights
   * from its own initializers (drawn in the worker, so not seeded by the
   * run): the only way to host a model whose weights sit on a GPU, since
   * they cannot be read back synchronously. Its current weights are not used.
   */
  static fromModel(model: tf.LayersModel, host?: TfjsHost): HostedNetwork {
    return new HostedNetwork({ kind: "tfjs", modelJson: model.toJSON(null, false) }, modelLayout(model).size, host);
  }

  predict(x: Float32Array, batch: number): Float32Array {
    return this.host.call("network.predict", { id: this.id, x: this.input(x, batch), batch });
  }

  forward(x: Float32Array, batch: number): Float32Array {
    return this.host.call("network.forward", { id: this.id, x: this.input(x, batch), batch });
  }

  backward(dOut: Float32Array, dInput?: Float32Array): void {
    this.alive("backward");
    const d = this.host.call<Float32Array | null>("network.backward", { id: this.id, dOut, wantInput: dInput !== undefined });
    if (dInput && d) dInput.set(d);
  }

  zeroGrads(): void {
    this.grads.fill(0);
  }

  paramsChanged(): void {
    this.alive("paramsChanged");
    this.host.call("network.sync", { id: this.id });
  }

  clone(): HostedNetwork {
    return new HostedNetwork(this.spec, this.params, this.host);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    forgetCollected(this);
    this.host.call("network.dispose", { id: this.id });
  }

  private alive(what: string): void {
    if (this.disposed) throw new Error(`${what}: the hosted network is disposed`);
  }

  private input(x: Float32Array, batch: number): Float32Array {
    this.alive("forward");
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`batch must be a positive integer, got ${batch}`);
    if (x.length < batch * this.inputSize) throw new RangeError(`the input needs batch × ${this.inputSize} = ${batch * this.inputSize} floats, got ${x.length}`);
    return x.subarray(0, batch * this.inputSize);
  }
}

/** The worker's description of `spec`; throws mlpLayout's RangeError for bad sizes or activations. */
function mlpShape(spec: MlpSpec): HostedMlpShape {
  const shape = { sizes: [...spec.sizes], activation: spec.activation, outputActivation: spec.outputActivation ?? "linear" };
  mlpLayout(shape);
  return shape;
}

/** {@link makeMlp}'s network (the same layout and initial params from the same draws) computed in a TfjsHost. */
export function hostedMlp(sizes: readonly number[], options: Omit<MlpOptions, "engine"> & { host?: TfjsHost }): HostedNetwork {
  const spec: MlpSpec = { kind: "mlp", sizes: [...sizes], activation: options.activation ?? "tanh", outputActivation: options.outputActivation ?? "linear" };
  return new HostedNetwork(spec, initMlpParams(spec, options), options.host);
}
