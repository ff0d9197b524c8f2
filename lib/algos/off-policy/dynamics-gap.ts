import type { Dataset } from "../../data/dataset.js";
import { balancedBce, dynamicsRatioWeights } from "../../losses/dynamics-ratio.js";
import { makeMlp } from "../../nn/mlp.js";
import type { Network } from "../../nn/network.js";
import { netGroup } from "../../policy/actor-critic.js";
import { zeroGrads } from "../../policy/param-set.js";
import type { Rng } from "../../random/rng.js";
import type { UpdateMetrics } from "../algorithm.js";
import type { DynamicsGapConfig } from "../mix.js";
import { flattenParams, GroupAdam, unflattenParams } from "../optimizer.js";
import type { ReplayBatch } from "./replay-buffer.js";

/** Per-dimension mean and standard deviation (std floored so a constant dimension stays finite). */
interface Standardizer {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/**
 * H2O's dynamics-gap estimate for a run whose env is a simulator of the
 * system that recorded its mixed-in dataset. Two ReLU classifiers tell real
 * rows (the dataset half of each minibatch) from simulated ones (the replay
 * half): D_sas on (s, a, s′ − s), D_sa on (s, a), inputs standardized with
 * the dataset's statistics and jittered by Gaussian noise while training.
 * `weights()` turns their logits into each simulated row's weight
 * clip(P_real(s′|s,a) / P_sim(s′|s,a)) (see `lib/losses/dynamics-ratio.ts`).
 */
export class DynamicsGap {
  readonly sas: Network;
  readonly sa: Network;
  private readonly optimizer: GroupAdam;
  private readonly obsStats: Standardizer;
  private readonly deltaStats: Standardizer;
  private readonly saIn: Float32Array;
  private readonly sasIn: Float32Array;
  private readonly labels: Uint8Array;
  private readonly dLogits: Float32Array;
  private readonly logitsSas: Float32Array;
  private readonly logitsSa: Float32Array;
  private readonly actionWidth: number;
  private last = { loss: 0, accuracy: 0, weight: 1, logRatio: 0 };

  constructor(
    readonly config: DynamicsGapConfig,
    dataset: Dataset,
    private readonly obsSize: number,
    /** Discrete actions are one-hot encoded over this many actions; 0 for continuous actions of `actionSize` floats. */
    private readonly numActions: number,
    actionSize: number,
    readonly batchSize: number,
    rng: Rng,
  ) {
    this.actionWidth = numActions > 0 ? numActions : actionSize;
    const saSize = obsSize + this.actionWidth;
    this.sa = makeMlp([saSize, ...config.hidden, 1], { activation: "relu", rng, init: "torch-default" });
    this.sas = makeMlp([saSize + obsSize, ...config.hidden, 1], { activation: "relu", rng, init: "torch-default" });
    this.optimizer = new GroupAdam([netGroup("sas", this.sas), netGroup("sa", this.sa)]);
    ({ obs: this.obsStats, delta: this.deltaStats } = transitionStats(dataset, obsSize));
    this.saIn = new Float32Array(batchSize * saSize);
    this.sasIn = new Float32Array(batchSize * (saSize + obsSize));
    this.labels = new Uint8Array(batchSize);
    this.dLogits = new Float32Array(batchSize);
    this.logitsSas = new Float32Array(batchSize);
    this.logitsSa = new Float32Array(batchSize);
  }

  /** Writes the classifiers' standardized inputs for rows [0, n) of `batch`, with N(0, noise²) jitter when `rng` is given. */
  private inputs(batch: ReplayBatch, n: number, rng?: Rng): void {
    const o = this.obsSize;
    const aw = this.actionWidth;
    const saW = o + aw;
    const sasW = saW + o;
    const { mean: om, std: os } = this.obsStats;
    const { mean: dm, std: ds } = this.deltaStats;
    const noise = rng ? this.config.noise : 0;
    const jitter = () => (noise > 0 ? noise * rng!.normal() : 0);
    for (let b = 0; b < n; b++) {
      const sa = b * saW;
      const sas = b * sasW;
      for (let j = 0; j < o; j++) {
        const s = batch.obs[b * o + j]!;
        const x = (s - om[j]!) / os[j]! + jitter();
        this.saIn[sa + j] = x;
        this.sasIn[sas + j] = x;
        this.sasIn[sas + saW + j] = (batch.nextObs[b * o + j]! - s - dm[j]!) / ds[j]! + jitter();
      }
      for (let k = 0; k < aw; k++) {
        const v = this.numActions > 0 ? (batch.actions[b] === k ? 1 : 0) : batch.actions[b * aw + k]! + jitter();
        this.saIn[sa + o + k] = v;
        this.sasIn[sas + o + k] = v;
      }
    }
  }

