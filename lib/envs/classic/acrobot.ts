import type { Frame } from "../frame.js";
import { box, discrete } from "../space.js";
import type { VecEnvOptions } from "../vec-env.js";
import { ClassicVecEnv, numberOption } from "./base.js";
import { cos, sin } from "./trig.js";

export interface AcrobotOptions {
  /** Uniform noise added to the torque, ± this much (Gymnasium's `torque_noise_max`, 0). */
  torqueNoiseMax?: number;
  /** Equations of motion: "book" (Sutton & Barto, Gymnasium's default) or "nips" (the NIPS paper's, which drop one term). */
  dynamics?: "book" | "nips";
}

// Gymnasium's AcrobotEnv constants.
const DT = 0.2;
const L1 = 1.0;
const M1 = 1.0;
const M2 = 1.0;
const LC1 = 0.5;
const LC2 = 0.5;
const I1 = 1.0;
const I2 = 1.0;
const G = 9.8;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const TORQUES = [-1.0, 0.0, 1.0];

/** [ddθ1, ddθ2] from the last {@link accelerations} call (two return values without allocating). */
const acc = new Float64Array(2);

/** Gymnasium's `_dsdt` without the trivial entries: angular accelerations at one state. */
function accelerations(th1: number, th2: number, dth1: number, dth2: number, torque: number, book: boolean): void {
  const c2 = cos(th2);
  const s2 = sin(th2);
  // Same operand order as Gymnasium so float64 results match bit for bit.
  const d1 = M1 * LC1 ** 2 + M2 * (L1 ** 2 + LC2 ** 2 + 2 * L1 * LC2 * c2) + I1 + I2;
  const d2 = M2 * (LC2 ** 2 + L1 * LC2 * c2) + I2;
  const phi2 = M2 * LC2 * G * cos(th1 + th2 - Math.PI / 2.0);
  const phi1 =
    -M2 * L1 * LC2 * (dth2 * dth2) * s2 - 2 * M2 * L1 * LC2 * dth2 * dth1 * s2 + (M1 * LC1 + M2 * L1) * G * cos(th1 - Math.PI / 2) + phi2;
  const ddth2 = book
    ? (torque + (d2 / d1) * phi1 - M2 * L1 * LC2 * (dth1 * dth1) * s2 - phi2) / (M2 * LC2 ** 2 + I2 - (d2 * d2) / d1)
    : (torque + (d2 / d1) * phi1 - phi2) / (M2 * LC2 ** 2 + I2 - (d2 * d2) / d1);
  acc[0] = -(d2 * ddth2 + phi1) / d1;
  acc[1] = ddth2;
}

/** Gymnasium's `wrap`: shift `x` by whole periods into [m, M]. */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/**
 * Acrobot-v1 (Gymnasium `AcrobotEnv`): apply torque −1 (0), 0 (1) or +1 (2)
 * at the joint between two hanging links to swing the tip above the line
 * one link above the pivot. Reward −1 per step, 0 on the step that reaches
 * it; truncated at 500 steps. State θ1, θ2, θ̇1, θ̇2 (integrated with
 * Gymnasium's RK4 over 0.2 s); observation cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2.
 */
export class AcrobotVecEnv extends ClassicVecEnv {
  readonly torqueNoiseMax: number;
  readonly dynamics: "book" | "nips";

  constructor(options: VecEnvOptions & AcrobotOptions) {
    const high = [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2];
    super(
      {
        id: "Acrobot-v1",
        observationSpace: box(high.map((h) => -h), high),
        actionSpace: discrete(3),
        stateLayout: ["theta1", "theta2", "theta1_dot", "theta2_dot"],
        maxEpisodeSteps: 500,
        optionKeys: ["torqueNoiseMax", "dynamics"],
      },
      options,
    );
    this.torqueNoiseMax = numberOption(this.id, options, "torqueNoiseMax", 0);
    this.dynamics = options.dynamics ?? "book";
    if (this.dynamics !== "book" && this.dynamics !== "nips") throw new TypeError(`${this.id}: dynamics must be "book" or "nips", got ${String(this.dynamics)}`);
  }

  /** Gymnasium draws the start state as float32. */
  protected sampleState(i: number): void {
    for (let j = 4 * i; j < 4 * i + 4; j++) this.state[j] = Math.fround(this.rng.uniform(-0.1, 0.1));
  }

  protected writeObs(i: number): void {
    const s = this.state;
    const o = 6 * i;
    this.obs[o] = cos(s[4 * i]!);
    this.obs[o + 1] = sin(s[4 * i]!);
    this.obs[o + 2] = cos(s[4 * i + 1]!);
    this.obs[o + 3] = sin(s[4 * i + 1]!);
    this.obs[o + 4] = s[4 * i + 2]!;
    this.obs[o + 5] = s[4 * i + 3]!;
  }

