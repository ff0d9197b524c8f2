import { Rng } from "../random/rng.js";
import type { Frame } from "./frame.js";
import { describeSpace, flatSize, type BoxSpace, type Space } from "./space.js";
import type { VecEnv, VecEnvOptions, VecEnvState, VecResetOptions } from "./vec-env.js";

/** The option keys every vector env takes; env constructors add their own kwargs. */
export const VEC_ENV_OPTION_KEYS = ["n", "rng", "maxEpisodeSteps", "autoReset"] as const;

/** What a {@link BaseVecEnv} subclass declares about itself. */
export interface VecEnvSpec {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly stateLayout: readonly string[];
  /** Default time limit, used unless the options override it. */
  readonly maxEpisodeSteps: number | undefined;
}

/** What `saveState().extra` holds for every {@link BaseVecEnv}. */
interface BaseExtra {
  readonly obs: number[];
  readonly finished: number[];
  readonly started: boolean;
  readonly env: unknown;
}

/**
 * The bookkeeping shared by vector envs that step their copies one at a time:
 * buffers, action checks, time limit, same-step auto-reset with `finalObs`,
 * the no-auto-reset guard, seeding and checkpoints. A subclass writes only the
 * dynamics of one copy (`resetCopy`, `setCopyState`, `stepCopy`) and its drawing.
 *
 * Lifecycle: `reset()` → `step()` … (a finished copy is reset inside `step`
 * when `autoReset` is on, the default). Stepping before the first `reset()`
 * is an error, as in Gymnasium's order enforcing.
 *
 * When the time limit is reached on the step that also terminates, both flags
 * are 1 (Gymnasium's `TimeLimit` does the same); use `terminated` to decide
 * whether to bootstrap.
 */
export abstract class BaseVecEnv implements VecEnv {
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

  protected rng: Rng;
  /** 1 where a copy finished while auto-reset is off: it must be reset before it steps again. */
  private readonly finished: Uint8Array;
  private started = false;

