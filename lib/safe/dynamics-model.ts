import type { Dataset } from "../data/dataset.js";
import { toD4rl } from "../data/interop/d4rl.js";
import { makeMlp, type MlpNetwork } from "../nn/mlp.js";
import { adamStep, makeAdamState } from "../optim/adam.js";
import type { Rng } from "../random/rng.js";

/** Options of {@link DynamicsModel.fit}. */
export interface DynamicsFitOptions {
  /** The actions: `discrete(k)` (one-hot inputs) or box width. */
  readonly actions: { readonly kind: "discrete"; readonly n: number } | { readonly kind: "box"; readonly size: number };
  readonly rng: Rng;
  /** Passes over the transitions (default 60). */
  readonly epochs?: number;
  /** Rows per Adam step (default 256). */
  readonly batchSize?: number;
  /** Default 1e-3. */
  readonly lr?: number;
  /** Hidden layers of the MLP (default [64, 64]). */
  readonly hidden?: readonly number[];
}

/**
 * A learned model of an env from offline transitions, as model-based
 * offline RL (MOPO, MOReL, OGSRL) uses: an MLP from (s, a) to the change of
 * state and the reward, fitted by mean squared error, with a Gaussian of
 * the held residual spread per output for sampling. Inputs and outputs are
 * standardized with the data's moments.
 */
export class DynamicsModel {
  /** Root mean squared residual per output (Δs…, r) on the training data, in data units. */
  readonly residualStd: Float64Array;

  private constructor(
    private readonly net: MlpNetwork,
    readonly obsSize: number,
    private readonly actionWidth: number,
    private readonly discrete: boolean,
    private readonly inMean: Float64Array,
    private readonly inStd: Float64Array,
    private readonly outMean: Float64Array,
    private readonly outStd: Float64Array,
    residualStd: Float64Array,
    /** The final training loss (mean squared error of standardized outputs). */
    readonly loss: number,
  ) {
    this.residualStd = residualStd;
  }

