import { Rng } from "../random/rng.js";
import type { Frame } from "./frame.js";
import { describeSpace, type BoxSpace, type Space } from "./space.js";
import type { VecEnvOptions, VecEnvState, VecResetOptions } from "./vec-env.js";
import { checkNumEnvs, checkRng, checkTimeLimit, VecEnvCore } from "./vec-env-core.js";

export { VEC_ENV_OPTION_KEYS } from "./vec-env-core.js";

/** What a {@link BaseVecEnv} subclass declares about itself. */
export interface VecEnvSpec {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly stateLayout: readonly string[];
  /** Names of the per-step constraint costs `stepCopy` writes into `costs` (default none). */
  readonly costNames?: readonly string[];
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
export abstract class BaseVecEnv extends VecEnvCore {
  protected constructor(spec: VecEnvSpec, options: VecEnvOptions) {
    const { n, rng, autoReset = true } = options;
    const limit = options.maxEpisodeSteps ?? spec.maxEpisodeSteps;
    checkNumEnvs(spec.id, n);
    checkRng(spec.id, rng);
    checkTimeLimit(spec.id, limit);
    super(spec, { n, rng, limit, autoReset });
  }

  /** Starts copy `i` from a random state drawn from `this.rng`; writes its obs row. */
  protected abstract resetCopy(i: number): void;
  /** Starts copy `i` from an explicit physical state (`stateLayout` order); writes its obs row. */
  protected abstract setCopyState(i: number, state: ArrayLike<number>): void;
  /** Advances copy `i` by its action; writes its obs row, `rewards[i]`, `terminated[i]`, its row of `costs` (zeroed before) and, for env-side truncation, `truncated[i]`. */
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
    const states = options.state === undefined ? undefined : this.splitStates(options.state, false);
    for (let i = 0; i < this.numEnvs; i++) {
      if (states) this.setCopyState(i, states[i]!);
      else this.resetCopy(i);
    }
    this.rewards.fill(0);
    this.costs.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.elapsed.fill(0);
    this.finished.fill(0);
    this.started = true;
    return this.obs;
  }

  step(actions: Int32Array | Float32Array): void {
    this.checkStarted();
    this.checkActions(actions);
    this.checkNoneFinished();
    const size = this.obsSize;
    this.costs.fill(0);
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
    return this.makeState(physical, extra);
  }

  loadState(state: VecEnvState): void {
    this.checkSavedTarget(state);
    const width = this.stateLayout.length;
    const extra = state.extra as BaseExtra | undefined;
    if (state.physical.length !== this.numEnvs * width || state.elapsed.length !== this.numEnvs || !extra || extra.obs?.length !== this.obs.length) {
      throw this.savedLayoutError();
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

  private checkActions(actions: Int32Array | Float32Array): void {
    this.checkActionBuffer(actions);
    const expected = this.numEnvs * this.actionSize;
    const space = this.actionSpace;
    for (let j = 0; j < expected; j++) {
      const a = actions[j]!;
      const ok = space.kind === "discrete" ? Number.isInteger(a) && a >= 0 && a < space.n : Number.isFinite(a);
      if (!ok) {
        const want = space.kind === "discrete" ? `an integer in [0, ${space.n - 1}]` : "a finite number";
        throw new RangeError(`${this.id}: action ${a} of copy ${Math.floor(j / this.actionSize)} is invalid for ${describeSpace(space)}; expected ${want}`);
      }
    }
  }
}
