/**
 * V-GPS on classic control ("Steering Your Generalists", arXiv 2410.13816):
 * at every step, sample K candidate actions from a frozen generalist policy,
 * score each with a Q-function trained offline (IQL's or CQL's critic), and
 * execute one drawn from softmax(Q / β) (β ≤ 0: the best). Neither network
 * is changed; K = 1 is the generalist's own sampling.
 *
 * ```ts
 * const steered = rl.steer.vgps(bcRun, iqlRun, { k: 16, beta: 0 });
 * await steered.evaluate({ episodes: 20 });   // on the generalist run's env
 * ```
 */
import type { EvaluateOptions, EvaluateResult, Run } from "../run/run.js";
import { Rng } from "../random/rng.js";
import { valueGuidedProbabilities } from "./value-guided-selection.js";

export interface ValueGuidedOptions {
  /** Candidate actions sampled per step. */
  readonly k: number;
  /** The softmax temperature over Q (≤ 0: argmax). Default 1, the official code's `action_temp`. */
  readonly beta?: number;
  /** Seeds the candidates and the choice. Default 0. */
  readonly seed?: number;
}

export class ValueGuidedActor {
  readonly k: number;
  readonly beta: number;
  private readonly rng: Rng;

  constructor(
    readonly generalist: Run,
    readonly critic: Run,
    options: ValueGuidedOptions,
  ) {
    const { k, beta = 1, seed = 0 } = options ?? ({} as ValueGuidedOptions);
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`rl.steer.vgps: k must be a positive integer, got ${String(k)}`);
    if (typeof beta !== "number" || !Number.isFinite(beta)) throw new RangeError(`rl.steer.vgps: beta must be a finite number, got ${String(beta)}`);
    if (!generalist?.algo?.sampleActions) throw new TypeError(`rl.steer.vgps: the generalist (${generalist?.algo?.name ?? "not a run"}) has no stochastic policy to sample candidates from (policy-gradient runs and rl.bc() have one)`);
    if (!critic?.algo?.qValues) throw new TypeError(`rl.steer.vgps: the critic (${critic?.algo?.name ?? "not a run"}) has no Q-function (rl.iql(), rl.cql(), rl.dqn() and rl.sac() runs have one)`);
    const a = generalist.env;
    const b = critic.env;
    if (a.obsSize !== b.obsSize || a.actionSpace.kind !== b.actionSpace.kind || a.actionSize !== b.actionSize) {
      throw new RangeError(`rl.steer.vgps: the generalist acts on ${a.obsSize} observations and ${a.actionSpace.kind} actions of size ${a.actionSize}, the critic scores ${b.obsSize} and ${b.actionSpace.kind} of size ${b.actionSize}`);
    }
    this.k = k;
    this.beta = beta;
    this.rng = Rng.fromSeed(seed);
  }

  /** Writes the chosen actions of `batch` observations into `actions`. */
  act(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    const d = actions.length / batch;
    const candidates: (Int32Array | Float32Array)[] = [];
    const q: Float32Array[] = [];
    for (let c = 0; c < this.k; c++) {
      const cand = actions instanceof Int32Array ? new Int32Array(actions.length) : new Float32Array(actions.length);
      this.generalist.algo.sampleActions!(obs, batch, this.rng, cand);
      candidates.push(cand);
      q.push(this.critic.algo.qValues!(obs, cand, batch));
    }
    const row = new Float64Array(this.k);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < this.k; c++) row[c] = q[c]![b]!;
      const p = valueGuidedProbabilities(row, this.beta);
      let pick = 0;
      if (this.beta > 0) {
        let u = this.rng.float();
        for (pick = 0; pick < this.k - 1; pick++) {
          u -= p[pick]!;
          if (u < 0) break;
        }
      } else pick = p.indexOf(1);
      for (let j = 0; j < d; j++) actions[b * d + j] = candidates[pick]![b * d + j]!;
    }
  }

  /** The generalist run's evaluation (its env, fresh copies) with this actor choosing the actions. */
  evaluate(options: Omit<EvaluateOptions, "act"> = {}): Promise<EvaluateResult> {
    return this.generalist.evaluate({ ...options, act: (obs, batch, actions) => this.act(obs, batch, actions) });
  }
}