  /** Fits a model to every transition of `data` whose next observation is known. */
  static fit(data: Dataset, options: DynamicsFitOptions): DynamicsModel {
    const d4 = toD4rl(data.table);
    const next = d4.next_observations;
    if (!next) throw new Error("DynamicsModel.fit: the dataset lacks next observations for some rows (next_obs is null); record with finalObs so every transition is known");
    const n = d4.rewards.length;
    if (n < 2) throw new RangeError(`DynamicsModel.fit: need at least 2 transitions, got ${n}`);
    const d = d4.observations.length / n;
    const discrete = options.actions.kind === "discrete";
    const aw = discrete ? (options.actions as { n: number }).n : (options.actions as { size: number }).size;
    const inSize = d + aw;
    const outSize = d + 1;
    const x = new Float32Array(n * inSize);
    const y = new Float32Array(n * outSize);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        x[i * inSize + j] = d4.observations[i * d + j]!;
        y[i * outSize + j] = next[i * d + j]! - d4.observations[i * d + j]!;
      }
      if (discrete) {
        const a = d4.actions[i]!;
        if (!Number.isInteger(a) || a < 0 || a >= aw) throw new RangeError(`DynamicsModel.fit: action ${a} of row ${i} is not in 0…${aw - 1}`);
        x[i * inSize + d + a] = 1;
      } else for (let j = 0; j < aw; j++) x[i * inSize + d + j] = d4.actions[i * aw + j]!;
      y[i * outSize + d] = d4.rewards[i]!;
    }
    const [inMean, inStd] = moments(x, n, inSize);
    const [outMean, outStd] = moments(y, n, outSize);
    standardize(x, n, inSize, inMean, inStd);
    standardize(y, n, outSize, outMean, outStd);
    const net = makeMlp([inSize, ...(options.hidden ?? [64, 64]), outSize], { rng: options.rng, activation: "relu", lastGain: 1 });
    const adam = makeAdamState(net.params.length);
    const batch = Math.min(n, options.batchSize ?? 256);
    const xb = new Float32Array(batch * inSize);
    const yb = new Float32Array(batch * outSize);
    const grad = new Float32Array(batch * outSize);
    let loss = 0;
    for (let epoch = 0; epoch < (options.epochs ?? 60); epoch++) {
      const perm = options.rng.permutation(n);
      let sum = 0;
      let rows = 0;
      for (let start = 0; start + batch <= n; start += batch) {
        for (let r = 0; r < batch; r++) {
          const i = perm[start + r]!;
          xb.set(x.subarray(i * inSize, (i + 1) * inSize), r * inSize);
          yb.set(y.subarray(i * outSize, (i + 1) * outSize), r * outSize);
        }
        net.zeroGrads();
        const out = net.forward(xb, batch);
        for (let k = 0; k < batch * outSize; k++) {
          const e = out[k]! - yb[k]!;
          sum += e * e;
          grad[k] = (2 * e) / (batch * outSize);
        }
        rows += batch;
        net.backward(grad);
        adamStep(net.params, net.grads, adam, { lr: options.lr ?? 1e-3 });
        net.paramsChanged();
      }
      loss = sum / (rows * outSize);
    }
    const residual = new Float64Array(outSize);
    const pred = net.predict(x, n);
    for (let i = 0; i < n; i++) for (let k = 0; k < outSize; k++) residual[k] = residual[k]! + ((pred[i * outSize + k]! - y[i * outSize + k]!) * outStd[k]!) ** 2 / n;
    return new DynamicsModel(net, d, aw, discrete, inMean, inStd, outMean, outStd, residual.map(Math.sqrt), loss);
  }

  /**
   * The mean prediction for `batch` rows: next observations into `nextObs`
   * (`batch × obsSize`) and rewards into `rewards`; with `rng`, each output
   * gets Gaussian noise of its residual spread.
   */
  predict(obs: Float32Array, actions: Int32Array | Float32Array, batch: number, nextObs: Float32Array, rewards: Float32Array, rng?: Rng): void {
    const d = this.obsSize;
    const inSize = d + this.actionWidth;
    const outSize = d + 1;
    const x = new Float32Array(batch * inSize);
    for (let i = 0; i < batch; i++) {
      for (let j = 0; j < d; j++) x[i * inSize + j] = obs[i * d + j]!;
      if (this.discrete) x[i * inSize + d + actions[i]!] = 1;
      else for (let j = 0; j < this.actionWidth; j++) x[i * inSize + d + j] = actions[i * this.actionWidth + j]!;
    }
    standardize(x, batch, inSize, this.inMean, this.inStd);
    const out = this.net.predict(x, batch);
    for (let i = 0; i < batch; i++) {
      for (let k = 0; k < outSize; k++) {
        let v = out[i * outSize + k]! * this.outStd[k]! + this.outMean[k]!;
        if (rng) v += this.residualStd[k]! * rng.normal();
        if (k < d) nextObs[i * d + k] = obs[i * d + k]! + v;
        else rewards[i] = v;
      }
    }
  }

  dispose(): void {
    this.net.dispose();
  }
}

function moments(a: Float32Array, n: number, w: number): [Float64Array, Float64Array] {
  const mean = new Float64Array(w);
  const std = new Float64Array(w);
  for (let i = 0; i < n; i++) for (let k = 0; k < w; k++) mean[k] = mean[k]! + a[i * w + k]! / n;
  for (let i = 0; i < n; i++) for (let k = 0; k < w; k++) std[k] = std[k]! + (a[i * w + k]! - mean[k]!) ** 2 / n;
  for (let k = 0; k < w; k++) std[k] = Math.sqrt(std[k]!) || 1;
  return [mean, std];
}

function standardize(a: Float32Array, n: number, w: number, mean: Float64Array, std: Float64Array): void {
  for (let i = 0; i < n; i++) for (let k = 0; k < w; k++) a[i * w + k] = (a[i * w + k]! - mean[k]!) / std[k]!;
}
