import { BaseVecEnv, VEC_ENV_OPTION_KEYS } from "./base-vec-env.js";
import type { Frame, Shape } from "./frame.js";
import { box, discrete } from "./space.js";
import { rejectUnknownOptions } from "./suggest.js";
import type { VecEnvOptions } from "./vec-env.js";

export const DEFAULT_BANDIT_ARMS = 10;

export interface BanditOptions {
  /** Number of arms. Default 10, or `means.length` when means are given. */
  k?: number;
  /** Mean reward of each arm. Default: drawn from N(0, 1) with the env's rng at construction (Sutton & Barto's 10-armed testbed). */
  means?: ArrayLike<number>;
  /** Standard deviation of every arm's Gaussian reward. Default 1. */
  std?: number;
}

const BANDIT_OPTION_KEYS = [...VEC_ENV_OPTION_KEYS, "k", "means", "std"];

/**
 * A k-armed Gaussian bandit: every episode is one step, pulling arm `a` pays
 * `means[a] + std · N(0, 1)` and terminates. The observation is a constant
 * 0 in a Box(-1..1, [1]). All copies share the same arms, fixed for the env's
 * lifetime (a `reset({ seed })` does not redraw them). No physical state.
 */
export class BanditVecEnv extends BaseVecEnv {
  readonly k: number;
  readonly std: number;
  private meanValues: Float64Array;

  constructor(options: VecEnvOptions & BanditOptions) {
    rejectUnknownOptions("Bandit-v0", options, BANDIT_OPTION_KEYS);
    const k = options.k ?? options.means?.length ?? DEFAULT_BANDIT_ARMS;
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`Bandit-v0: k (number of arms) must be an integer ≥ 1, got ${k}`);
    if (options.means !== undefined && options.means.length !== k) {
      throw new RangeError(`Bandit-v0: means has ${options.means.length} entries but k is ${k}; give one mean per arm`);
    }
    super({ id: "Bandit-v0", observationSpace: box(-1, 1, [1]), actionSpace: discrete(k), stateLayout: [], maxEpisodeSteps: undefined }, options);
    const std = options.std ?? 1;
    if (!(std >= 0) || !Number.isFinite(std)) throw new RangeError(`Bandit-v0: std must be a finite number ≥ 0, got ${std}`);
    const means = options.means ? Float64Array.from(options.means) : Float64Array.from({ length: k }, () => this.rng.normal());
    means.forEach((m, a) => {
      if (!Number.isFinite(m)) throw new RangeError(`Bandit-v0: means[${a}] is ${m}; every mean must be finite`);
    });
    this.k = k;
    this.std = std;
    this.meanValues = means;
  }

  /** Mean reward of each arm (a copy). */
  get means(): number[] {
    return Array.from(this.meanValues);
  }

  /** Index of the arm with the highest mean (the first one on ties): what regret is measured against. */
  get optimalArm(): number {
    let best = 0;
    for (let a = 1; a < this.k; a++) if (this.meanValues[a]! > this.meanValues[best]!) best = a;
    return best;
  }

  protected resetCopy(i: number): void {
    this.obs[i] = 0;
  }

  protected setCopyState(i: number): void {
    this.obs[i] = 0;
  }

  protected stepCopy(i: number, actions: Int32Array | Float32Array): void {
    const noise = this.std > 0 ? this.std * this.rng.normal() : 0;
    this.rewards[i] = this.meanValues[actions[i]!]! + noise;
    this.terminated[i] = 1;
  }

  protected physicalState(): number[] {
    return [];
  }

  protected override saveExtra(): unknown {
    return { means: this.means };
  }

  protected override loadExtra(extra: unknown): void {
    const means = (extra as { means?: number[] } | undefined)?.means;
    if (!Array.isArray(means) || means.length !== this.k) {
      throw new Error(`Bandit-v0: the saved state has no means for ${this.k} arms; load a state saved from a ${this.k}-armed bandit`);
    }
    this.meanValues = Float64Array.from(means);
  }

  /** Bars of the arm means (the best one highlighted); the bandit has no per-copy state to draw. */
  protected renderCopy(): Frame {
    const lo = Math.min(0, ...this.meanValues) - this.std - 0.5;
    const hi = Math.max(0, ...this.meanValues) + this.std + 0.5;
    const best = this.optimalArm;
    const shapes: Shape[] = [{ type: "line", x1: 0, y1: 0, x2: this.k, y2: 0, stroke: "#888888", width: 0.02 }];
    this.meanValues.forEach((m, a) => {
      shapes.push({ type: "rect", x: a + 0.15, y: Math.min(0, m), w: 0.7, h: Math.abs(m), fill: a === best ? "#4caf50" : "#90a4ae" });
      shapes.push({ type: "line", x1: a + 0.5, y1: m - this.std, x2: a + 0.5, y2: m + this.std, stroke: "#37474f", width: 0.03 });
    });
    return { viewBox: [0, lo, this.k, hi - lo], width: 40 * this.k, height: 200, background: "#ffffff", shapes };
  }
}
