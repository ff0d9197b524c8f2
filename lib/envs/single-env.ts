import type { Frame } from "./frame.js";
import type { BoxSpace, Space } from "./space.js";
import type { VecEnv } from "./vec-env.js";

/** Extra per-step information (empty for now; kept for Gymnasium-shaped code). */
export type EnvInfo = Record<string, unknown>;

export interface EnvResetOptions {
  seed?: number;
  /** Start from this physical state (layout: `env.stateLayout`). */
  state?: ArrayLike<number>;
}

export interface EnvStep {
  /** A fresh copy: safe to keep. */
  readonly obs: Float32Array;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly info: EnvInfo;
}

/**
 * One environment, Gymnasium style: `reset()` → `step(action)` … until
 * `terminated || truncated`, then `reset()` again. A thin view over a
 * one-copy `VecEnv` made with `autoReset: false` (see `makeEnv`).
 */
export class Env {
  /** The underlying one-copy vector env. */
  readonly vec: VecEnv;
  private readonly action: Int32Array | Float32Array;
  private needsReset = true;

  constructor(vec: VecEnv) {
    if (vec.numEnvs !== 1) throw new RangeError(`Env wraps a VecEnv with one copy, got ${vec.numEnvs}; make it with n: 1`);
    this.vec = vec;
    this.action = vec.actionSpace.kind === "discrete" ? new Int32Array(1) : new Float32Array(vec.actionSize);
  }

  get id(): string {
    return this.vec.id;
  }
  get observationSpace(): BoxSpace {
    return this.vec.observationSpace;
  }
  get actionSpace(): Space {
    return this.vec.actionSpace;
  }
  get maxEpisodeSteps(): number | undefined {
    return this.vec.maxEpisodeSteps;
  }
  get stateLayout(): readonly string[] {
    return this.vec.stateLayout;
  }
  /** Steps taken in the current episode. */
  get elapsed(): number {
    return this.vec.elapsed[0]!;
  }

  reset(options: EnvResetOptions = {}): { obs: Float32Array; info: EnvInfo } {
    const obs = Float32Array.from(this.vec.reset(options));
    this.needsReset = false;
    return { obs, info: {} };
  }

  /** `action`: an index for a discrete action space, `actionSize` numbers for a box. */
  step(action: number | ArrayLike<number>): EnvStep {
    if (this.needsReset) {
      throw new Error(`${this.id}: the episode is over (or never started); call reset() before step()`);
    }
    if (typeof action === "number") {
      if (this.action.length !== 1) throw new RangeError(`${this.id}: step() expects ${this.action.length} numbers for ${this.actionSpace.kind} actions, got a single number`);
      const space = this.actionSpace;
      // An Int32Array would silently turn 1.5 into 1: check the number itself.
      if (space.kind === "discrete" && !(Number.isInteger(action) && action >= 0 && action < space.n)) {
        throw new RangeError(`${this.id}: action ${action} is invalid for Discrete(${space.n}); expected an integer in [0, ${space.n - 1}]`);
      }
      this.action[0] = action;
    } else {
      if (action.length !== this.action.length) throw new RangeError(`${this.id}: step() expects ${this.action.length} action numbers, got ${action.length}`);
      const space = this.actionSpace;
      if (space.kind === "discrete" && !Number.isInteger(action[0])) {
        throw new RangeError(`${this.id}: action ${action[0]} is invalid for Discrete(${space.n}); expected an integer in [0, ${space.n - 1}]`);
      }
      this.action.set(action);
    }
    this.vec.step(this.action);
    const terminated = this.vec.terminated[0] === 1;
    const truncated = this.vec.truncated[0] === 1;
    if (terminated || truncated) this.needsReset = true;
    // Without auto-reset, `obs` still holds the episode's last observation.
    const obs = Float32Array.from(this.vec.obs);
    return { obs, reward: this.vec.rewards[0]!, terminated, truncated, info: {} };
  }

  render(): Frame {
    return this.vec.render(0);
  }
}
