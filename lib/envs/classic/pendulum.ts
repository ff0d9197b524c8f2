import type { Frame } from "../frame.js";
import { box } from "../space.js";
import type { VecEnvOptions } from "../vec-env.js";
import { ClassicVecEnv, numberOption } from "./base.js";
import { cos, sin } from "./trig.js";

/** Physical constants of Pendulum; the defaults are Gymnasium's. */
export interface PendulumOptions {
  /** Gravity, m/s² (Gymnasium's `g`, 10). */
  g?: number;
  /** Mass, kg (1). */
  m?: number;
  /** Length, m (1). */
  l?: number;
}

const MAX_SPEED = 8;
const MAX_TORQUE = 2;
const DT = 0.05;
const TWO_PI = 2 * Math.PI;
const f32 = Math.fround;

/**
 * Pendulum-v1 (Gymnasium `PendulumEnv`): swing a pendulum up and hold it with
 * a torque in [-2, 2] (clipped). Reward −(θ² + 0.1·θ̇² + 0.001·u²) with θ
 * normalized to [−π, π); never terminates; truncated at 200 steps. State θ,
 * θ̇ (θ = 0 is upright); observation cos θ, sin θ, θ̇.
 */
export class PendulumVecEnv extends ClassicVecEnv {
  readonly g: number;
  readonly m: number;
  readonly l: number;
  /** Last clipped torque per copy, for drawing (NaN before the first step). */
  private readonly lastU: Float64Array;

  constructor(options: VecEnvOptions & PendulumOptions) {
    super(
      {
        id: "Pendulum-v1",
        observationSpace: box([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]),
        actionSpace: box(-MAX_TORQUE, MAX_TORQUE, [1]),
        stateLayout: ["theta", "theta_dot"],
        maxEpisodeSteps: 200,
        optionKeys: ["g", "m", "l"],
      },
      options,
    );
    this.g = numberOption(this.id, options, "g", 10.0);
    this.m = numberOption(this.id, options, "m", 1.0);
    this.l = numberOption(this.id, options, "l", 1.0);
    this.lastU = new Float64Array(this.numEnvs).fill(NaN);
  }

  protected sampleState(i: number): void {
    this.state[2 * i] = this.rng.uniform(-Math.PI, Math.PI);
    this.state[2 * i + 1] = this.rng.uniform(-1, 1);
  }

  protected override onStart(i: number): void {
    this.lastU[i] = NaN;
  }

  protected writeObs(i: number): void {
    const th = this.state[2 * i]!;
    this.obs[3 * i] = cos(th);
    this.obs[3 * i + 1] = sin(th);
    this.obs[3 * i + 2] = this.state[2 * i + 1]!;
  }

  protected override saveExtra(): Record<string, (number | null)[]> {
    // JSON has no NaN: null marks "no torque yet".
    return { lastU: Array.from(this.lastU, (u) => (Number.isNaN(u) ? null : u)) };
  }

  protected override loadExtra(extra: Record<string, (number | null)[]>): void {
    if (extra.lastU) this.lastU.set(extra.lastU.map((u) => u ?? NaN));
  }

  step(actions: Int32Array | Float32Array): void {
    const a = this.checkBox(actions);
    const n = this.numEnvs;
    const s = this.state;
    const obs = this.obs;
    const rewards = this.rewards;
    const elapsed = this.elapsed;
    const ended = this.ended;
    const lastU = this.lastU;
    const limit = this.limit;
    // Gymnasium: 3 * g / (2 * l) and 3.0 / (m * l ** 2), in that order.
    const gTerm = (3 * this.g) / (2 * this.l);
    const uTerm = 3.0 / (this.m * this.l ** 2);
    this.terminated.fill(0);
    this.truncated.fill(0);
    let nEnded = 0;
    for (let i = 0, j = 0; i < n; i++, j += 2) {
      const th = s[j]!;
      const thDot = s[j + 1]!;
      // The action is float32, so under NumPy 2 u², 0.001·u² and uTerm·u are float32 too.
      const u = Math.min(Math.max(a[i]!, -MAX_TORQUE), MAX_TORQUE);
      lastU[i] = u;
      // NumPy's floored modulo: fmod, then shift a negative remainder by the divisor.
      let wrapped = (th + Math.PI) % TWO_PI;
      if (wrapped < 0) wrapped += TWO_PI;
      const norm = wrapped - Math.PI;
      const costs = norm * norm + 0.1 * (thDot * thDot) + f32(f32(0.001) * f32(u * u));
      let newThDot = thDot + (gTerm * sin(th) + f32(f32(uTerm) * u)) * DT;
      newThDot = Math.min(Math.max(newThDot, -MAX_SPEED), MAX_SPEED);
      const newTh = th + newThDot * DT;
      s[j] = newTh;
      s[j + 1] = newThDot;
      obs[3 * i] = cos(newTh);
      obs[3 * i + 1] = sin(newTh);
      obs[3 * i + 2] = newThDot;
      rewards[i] = -costs;
      const e = elapsed[i]! + 1;
      elapsed[i] = e;
      ended[nEnded] = i;
      nEnded += e >= limit ? 1 : 0;
    }
    this.endEpisodes(nEnded);
  }

  /** (cos θ, sin θ, θ̇) → (θ, θ̇). */
  stateFromObservation(obs: ArrayLike<number>): number[] {
    return [Math.atan2(obs[1]!, obs[0]!), obs[2]!];
  }

  render(index?: number): Frame {
    const i = this.renderIndex(index);
    const th = this.state[2 * i]!;
    const u = this.lastU[i]!;
    const tip: [number, number] = [-Math.sin(th) * this.l, Math.cos(th) * this.l];
    const w = 0.1;
    const nx = Math.cos(th) * w;
    const ny = Math.sin(th) * w;
    return {
      viewBox: [-2.2, -2.2, 4.4, 4.4],
      width: 500,
      height: 500,
      background: "#fff",
      shapes: [
        { type: "polygon", points: [[nx, ny], [tip[0] + nx, tip[1] + ny], [tip[0] - nx, tip[1] - ny], [-nx, -ny]], fill: "#cc4d4d" },
        { type: "circle", cx: tip[0], cy: tip[1], r: w, fill: "#cc4d4d" },
        { type: "circle", cx: 0, cy: 0, r: 0.05, fill: "#000" },
        ...(Number.isNaN(u) ? [] : [{ type: "text" as const, x: -2.1, y: -2.05, text: `torque ${u.toFixed(2)}`, size: 0.22, fill: "#000" }]),
      ],
    };
  }
}
