import { makeMlpKernel, mlpLayout, type MlpEngine, type MlpEngineChoice, type MlpKernel } from "../../native/index.js";
import type { Rng } from "../random/rng.js";
import { orthogonal } from "./init.js";
import type { Activation, Network, NetworkSpec } from "./network.js";

/** How {@link makeMlp} draws the initial weights. */
export type MlpInit =
  /** CleanRL's `layer_init`: orthogonal weights scaled by a gain, zero biases. */
  | "orthogonal"
  /** Keras/tfjs Dense default: W ~ U(±√(6/(in+out))), zero biases. */
  | "glorot-uniform"
  /** torch.nn.Linear default: W and b ~ U(±1/√in). */
  | "torch-default";

export interface MlpOptions {
  /** The only source of randomness for the initial weights. */
  rng: Rng;
  /** After each hidden layer. Default "tanh" (CleanRL's PPO). */
  activation?: Activation;
  /** After the last layer. Default "linear". */
  outputActivation?: Activation;
  /** Default "orthogonal". */
  init?: MlpInit;
  /** Orthogonal gain of the hidden layers. Default √2 (CleanRL's `layer_init`). */
  hiddenGain?: number;
  /** Orthogonal gain of the last layer. Default 1; CleanRL uses 0.01 for an actor, 1 for a critic. */
  lastGain?: number;
  /** Which fused kernel runs it. Default "auto" (wasm-simd where available, else js). */
  engine?: MlpEngineChoice;
}

/** The spec of an MLP network (see {@link NetworkSpec}). */
export type MlpSpec = Extract<NetworkSpec, { kind: "mlp" }>;

/**
 * A dense network `sizes[0] → … → sizes[n-1]` run by the fused kernels of
 * `native/`. Example (CleanRL's CartPole actor):
 *
 *     makeMlp([4, 64, 64, 2], { rng, lastGain: 0.01 })
 */
export function makeMlp(sizes: readonly number[], options: MlpOptions): MlpNetwork {
  const spec: MlpSpec = {
    kind: "mlp",
    sizes: [...sizes],
    activation: options.activation ?? "tanh",
    outputActivation: options.outputActivation ?? "linear",
  };
  const params = initMlpParams(spec, options);
  return new MlpNetwork(spec, params, options.engine);
}

/** Rebuilds an MLP around saved parameters (checkpoints, copies). Copies `params`. */
export function mlpFromParams(spec: MlpSpec, params: Float32Array, engine?: MlpEngineChoice): MlpNetwork {
  return new MlpNetwork(spec, params.slice(), engine);
}

/** Initial parameters of `spec` in the flat layout; draws only from `options.rng`. */
export function initMlpParams(spec: MlpSpec, options: Pick<MlpOptions, "rng" | "init" | "hiddenGain" | "lastGain">): Float32Array {
  const { layers, paramCount } = mlpLayout(shapeOf(spec));
  const params = new Float32Array(paramCount);
  const { rng, init = "orthogonal" } = options;
  const { hiddenGain = Math.SQRT2, lastGain = 1 } = options;
  layers.forEach(({ inSize, outSize, w, b }, l) => {
    if (init === "orthogonal") {
      const gain = l === layers.length - 1 ? lastGain : hiddenGain;
      // torch's weight is [out, in]; ours is its transpose
      const q = orthogonal(outSize, inSize, rng, gain);
      for (let j = 0; j < outSize; j++) for (let i = 0; i < inSize; i++) params[w + i * outSize + j] = q[j * inSize + i]!;
    } else if (init === "glorot-uniform") {
      const limit = Math.sqrt(6 / (inSize + outSize));
      for (let k = 0; k < inSize * outSize; k++) params[w + k] = rng.uniform(-limit, limit);
    } else if (init === "torch-default") {
      const bound = 1 / Math.sqrt(inSize);
      for (let k = 0; k < inSize * outSize; k++) params[w + k] = rng.uniform(-bound, bound);
      for (let j = 0; j < outSize; j++) params[b + j] = rng.uniform(-bound, bound);
    } else {
      throw new RangeError(`init must be "orthogonal", "glorot-uniform" or "torch-default", got ${JSON.stringify(init)}`);
    }
  });
  return params;
}

/** A {@link Network} over the fused MLP kernels; see {@link makeMlp}. */
export class MlpNetwork implements Network {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly grads: Float32Array;
  private kernel: MlpKernel;

  constructor(
    readonly spec: MlpSpec,
    readonly params: Float32Array,
    engine: MlpEngineChoice = "auto",
  ) {
    this.inputSize = spec.sizes[0]!;
    this.outputSize = spec.sizes[spec.sizes.length - 1]!;
    this.grads = new Float32Array(params.length);
    this.kernel = makeMlpKernel(shapeOf(spec), params, this.grads, engine);
  }

  /** The kernel that runs this network. */
  get engine(): MlpEngine {
    return this.kernel.engine;
  }

  predict(x: Float32Array, batch: number): Float32Array {
    return this.kernel.predict(x, batch);
  }
  forward(x: Float32Array, batch: number): Float32Array {
    return this.kernel.forward(x, batch);
  }
  backward(dOut: Float32Array, dInput?: Float32Array): void {
    this.kernel.backward(dOut, dInput);
  }
  zeroGrads(): void {
    this.grads.fill(0);
  }
  paramsChanged(): void {
    this.kernel.syncParams();
  }
  clone(): MlpNetwork {
    return new MlpNetwork(this.spec, this.params.slice(), this.kernel.engine);
  }
  dispose(): void {
    this.kernel.dispose();
  }
}

function shapeOf(spec: MlpSpec) {
  return { sizes: spec.sizes, activation: spec.activation, outputActivation: spec.outputActivation ?? "linear" };
}