  step(actions: Int32Array | Float32Array): void {
    const a = this.checkDiscrete(actions, 3);
    const n = this.numEnvs;
    const s = this.state;
    const rewards = this.rewards;
    const terminated = this.terminated;
    const elapsed = this.elapsed;
    const ended = this.ended;
    const limit = this.limit;
    const book = this.dynamics === "book";
    const noise = this.torqueNoiseMax;
    const h = DT / 2.0;
    const sixth = DT / 6.0;
    this.truncated.fill(0);
    let nEnded = 0;
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      let torque = TORQUES[a[i]!]!;
      if (noise > 0) torque += this.rng.uniform(-noise, noise);
      // Gymnasium's rk4 over t = [0, dt]: y' = (θ̇1, θ̇2, θ̈1, θ̈2).
      const t1 = s[j]!;
      const t2 = s[j + 1]!;
      const v1 = s[j + 2]!;
      const v2 = s[j + 3]!;
      accelerations(t1, t2, v1, v2, torque, book);
      const k1a = acc[0]!;
      const k1b = acc[1]!;
      const y2v1 = v1 + h * k1a;
      const y2v2 = v2 + h * k1b;
      accelerations(t1 + h * v1, t2 + h * v2, y2v1, y2v2, torque, book);
      const k2a = acc[0]!;
      const k2b = acc[1]!;
      const y3v1 = v1 + h * k2a;
      const y3v2 = v2 + h * k2b;
      accelerations(t1 + h * y2v1, t2 + h * y2v2, y3v1, y3v2, torque, book);
      const k3a = acc[0]!;
      const k3b = acc[1]!;
      const y4v1 = v1 + DT * k3a;
      const y4v2 = v2 + DT * k3b;
      accelerations(t1 + DT * y3v1, t2 + DT * y3v2, y4v1, y4v2, torque, book);
      const k4a = acc[0]!;
      const k4b = acc[1]!;
      const n1 = wrap(t1 + sixth * (v1 + 2 * y2v1 + 2 * y3v1 + y4v1), -Math.PI, Math.PI);
      const n2 = wrap(t2 + sixth * (v2 + 2 * y2v2 + 2 * y3v2 + y4v2), -Math.PI, Math.PI);
      const n3 = Math.min(Math.max(v1 + sixth * (k1a + 2 * k2a + 2 * k3a + k4a), -MAX_VEL_1), MAX_VEL_1);
      const n4 = Math.min(Math.max(v2 + sixth * (k1b + 2 * k2b + 2 * k3b + k4b), -MAX_VEL_2), MAX_VEL_2);
      s[j] = n1;
      s[j + 1] = n2;
      s[j + 2] = n3;
      s[j + 3] = n4;
      this.writeObs(i);
      const term = -cos(n1) - cos(n2 + n1) > 1.0;
      rewards[i] = term ? 0 : -1;
      terminated[i] = term ? 1 : 0;
      const e = elapsed[i]! + 1;
      elapsed[i] = e;
      ended[nEnded] = i;
      nEnded += term || e >= limit ? 1 : 0;
    }
    this.endEpisodes(nEnded);
  }

  /** (cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2) → (θ1, θ2, θ̇1, θ̇2). */
  stateFromObservation(obs: ArrayLike<number>): number[] {
    return [Math.atan2(obs[1]!, obs[0]!), Math.atan2(obs[3]!, obs[2]!), obs[4]!, obs[5]!];
  }

  render(index?: number): Frame {
    const i = this.renderIndex(index);
    const [t1, t2] = this.getPhysicalState(i) as [number, number];
    const p1: [number, number] = [L1 * Math.sin(t1), -L1 * Math.cos(t1)];
    const p2: [number, number] = [p1[0] + Math.sin(t1 + t2), p1[1] - Math.cos(t1 + t2)];
    return {
      viewBox: [-2.2, -2.2, 4.4, 4.4],
      width: 500,
      height: 500,
      background: "#fff",
      shapes: [
        { type: "line", x1: -2.2, y1: 1, x2: 2.2, y2: 1, stroke: "#000", width: 0.02 },
        { type: "line", x1: 0, y1: 0, x2: p1[0], y2: p1[1], stroke: "#00cccc", width: 0.2 },
        { type: "line", x1: p1[0], y1: p1[1], x2: p2[0], y2: p2[1], stroke: "#00cccc", width: 0.2 },
        { type: "circle", cx: 0, cy: 0, r: 0.1, fill: "#cccc00" },
        { type: "circle", cx: p1[0], cy: p1[1], r: 0.1, fill: "#cccc00" },
      ],
    };
  }
}
