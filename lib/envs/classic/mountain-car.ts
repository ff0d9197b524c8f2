import type { Frame } from "../frame.js";
import { box, discrete } from "../space.js";
import type { VecEnvOptions } from "../vec-env.js";
import { ClassicVecEnv, numberOption } from "./base.js";
import { mountainCarFrame } from "./mountain-car-frame.js";

export interface MountainCarOptions {
  /** Minimum velocity at the goal for the episode to end (Gymnasium's `goal_velocity`, 0). */
  goalVelocity?: number;
}

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const FORCE = 0.001;
const GRAVITY = 0.0025;

/**
 * MountainCar-v0 (Gymnasium `MountainCarEnv`): push an underpowered car left
 * (0), not at all (1) or right (2) until it reaches the flag at x = 0.5.
 * Reward −1 per step; truncated at 200 steps. State and observation:
 * position, velocity.
 */
export class MountainCarVecEnv extends ClassicVecEnv {
  readonly goalVelocity: number;

  constructor(options: VecEnvOptions & MountainCarOptions) {
    super(
      {
        id: "MountainCar-v0",
        observationSpace: box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]),
        actionSpace: discrete(3),
        stateLayout: ["position", "velocity"],
        maxEpisodeSteps: 200,
        optionKeys: ["goalVelocity"],
      },
      options,
    );
    this.goalVelocity = numberOption(this.id, options, "goalVelocity", 0);
  }

  protected sampleState(i: number): void {
    this.state[2 * i] = this.rng.uniform(-0.6, -0.4);
    this.state[2 * i + 1] = 0;
  }

  protected writeObs(i: number): void {
    this.obs[2 * i] = this.state[2 * i]!;
    this.obs[2 * i + 1] = this.state[2 * i + 1]!;
  }

  step(actions: Int32Array | Float32Array): void {
    const a = this.checkDiscrete(actions, 3);
    const n = this.numEnvs;
    const s = this.state;
    const obs = this.obs;
    const elapsed = this.elapsed;
    const ended = this.ended;
    const terminated = this.terminated;
    const limit = this.limit;
    const goalVelocity = this.goalVelocity;
    this.rewards.fill(-1);
    this.truncated.fill(0);
    let nEnded = 0;
    for (let i = 0, j = 0; i < n; i++, j += 2) {
      let position = s[j]!;
      let velocity = s[j + 1]!;
      // Gymnasium: velocity += (action - 1) * force + cos(3 * position) * -gravity, then clips.
      velocity += (a[i]! - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
      velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
      position += velocity;
      position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
      if (position === MIN_POSITION && velocity < 0) velocity = 0;
      s[j] = obs[j] = position;
      s[j + 1] = obs[j + 1] = velocity;
      const term = position >= GOAL_POSITION && velocity >= goalVelocity;
      terminated[i] = term ? 1 : 0;
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