  protected constructor(spec: VecEnvSpec, options: VecEnvOptions) {
    const { n, rng, autoReset = true } = options;
    const limit = options.maxEpisodeSteps ?? spec.maxEpisodeSteps;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`${spec.id}: n (number of copies) must be an integer ≥ 1, got ${String(n)}`);
    }
    if (!(rng instanceof Rng)) {
      throw new TypeError(`${spec.id}: options.rng must be an Rng (e.g. Rng.fromSeed(0)), got ${String(rng)}`);
    }
    if (limit !== undefined && limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) {
      throw new RangeError(`${spec.id}: maxEpisodeSteps must be an integer ≥ 1 or Infinity (no limit), got ${limit}`);
    }
    this.id = spec.id;
    this.numEnvs = n;
    this.observationSpace = spec.observationSpace;
    this.actionSpace = spec.actionSpace;
    this.obsSize = flatSize(spec.observationSpace);
    this.actionSize = flatSize(spec.actionSpace);
    this.maxEpisodeSteps = limit === Infinity ? undefined : limit;
    this.stateLayout = spec.stateLayout;
    this.autoReset = autoReset;
    this.rng = rng;
    this.obs = new Float32Array(n * this.obsSize);
    this.finalObs = new Float32Array(n * this.obsSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.elapsed = new Int32Array(n);
    this.finished = new Uint8Array(n);
  }

  /** Starts copy `i` from a random state drawn from `this.rng`; writes its obs row. */
  protected abstract resetCopy(i: number): void;
  /** Starts copy `i` from an explicit physical state (`stateLayout` order); writes its obs row. */
  protected abstract setCopyState(i: number, state: ArrayLike<number>): void;
  /** Advances copy `i` by its action; writes its obs row, `rewards[i]`, `terminated[i]` and, for env-side truncation, `truncated[i]`. */
  protected abstract stepCopy(i: number, actions: Int32Array | Float32Array): void;
  protected abstract renderCopy(i: number): Frame;
  protected abstract physicalState(i: number): number[];
  /** Env-specific checkpoint data beyond the physical state (e.g. bandit means). */
  protected saveExtra(): unknown {
    return undefined;
  }
  protected loadExtra(_extra: unknown): void {}

  reset(options: VecResetOptions = {}): Float32Array {
    if (options.seed !== undefined) this.rng = Rng.fromSeed(options.seed);
    const states = options.state === undefined ? undefined : this.splitStates(options.state);
    for (let i = 0; i < this.numEnvs; i++) {
      if (states) this.setCopyState(i, states[i]!);
      else this.resetCopy(i);
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.elapsed.fill(0);
    this.finished.fill(0);
    this.started = true;
    return this.obs;
  }

  step(actions: Int32Array | Float32Array): void {
    if (!this.started) throw new Error(`${this.id}: call reset() before the first step()`);
    this.checkActions(actions);
    for (let i = 0; i < this.numEnvs; i++) {
      if (this.finished[i]) {
        throw new Error(`${this.id}: copy ${i} finished its episode and auto-reset is off; call reset() before stepping again`);
      }
    }
    const size = this.obsSize;
    for (let i = 0; i < this.numEnvs; i++) {
      this.rewards[i] = 0;
      this.terminated[i] = 0;
      this.truncated[i] = 0;
      this.stepCopy(i, actions);
      const t = ++this.elapsed[i]!;
      if (this.maxEpisodeSteps !== undefined && t >= this.maxEpisodeSteps) this.truncated[i] = 1;
      if (this.terminated[i] || this.truncated[i]) {
        this.finalObs.set(this.obs.subarray(i * size, (i + 1) * size), i * size);
        if (this.autoReset) {
          this.resetCopy(i);
          this.elapsed[i] = 0;
        } else {
          this.finished[i] = 1;
        }
      }
    }
  }

  render(index = 0): Frame {
    return this.renderCopy(this.checkIndex(index));
  }

  getPhysicalState(index: number): number[] {
    return this.physicalState(this.checkIndex(index));
  }

  saveState(): VecEnvState {
    const physical: number[] = [];
    for (let i = 0; i < this.numEnvs; i++) physical.push(...this.physicalState(i));
    const extra: BaseExtra = { obs: Array.from(this.obs), finished: Array.from(this.finished), started: this.started, env: this.saveExtra() };
    return { id: this.id, numEnvs: this.numEnvs, physical, elapsed: Array.from(this.elapsed), rng: this.rng.state(), extra };
  }

  loadState(state: VecEnvState): void {
    if (state.id !== this.id || state.numEnvs !== this.numEnvs) {
      throw new Error(`${this.id}: cannot load a state saved from '${state.id}' with ${state.numEnvs} copies into '${this.id}' with ${this.numEnvs}; make the env with the same id and n`);
    }
    const width = this.stateLayout.length;
    const extra = state.extra as BaseExtra | undefined;
    if (state.physical.length !== this.numEnvs * width || state.elapsed.length !== this.numEnvs || !extra || extra.obs?.length !== this.obs.length) {
      throw new Error(`${this.id}: the saved state does not match this env's layout (${this.numEnvs} copies × [${this.stateLayout.join(", ")}], obs size ${this.obsSize}); was it saved by a different version or configuration?`);
    }
    this.loadExtra(extra.env);
    if (width > 0) {
      for (let i = 0; i < this.numEnvs; i++) this.setCopyState(i, state.physical.slice(i * width, (i + 1) * width));
    }
    this.obs.set(extra.obs);
    this.elapsed.set(state.elapsed);
    this.finished.set(extra.finished);
    this.started = extra.started;
    this.rng = Rng.fromState(state.rng);
  }

  /** Flattens `reset({ state })` into one state per copy, checking each length. */
  private splitStates(state: ArrayLike<number> | ArrayLike<number>[]): ArrayLike<number>[] {
    const width = this.stateLayout.length;
    if (width === 0) {
      throw new Error(`${this.id} has no physical state layout, so reset({ state }) is not supported; call reset() or reset({ seed })`);
    }
    const perCopy = Array.isArray(state) && state.length > 0 && typeof state[0] !== "number";
    const states = perCopy ? (state as ArrayLike<number>[]) : Array.from({ length: this.numEnvs }, () => state as ArrayLike<number>);
    if (states.length !== this.numEnvs) {
      throw new RangeError(`${this.id}: reset({ state }) got ${states.length} states for ${this.numEnvs} copies; pass one state or one per copy`);
    }
    for (const s of states) {
      if (s.length !== width) {
        throw new RangeError(`${this.id}: a state has ${width} entries [${this.stateLayout.join(", ")}], got ${s.length}`);
      }
    }
    return states;
  }

  private checkActions(actions: Int32Array | Float32Array): void {
    const expected = this.numEnvs * this.actionSize;
    const space = this.actionSpace;
    const type = space.kind === "discrete" ? Int32Array : Float32Array;
    if (!(actions instanceof type)) {
      const got = ArrayBuffer.isView(actions) ? actions.constructor.name : String(actions);
      throw new TypeError(`${this.id}: step() expects ${type === Int32Array ? "an" : "a"} ${type.name} of ${expected} actions for ${describeSpace(space)}, got ${got}`);
    }
    if (actions.length !== expected) {
      throw new RangeError(`${this.id}: step() expects ${expected} actions (${this.numEnvs} copies × ${this.actionSize}), got ${actions.length}`);
    }
    for (let j = 0; j < expected; j++) {
      const a = actions[j]!;
      const ok = space.kind === "discrete" ? Number.isInteger(a) && a >= 0 && a < space.n : Number.isFinite(a);
      if (!ok) {
        const want = space.kind === "discrete" ? `an integer in [0, ${space.n - 1}]` : "a finite number";
        throw new RangeError(`${this.id}: action ${a} of copy ${Math.floor(j / this.actionSize)} is invalid for ${describeSpace(space)}; expected ${want}`);
      }
    }
  }

  private checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.numEnvs) {
      throw new RangeError(`${this.id}: copy index must be an integer in [0, ${this.numEnvs - 1}], got ${index}`);
    }
    return index;
  }
}
