import type { Rng, RngState } from "../random/rng.js";
import type { Frame } from "./frame.js";
import type { BoxSpace, Space } from "./space.js";

/** Options of {@link VecEnv.reset}. */
export interface VecResetOptions {
  /** Reseed the env's generator before resetting. */
  seed?: number;
  /**
   * Start from an explicit physical state instead of a random one: one state
   * (applied to every copy) or one per copy. Its layout is the env's
   * `stateLayout` (for the classic-control envs, Gymnasium's `env.unwrapped.state`).
   */
  state?: ArrayLike<number> | ArrayLike<number>[];
}

/** The checkpointable state of a vector env: physical state, step counters and RNG. */
export interface VecEnvState {
  readonly id: string;
  readonly numEnvs: number;
  readonly physical: number[];
  readonly elapsed: number[];
  readonly rng: RngState;
  readonly extra?: unknown;
}

/**
 * `n` copies of one environment stepped together, Gymnasium vector-env
 * semantics with same-step auto-reset: when copy `i` terminates or is
 * truncated, `step` stores its last observation in row `i` of `finalObs`,
 * resets it, and row `i` of `obs` is the first observation of the next episode.
 *
 * Struct of arrays: observations, rewards and flags live in typed arrays owned
 * by the env and **overwritten in place** by every `step`/`reset` (copy what
 * you keep). Rows are `obsSize` floats wide, row-major.
 */
export interface VecEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  /** Floats per observation row. */
  readonly obsSize: number;
  /** Floats per action row (1 for discrete actions). */
  readonly actionSize: number;
  /** Time limit (truncation) of one episode, or undefined if none. */
  readonly maxEpisodeSteps: number | undefined;
  /** Names of the entries of a physical state, as `reset({ state })` takes it. */
  readonly stateLayout: readonly string[];

  /** `numEnvs × obsSize` current observations. */
  readonly obs: Float32Array;
  /** Reward of the last step, per copy. */
  readonly rewards: Float32Array;
  /** 1 where the last step ended the episode in a terminal state. */
  readonly terminated: Uint8Array;
  /** 1 where the last step hit the time limit (or another truncation). */
  readonly truncated: Uint8Array;
  /** Rows of copies that finished on the last step hold that episode's last observation; other rows are stale. */
  readonly finalObs: Float32Array;
  /** Steps taken in the current episode of each copy. */
  readonly elapsed: Int32Array;
  /**
   * Names of the constraint costs the env emits each step (a safety cost, an
   * overflow, a hazard): none when empty or absent. Costs are kept apart from
   * the reward so a constrained learner can hold them under a threshold.
   */
  readonly costNames?: readonly string[];
  /** `numEnvs × costNames.length` costs of the last step, one row per copy (overwritten in place like `rewards`). */
  readonly costs?: Float32Array;

  /** Resets every copy; returns `obs`. */
  reset(options?: VecResetOptions): Float32Array;
  /**
   * Steps every copy. Discrete actions: an `Int32Array` of `numEnvs` indices;
   * one outside `0 … n-1` is a `RangeError` naming the copy. Box actions: a
   * `Float32Array` of `numEnvs × actionSize`; a non-finite entry is a
   * `RangeError`, and values outside the bounds are handled by the env (the
   * classic-control envs clip them as Gymnasium does; custom envs receive
   * them as given). A buffer of the wrong type is a `TypeError`, of the wrong length a `RangeError`.
   * A rejected action leaves the env unchanged.
   */
  step(actions: Int32Array | Float32Array): void;
  /** A drawing of copy `index` in its current state. */
  render(index?: number): Frame;
  /** The physical state of copy `index`, in `stateLayout` order. */
  getPhysicalState(index: number): number[];
  /**
   * The physical state (`stateLayout` order) that shows as observation `obs`,
   * where the observation determines it (classic control, grid worlds): with
   * `reset({ state })` and `render()` it draws a recorded step.
   */
  stateFromObservation?(obs: ArrayLike<number>): number[] | undefined;
  /** Everything needed to continue exactly from here (for checkpoints). */
  saveState(): VecEnvState;
  loadState(state: VecEnvState): void;
}

/** What every env factory receives. */
export interface VecEnvOptions {
  /** Number of copies. */
  n: number;
  /** The env's own generator (resets, slips, noise). */
  rng: Rng;
  /** Override the registered time limit. */
  maxEpisodeSteps?: number;
  /** Turn off same-step auto-reset (single-env use): stepping a finished copy is an error. */
  autoReset?: boolean;
}
