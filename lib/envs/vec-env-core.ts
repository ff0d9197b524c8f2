import { Rng } from "../random/rng.js";
import type { Frame } from "./frame.js";
import { describeSpace, flatSize, type BoxSpace, type Space } from "./space.js";
import type { VecEnv, VecEnvState, VecResetOptions } from "./vec-env.js";

/** The option keys every vector env takes; env constructors add their own kwargs. */
export const VEC_ENV_OPTION_KEYS = ["n", "rng", "maxEpisodeSteps", "autoReset"] as const;

/** Checks `options.n`, the number of copies. */
export function checkNumEnvs(id: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${id}: n (number of copies) must be an integer ≥ 1, got ${String(n)}`);
  return n;
}

/** Checks `options.rng`. */
export function checkRng(id: string, rng: unknown): Rng {
  if (!(rng instanceof Rng)) throw new TypeError(`${id}: options.rng must be an Rng (e.g. Rng.fromSeed(0)), got ${String(rng)}`);
  return rng;
}

/** Checks a time limit: undefined or Infinity (none), or an integer in [1, `below`). */
export function checkTimeLimit(id: string, limit: number | undefined, below = Infinity): number | undefined {
  if (limit !== undefined && limit !== Infinity && !(Number.isInteger(limit) && limit >= 1 && limit < below)) {
    throw new RangeError(`${id}: maxEpisodeSteps must be an integer ≥ 1 or Infinity (no limit), got ${limit}`);
  }
  return limit;
}

/** What a vector env declares about itself. */
export interface VecEnvCoreSpec {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly stateLayout: readonly string[];
  /** Names of the per-step constraint costs the env writes into `costs` (default none). */
  readonly costNames?: readonly string[];
}

/** The checked options (see {@link checkNumEnvs}, {@link checkRng}, {@link checkTimeLimit}) and any buffers the env brings itself. */
export interface VecEnvCoreInit {
  readonly n: number;
  readonly rng: Rng;
  readonly limit: number | undefined;
  readonly autoReset: boolean;
  readonly obs?: Float32Array | undefined;
  readonly elapsed?: Int32Array | undefined;
}

/**
 * The fields and checks shared by {@link BaseVecEnv} and `ClassicVecEnv`:
 * spaces, sizes, time limit, the per-copy buffers, the reset-before-step and
 * no-auto-reset guards, action-buffer checks, explicit start states and the
 * common parts of checkpoints. Stepping itself is left to the subclasses.
 */
export abstract class VecEnvCore implements VecEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly obsSize: number;
  readonly actionSize: number;
  readonly maxEpisodeSteps: number | undefined;
  readonly stateLayout: readonly string[];
  readonly autoReset: boolean;

  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;
  readonly elapsed: Int32Array;
  readonly costNames: readonly string[];
  readonly costs: Float32Array;

  protected rng: Rng;
  /** 1 where a copy finished while auto-reset is off: it must be reset before it steps again. */
  protected readonly finished: Uint8Array;
  protected started = false;

  protected constructor(spec: VecEnvCoreSpec, init: VecEnvCoreInit) {
    const n = init.n;
    this.id = spec.id;
    this.numEnvs = n;
    this.observationSpace = spec.observationSpace;
    this.actionSpace = spec.actionSpace;
    this.obsSize = flatSize(spec.observationSpace);
    this.actionSize = flatSize(spec.actionSpace);
    this.maxEpisodeSteps = init.limit === Infinity ? undefined : init.limit;
    this.stateLayout = spec.stateLayout;
    this.autoReset = init.autoReset;
    this.rng = init.rng;
    this.obs = init.obs ?? new Float32Array(n * this.obsSize);
    this.finalObs = new Float32Array(n * this.obsSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.elapsed = init.elapsed ?? new Int32Array(n);
    this.costNames = Object.freeze([...(spec.costNames ?? [])]);
    this.costs = new Float32Array(n * this.costNames.length);
    this.finished = new Uint8Array(n);
  }

  abstract reset(options?: VecResetOptions): Float32Array;
  abstract step(actions: Int32Array | Float32Array): void;
  abstract render(index?: number): Frame;
  abstract getPhysicalState(index: number): number[];
  abstract saveState(): VecEnvState;
  abstract loadState(state: VecEnvState): void;

  protected checkStarted(): void {
    if (!this.started) throw new Error(`${this.id}: call reset() before the first step()`);
  }

  /** Throws if a copy finished its episode with auto-reset off and was not reset since. */
  protected checkNoneFinished(): void {
    if (this.autoReset) return;
    const i = this.finished.indexOf(1);
    if (i >= 0) throw new Error(`${this.id}: copy ${i} finished its episode and autoReset is off; call reset() before stepping again`);
  }

  /** Throws unless `actions` is the buffer type of the action space (Int32Array for discrete, else Float32Array) with `numEnvs × actionSize` entries. */
  protected checkActionBuffer(actions: Int32Array | Float32Array): void {
    const space = this.actionSpace;
    const type = space.kind === "discrete" ? Int32Array : Float32Array;
    const expected = this.numEnvs * this.actionSize;
    if (!(actions instanceof type)) {
      throw new TypeError(`${this.id}: step() expects ${type === Int32Array ? "an" : "a"} ${type.name} of ${expected} actions for ${describeSpace(space)}, got ${describe(actions)}`);
    }
    if (actions.length !== expected) {
      throw new RangeError(`${this.id}: step() expects ${expected} actions (${this.numEnvs} copies × ${this.actionSize}), got ${actions.length}`);
    }
  }

  protected checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.numEnvs) {
      throw new RangeError(`${this.id}: copy index must be an integer in [0, ${this.numEnvs - 1}], got ${index}`);
    }
    return index;
  }

  /**
   * Flattens `reset({ state })` into one state per copy, checking the count
   * and each length (and, with `finite`, that every entry is a finite number).
   */
  protected splitStates(given: ArrayLike<number> | ArrayLike<number>[], finite: boolean): ArrayLike<number>[] {
    const n = this.numEnvs;
    const k = this.stateLayout.length;
    if (k === 0) {
      throw new Error(`${this.id} has no physical state layout, so reset({ state }) is not supported; call reset() or reset({ seed })`);
    }
    const perCopy = Array.isArray(given) && given.length > 0 && typeof given[0] !== "number";
    const rows = perCopy ? (given as ArrayLike<number>[]) : Array.from({ length: n }, () => given as ArrayLike<number>);
    if (rows.length !== n) {
      throw new RangeError(`${this.id}: reset({ state }) got ${rows.length} states for ${n} copies; pass one state or one per copy`);
    }
    for (const [i, row] of rows.entries()) {
      if (row?.length !== k) {
        throw new RangeError(`${this.id}: a state has ${k} entries [${this.stateLayout.join(", ")}], got ${row?.length}${perCopy ? ` for copy ${i}` : ""}`);
      }
      if (!finite) continue;
      for (let j = 0; j < k; j++) {
        const v = row[j];
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new RangeError(`${this.id}: state entry ${this.stateLayout[j]} is ${String(v)}; expected a finite number`);
        }
      }
    }
    return rows;
  }

  /** A checkpoint of this env: the fields every env saves, plus its physical state and `extra`. */
  protected makeState(physical: number[], extra: unknown): VecEnvState {
    return { id: this.id, numEnvs: this.numEnvs, physical, elapsed: Array.from(this.elapsed), rng: this.rng.state(), extra };
  }

  /** Throws unless `saved` comes from an env with this id and number of copies. */
  protected checkSavedTarget(saved: VecEnvState): void {
    if (saved.id !== this.id || saved.numEnvs !== this.numEnvs) {
      throw new Error(`${this.id}: cannot load a state saved from '${saved.id}' with ${saved.numEnvs} copies into '${this.id}' with ${this.numEnvs}; make the env with the same id and n`);
    }
  }

  /** The error for a checkpoint whose sizes do not match this env. */
  protected savedLayoutError(): Error {
    return new Error(`${this.id}: the saved state does not match this env's layout (${this.numEnvs} copies × [${this.stateLayout.join(", ")}], obs size ${this.obsSize}); was it saved by a different version or configuration?`);
  }
}

function describe(x: unknown): string {
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length})`;
  if (Array.isArray(x)) return `an Array(${x.length})`;
  return x === null ? "null" : typeof x;
}
