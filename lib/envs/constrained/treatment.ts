import { BaseVecEnv, VEC_ENV_OPTION_KEYS } from "../base-vec-env.js";
import type { Frame, Shape } from "../frame.js";
import { box, discrete } from "../space.js";
import { rejectUnknownOptions } from "../suggest.js";
import type { VecEnvOptions } from "../vec-env.js";
import type { Rng } from "../../random/rng.js";

export interface TreatmentOptions {
  /** Side-effect level above which a state is dangerous (the constraint cost "danger"). Default 1.5. */
  dangerLevel?: number;
  /** Standard deviation of the noise of both signs each step. Default 0.05. */
  noise?: number;
}

/** Doses, one per action. */
export const TREATMENT_DOSES = [0, 1, 2] as const;

/**
 * A synthetic patient for offline safe RL (OGSRL's miniature): two signs,
 * the illness s₁ (healthy at 0) and a side effect s₂, and three doses
 * (none, low, high) per step for 20 steps.
 *
 *     s₁' = 0.95 s₁ + 0.1 − 0.3·dose + ε₁       (the dose treats)
 *     s₂' = 0.7 s₂ + 0.25·dose² + ε₂           (a high dose harms: +1 a step)
 *     r   = −|s₁'|;   cost "danger" = 1[s₂' > 1.5]
 *
 * Patients start ill (s₁ ~ U(2, 4), s₂ ~ U(−0.3, 0.3)). High doses cure
 * fastest but two in a row cross the danger level; low doses cure slowly
 * and safely (s₂ settles at 0.83). Observation = (s₁, s₂) = physical state.
 */
export class TreatmentVecEnv extends BaseVecEnv {
  readonly dangerLevel: number;
  readonly noise: number;
  private readonly s: Float64Array;

  constructor(options: VecEnvOptions & TreatmentOptions) {
    rejectUnknownOptions("Treatment-v0", options, [...VEC_ENV_OPTION_KEYS, "dangerLevel", "noise"]);
    super({ id: "Treatment-v0", observationSpace: box([-10, -10], [10, 10]), actionSpace: discrete(3), stateLayout: ["illness", "sideEffect"], maxEpisodeSteps: 20, costNames: ["danger"] }, options);
    const danger = options.dangerLevel ?? 1.5;
    const noise = options.noise ?? 0.05;
    if (!Number.isFinite(danger)) throw new RangeError(`Treatment-v0: dangerLevel must be a finite number, got ${String(danger)}`);
    if (!(noise >= 0) || !Number.isFinite(noise)) throw new RangeError(`Treatment-v0: noise must be a finite number ≥ 0, got ${String(noise)}`);
    this.dangerLevel = danger;
    this.noise = noise;
    this.s = new Float64Array(this.numEnvs * 2);
  }

  protected resetCopy(i: number): void {
    this.place(i, this.rng.uniform(2, 4), this.rng.uniform(-0.3, 0.3));
  }

  protected setCopyState(i: number, state: ArrayLike<number>): void {
    const [a, b] = [state[0]!, state[1]!];
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`Treatment-v0: state [${a}, ${b}] of copy ${i}: both signs must be finite`);
    this.place(i, a, b);
  }

  protected stepCopy(i: number, actions: Int32Array | Float32Array): void {
    const dose = TREATMENT_DOSES[actions[i]!]!;
    const s1 = 0.95 * this.s[2 * i]! + 0.1 - 0.3 * dose + this.noise * this.rng.normal();
    const s2 = 0.7 * this.s[2 * i + 1]! + 0.25 * dose * dose + this.noise * this.rng.normal();
    this.rewards[i] = -Math.abs(s1);
    this.costs[i] = s2 > this.dangerLevel ? 1 : 0;
    this.place(i, s1, s2);
  }

  protected physicalState(i: number): number[] {
    return [this.s[2 * i]!, this.s[2 * i + 1]!];
  }

  stateFromObservation(obs: ArrayLike<number>): number[] {
    return [obs[0]!, obs[1]!];
  }

  protected renderCopy(i: number): Frame {
    const [s1, s2] = this.physicalState(i) as [number, number];
    const shapes: Shape[] = [
      { type: "rect", x: -1, y: this.dangerLevel, w: 6, h: 3 - this.dangerLevel, fill: "#ffcdd2", stroke: "#ffcdd2" },
      { type: "line", x1: 0, y1: -1, x2: 0, y2: 3, stroke: "#4caf50", width: 0.03 },
      { type: "circle", cx: Math.max(-1, Math.min(5, s1)), cy: Math.max(-1, Math.min(3, s2)), r: 0.12, fill: "#1e88e5", stroke: "#0d47a1" },
      { type: "text", x: -0.9, y: 2.7, text: `illness ${s1.toFixed(2)}, side effect ${s2.toFixed(2)}`, size: 0.2, fill: "#333333" },
    ];
    return { viewBox: [-1, -1, 6, 4], width: 360, height: 240, background: "#ffffff", shapes };
  }

  private place(i: number, s1: number, s2: number): void {
    this.s[2 * i] = s1;
    this.s[2 * i + 1] = s2;
    this.obs[2 * i] = s1;
    this.obs[2 * i + 1] = s2;
  }
}

/**
 * The clinician whose records make the offline data: a low dose while the
 * illness is above 0.5, none below; a high dose with probability 0.25 when
 * the side effect is under 0.5 (so never two in a row), and a random dose
 * with probability 0.1. Writes `batch` doses for `obs` rows (s₁, s₂).
 */
export function clinicianDoses(obs: Float32Array, batch: number, actions: Int32Array | Float32Array, rng: Rng): void {
  for (let i = 0; i < batch; i++) {
    const s1 = obs[2 * i]!;
    const s2 = obs[2 * i + 1]!;
    let a = s1 > 0.5 ? 1 : 0;
    if (s1 > 0.5 && s2 < 0.5 && rng.float() < 0.25) a = 2;
    if (rng.float() < 0.1) a = rng.int(3);
    actions[i] = a;
  }
}