  /** One Adam step of both classifiers on `batch`: rows [0, simRows) simulated, the rest real. */
  train(batch: ReplayBatch, simRows: number, rng: Rng): void {
    const n = this.batchSize;
    for (let b = 0; b < n; b++) this.labels[b] = b < simRows ? 0 : 1;
    this.inputs(batch, n, rng);
    zeroGrads(this.optimizer.groups);
    const sas = balancedBce(this.sas.forward(this.sasIn, n), this.labels, this.dLogits);
    this.sas.backward(this.dLogits);
    const sa = balancedBce(this.sa.forward(this.saIn, n), this.labels, this.dLogits);
    this.sa.backward(this.dLogits);
    this.optimizer.step({ lr: this.config.lr, eps: 1e-8 });
    this.last.loss = (sas.loss + sa.loss) / 2;
    this.last.accuracy = sas.accuracy;
  }

  /** Both classifiers' logits for rows [0, rows) of `batch` into `logitsSas` and `logitsSa`. */
  private classify(batch: ReplayBatch, rows: number): void {
    if (rows > this.batchSize) throw new RangeError(`DynamicsGap: at most ${this.batchSize} rows at a time, got ${rows}`);
    this.inputs(batch, rows);
    this.logitsSas.set(this.sas.predict(this.sasIn, rows).subarray(0, rows));
    this.logitsSa.set(this.sa.predict(this.saIn, rows).subarray(0, rows));
  }

  /**
   * The estimated log P_real(s′|s,a) − log P_sim(s′|s,a) = ℓ_sas − ℓ_sa of
   * rows [0, rows) of `batch` (rows ≤ batchSize), into `out`.
   */
  logRatios(batch: ReplayBatch, rows: number, out: Float32Array): Float32Array {
    this.classify(batch, rows);
    for (let b = 0; b < rows; b++) out[b] = this.logitsSas[b]! - this.logitsSa[b]!;
    return out;
  }

  /**
   * Writes each of rows [0, rows) of `batch` (simulated transitions) its weight
   * clip(exp(ℓ_sas − ℓ_sa), clipMin, clipMax) into `out`.
   */
  weights(batch: ReplayBatch, rows: number, out: Float32Array): Float32Array {
    this.classify(batch, rows);
    const w = out.subarray(0, rows);
    this.last.logRatio = dynamicsRatioWeights(this.logitsSas.subarray(0, rows), this.logitsSa.subarray(0, rows), this.config.clipMin, this.config.clipMax, w);
    this.last.weight = rows ? w.reduce((s, x) => s + x, 0) / rows : 1;
    return out;
  }

  /** Classifier loss and accuracy of the last training step, mean weight and log ratio of the last weighting. */
  metrics(): UpdateMetrics {
    return { discriminatorLoss: this.last.loss, discriminatorAccuracy: this.last.accuracy, dynamicsWeight: this.last.weight, dynamicsLogRatio: this.last.logRatio };
  }

  saveState(): { json: unknown; arrays: Record<string, Float32Array> } {
    const opt = this.optimizer.save();
    return { json: { adamT: opt.t, last: { ...this.last } }, arrays: { params: flattenParams(this.optimizer.groups), adamM: opt.m, adamV: opt.v } };
  }

  loadState(json: unknown, arrays: Record<string, unknown>): void {
    const j = json as { adamT: number; last: DynamicsGap["last"] };
    unflattenParams(this.optimizer.groups, arrays.params as Float32Array);
    this.optimizer.load({ t: j.adamT, m: arrays.adamM as Float32Array, v: arrays.adamV as Float32Array });
    this.last = { ...j.last };
  }

  dispose(): void {
    this.sas.dispose();
    this.sa.dispose();
  }
}

/** Mean and std of the dataset's observations and of its transitions' s′ − s (rows with a next observation). */
function transitionStats(dataset: Dataset, obsSize: number): { obs: Standardizer; delta: Standardizer } {
  const o = obsSize;
  const sum = new Float64Array(o);
  const sq = new Float64Array(o);
  const dSum = new Float64Array(o);
  const dSq = new Float64Array(o);
  let rows = 0;
  let pairs = 0;
  const obsCol = dataset.column("obs")!;
  const nextCol = dataset.column("next_obs")!;
  for (let c = 0; c < obsCol.data.length; c++) {
    const od = obsCol.data[c]!;
    const nd = nextCol.data[c]!;
    const ov = od.children[0]!.values as Float32Array;
    const nv = nd.children[0]!.values as Float32Array;
    // Values of a (sliced) Data start at its row 0, as `Dataset`'s gather assumes.
    for (let i = 0; i < od.length; i++) {
      for (let j = 0; j < o; j++) {
        const s = ov[i * o + j]!;
        sum[j]! += s;
        sq[j]! += s * s;
      }
      rows++;
      if (nd.nullCount > 0 && !nd.getValid(i)) continue;
      for (let j = 0; j < o; j++) {
        const d = nv[i * o + j]! - ov[i * o + j]!;
        dSum[j]! += d;
        dSq[j]! += d * d;
      }
      pairs++;
    }
  }
  const finish = (s: Float64Array, q: Float64Array, n: number): Standardizer => {
    const mean = s.map((x) => (n ? x / n : 0));
    const std = q.map((x, j) => Math.max(1e-6, Math.sqrt(Math.max(0, (n ? x / n : 0) - mean[j]! ** 2))));
    return { mean, std };
  };
  return { obs: finish(sum, sq, rows), delta: finish(dSum, dSq, pairs) };
}
