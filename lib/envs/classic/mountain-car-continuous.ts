import type { Frame } from "../frame.js";
import { box } from "../space.js";
import type { VecEnvOptions } from "../vec-env.js";
import { ClassicVecEnv, numberOption } from "./base.js";
import { mountainCarFrame } from "./mountain-car-frame.js";

export interface MountainCarContinuousOptions {
  /** Minimum velocity at the goal for the episode to end (Gymnasium's `goal_velocity`, 0). */
  goalVelocity?: number;
}

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.45;
const POWER = 0.0015;
const f32 = Math.fround;

/**
 * MountainCarContinuous-v0 (Gymnasium `Continuous_MountainCarEnv`): push the
 * car with a force in [-1, 1] (clipped) until it reaches the flag at
 * x = 0.45. Reward +100 at the goal minus 0.1·action² per step; truncated at
 * 999 steps. State and observation: position, velocity.
 *
 * Gymnasium stores this env's state as float32 after every step, so from the
 * second step of an episode on, NumPy 2 does part of the arithmetic and the
 * comparisons in float32. This class reproduces that exactly: `stored32[i]`
 * is 1 once copy `i`'s state came out of a step.
 */
export class MountainCarContinuousVecEnv extends ClassicVecEnv {
  readonly goalVelocity: number;
  private readonly stored32: Uint8Array;

  constructor(options: VecEnvOptions & MountainCarContinuousOptions) {
    super(
      {
        id: "MountainCarContinuous-v0",
        observationSpace: box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]),
        actionSpace: box(-1, 1, [1]),
        stateLayout: ["position", "velocity"],
        maxEpisodeSteps: 999,
        optionKeys: ["goalVelocity"],
      },
      options,
    );
    this.goalVelocity = numberOption(this.id, options, "goalVelocity", 0);
    this.stored32 = new Uint8Array(this.numEnvs);
  }

  protected sampleState(i: number): void {
    this.state[2 * i] = this.rng.uniform(-0.6, -0.4);
    this.state[2 * i + 1] = 0;
  }

  protected override onStart(i: number): void {
    this.stored32[i] = 0;
  }

  protected writeObs(i: number): void {
    this.obs[2 * i] = this.state[2 * i]!;
    this.obs[2 * i + 1] = this.state[2 * i + 1]!;
  }

  protected override saveExtra(): Record<string, (number | null)[]> {
    return { stored32: Array.from(this.stored32) };
  }

  protected override loadExtra(extra: Record<string, (number | null)[]>): void {
    this.stored32.fill(0);
    if (extra.stored32) this.stored32.set(extra.stored32.map((v) => v ?? 0));
  }

  step(actions: Int32Array | Float32Array): void {
    const a = this.checkBox(actions);
    const n = this.numEnvs;
    const s = this.state;
    const obs = this.obs;
    const rewards = this.rewards;
    const terminated = this.terminated;
    const elapsed = this.elapsed;
    const ended = this.ended;
    const stored32 = this.stored32;
    const limit = this.limit;
    const goalVelocity = this.goalVelocity;
    this.truncated.fill(0);
    let nEnded = 0;
    for (let i = 0, j = 0; i < n; i++, j += 2) {
      const act = a[i]!;
      const was32 = stored32[i] === 1;
      let position = s[j]!;
      let velocity = s[j + 1]!;
      // NumPy 2 rules: float32 op Python float stays float32; float32 op float64 is float64.
      // force = min(max(action, -1), 1) is a Python float only when clipped.
      const clipped = act > 1 || act < -1;
      const push = clipped ? (act > 1 ? POWER : -POWER) : f32(act * f32(POWER));
      const slope = 0.0025 * Math.cos(was32 ? f32(3 * position) : 3 * position);
      const dv = clipped ? push - slope : f32(push - f32(slope));
      // After a step the state is float32; after a reset it is float64.
      let v32 = was32;
      velocity = !was32 ? velocity + dv : clipped ? f32(velocity + f32(dv)) : f32(velocity + dv);
      if (velocity > (v32 ? f32(MAX_SPEED) : MAX_SPEED)) {
        velocity = MAX_SPEED;
        v32 = false;
      }
      if (velocity < (v32 ? f32(-MAX_SPEED) : -MAX_SPEED)) {
        velocity = -MAX_SPEED;
        v32 = false;
      }
      position = !was32 ? position + velocity : f32(position + (v32 ? velocity : f32(velocity)));
      let p32 = was32;
      if (position > (p32 ? f32(MAX_POSITION) : MAX_POSITION)) {
        position = MAX_POSITION;
        p32 = false;
      }
      if (position < (p32 ? f32(MIN_POSITION) : MIN_POSITION)) {
        position = MIN_POSITION;
        p32 = false;
      }
      if (position === (p32 ? f32(MIN_POSITION) : MIN_POSITION) && velocity < 0) {
        velocity = 0;
        v32 = false;
      }
      const term = position >= (p32 ? f32(GOAL_POSITION) : GOAL_POSITION) && velocity >= (v32 ? f32(goalVelocity) : goalVelocity);
      rewards[i] = (term ? 100 : 0) - act * act * 0.1;
      terminated[i] = term ? 1 : 0;
      s[j] = obs[j] = f32(position);
      s[j + 1] = obs[j + 1] = f32(velocity);
      stored32[i] = 1;
      const e = elapsed[i]! + 1;
      elapsed[i] = e;
      ended[nEnded] = i;
      nEnded += term || e >= limit ? 1 : 0;
    }
    this.endEpisodes(nEnded);
  }

  /** The observation is the state (position, velocity). */
  stateFromObservation(obs: ArrayLike<number>): number[] {
    return [obs[0]!, obs[1]!];
  }

  render(index?: number): Frame {
    const i = this.renderIndex(index);
    return mountainCarFrame(this.state[2 * i]!, GOAL_POSITION);
  }
}
