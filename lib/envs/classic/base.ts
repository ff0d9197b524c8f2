import { Rng } from "../../random/rng.js";
import type { BoxSpace, Space } from "../space.js";
import { rejectUnknownOptions } from "../suggest.js";
import type { VecEnvOptions, VecEnvState, VecResetOptions } from "../vec-env.js";
import { checkNumEnvs, checkRng, checkTimeLimit, VEC_ENV_OPTION_KEYS, VecEnvCore } from "../vec-env-core.js";

/** What a classic-control env tells {@link ClassicVecEnv} about itself. */
export interface ClassicSpec {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly stateLayout: readonly string[];
  /** Gymnasium's registered `max_episode_steps`. */
  readonly maxEpisodeSteps: number;
  /** The env's own kwargs (beyond n, rng, maxEpisodeSteps, autoReset); any other key is refused. */
  readonly optionKeys: readonly string[];
  /**
   * Buffers the env brings itself for `n` copies (e.g. views of a wasm
   * kernel's memory), called once the options are checked; the rest are
   * allocated here. Sizes: state n × stateLayout, obs n × obsSize, elapsed
   * and ended n.
   */
  readonly buffers?: (n: number) => ClassicBuffers;
}

/** The buffers a {@link ClassicSpec} may provide. */
export interface ClassicBuffers {
  readonly state?: Float64Array;
  readonly obs?: Float32Array;
  readonly elapsed?: Int32Array;
  readonly ended?: Int32Array;
}

/** What `saveState().extra` holds. */
interface ClassicExtra {
  readonly started: boolean;
  readonly needsReset: number[];
  readonly env: Record<string, (number | null)[]>;
}

/**
 * The parts the five classic-control envs share: buffers, time limit, reset
 * (random or from an explicit state), checkpoints and action checks.
 *
 * Each subclass writes its own `step` as one flat loop over `state` that
 * writes `obs`, `rewards`, `terminated` and `elapsed`, and lists the copies
 * whose episode ended in `ended`; {@link endEpisodes} then does the rare work
 * (truncation flag, `finalObs`, auto-reset). Keeping calls and rare branches
 * out of the loop is what makes it fast (see bench/env-throughput.ts).
 *
 * `state` is `numEnvs × stateLayout.length` float64, row-major, in the layout
 * of Gymnasium's `env.unwrapped.state`. Stepping before the first `reset()`
 * is an error, as in Gymnasium's order enforcing.
 */
export abstract class ClassicVecEnv extends VecEnvCore {
  protected readonly state: Float64Array;
  protected readonly stateSize: number;
  /** Scratch list of the copies whose episode ended during a `step`. */
  protected readonly ended: Int32Array;
  /** Time limit as an int32 (2^31 - 1 for none), cheap to compare in loops. */
  protected readonly limit: number;

  constructor(spec: ClassicSpec, options: VecEnvOptions) {
    const n = checkNumEnvs(spec.id, options?.n);
    rejectUnknownOptions(spec.id, options, [...VEC_ENV_OPTION_KEYS, ...spec.optionKeys]);
    const rng = checkRng(spec.id, options.rng);
    const limit = checkTimeLimit(spec.id, options.maxEpisodeSteps ?? spec.maxEpisodeSteps, 0x7fffffff)!;
    const given = spec.buffers?.(n) ?? {};
    super(spec, { n, rng, limit, autoReset: options.autoReset ?? true, obs: given.obs, elapsed: given.elapsed });
    this.stateSize = spec.stateLayout.length;
    this.limit = limit === Infinity ? 0x7fffffff : limit;
    this.state = given.state ?? new Float64Array(n * this.stateSize);
    this.ended = given.ended ?? new Int32Array(n);
    const sizes: [string, ArrayLike<number>, number][] = [
      ["state", this.state, n * this.stateSize],
      ["obs", this.obs, n * this.obsSize],
      ["elapsed", this.elapsed, n],
      ["ended", this.ended, n],
    ];
    for (const [key, buf, size] of sizes) {
      if (buf.length !== size) throw new Error(`${spec.id}: internal error: the ${key} buffer holds ${buf.length} values, expected ${size}`);
    }
  }

  /** Draws the start state of copy `i` from `rng` (Gymnasium's reset distribution). */
  protected abstract sampleState(i: number): void;
  /** Writes the observation of copy `i`, computed from its state, into `obs`. */
  protected abstract writeObs(i: number): void;
  /** Called when copy `i` starts an episode (random or explicit state), for per-copy extras. */
  protected onStart(_i: number): void {}
  /** Per-copy extras a checkpoint must carry beyond state, elapsed and rng. */
  protected saveExtra(): Record<string, (number | null)[]> {
    return {};
  }
  protected loadExtra(_extra: Record<string, (number | null)[]>): void {}
  reset(options: VecResetOptions = {}): Float32Array {
    if (options.seed !== undefined) this.rng = Rng.fromSeed(options.seed);
    const n = this.numEnvs;
    if (options.state !== undefined) this.setStates(options.state);
    else for (let i = 0; i < n; i++) this.sampleState(i);
    for (let i = 0; i < n; i++) this.startCopy(i);
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
    this.started = true;
    return this.obs;
  }

  getPhysicalState(index: number): number[] {
    this.checkIndex(index);
    const k = this.stateSize;
    return Array.from(this.state.subarray(index * k, index * k + k));
  }

  saveState(): VecEnvState {
    const extra: ClassicExtra = { started: this.started, needsReset: Array.from(this.finished), env: this.saveExtra() };
    return this.makeState(Array.from(this.state), extra);
  }

  loadState(saved: VecEnvState): void {
    this.checkSavedTarget(saved);
    const extra = saved.extra as ClassicExtra | undefined;
    if (saved.physical.length !== this.state.length || saved.elapsed.length !== this.numEnvs || extra?.needsReset?.length !== this.numEnvs) {
      throw this.savedLayoutError();
    }
    this.state.set(saved.physical);
    this.elapsed.set(saved.elapsed);
    this.finished.set(extra.needsReset);
    this.started = extra.started;
    this.loadExtra(extra.env ?? {});
    this.rng = Rng.fromState(saved.rng);
    for (let i = 0; i < this.numEnvs; i++) this.writeObs(i);
  }

  /**
   * The rare work after a step's loop, for the `count` copies listed in
   * `ended` (the loop has set their `terminated` flag): the truncation flag,
   * `finalObs` and, with auto-reset, the next episode's start in `obs`.
   */
  protected endEpisodes(count: number): void {
    const d = this.obsSize;
    const obs = this.obs;
    const finalObs = this.finalObs;
    for (let k = 0; k < count; k++) {
      const i = this.ended[k]!;
      if (this.elapsed[i]! >= this.limit) this.truncated[i] = 1;
      // A plain loop: `subarray` would allocate a view for every finished episode.
      for (let q = i * d; q < i * d + d; q++) finalObs[q] = obs[q]!;
      if (this.autoReset) {
        this.sampleState(i);
        this.startCopy(i);
      } else {
        this.finished[i] = 1;
      }
    }
  }

  /** Throws unless `actions` is an Int32Array of in-range indices, one per copy, and every copy may step. */
  protected checkDiscrete(actions: Int32Array | Float32Array, count: number): Int32Array {
    const a = this.checkDiscreteBuffer(actions);
    let bad = 0;
    for (let i = 0; i < a.length; i++) bad |= (a[i]! >>> 0) >= count ? 1 : 0;
    if (bad) this.throwBadDiscrete(a, count);
    return a;
  }

  /** {@link checkDiscrete} without the values, for loops that check them on their own. */
  protected checkDiscreteBuffer(actions: Int32Array | Float32Array): Int32Array {
    this.checkCanStep();
    this.checkActionBuffer(actions);
    return actions as Int32Array;
  }

  /** Throws the error for the first action outside [0, count). */
  protected throwBadDiscrete(actions: Int32Array, count: number): never {
    const i = actions.findIndex((a) => a < 0 || a >= count);
    throw new RangeError(`${this.id}: action ${actions[i]} of copy ${i} is out of range for Discrete(${count}); expected an integer in [0, ${count - 1}]`);
  }

  /** Throws unless `actions` is a Float32Array of finite values, `actionSize` per copy, and every copy may step. */
  protected checkBox(actions: Int32Array | Float32Array): Float32Array {
    this.checkCanStep();
    this.checkActionBuffer(actions);
    const a = actions as Float32Array;
    const n = this.numEnvs;
    const d = this.actionSize;
    let bad = 0;
    for (let k = 0; k < n * d; k++) bad |= a[k]! - a[k]! === 0 ? 0 : 1;
    if (bad) {
      const k = a.findIndex((v) => !Number.isFinite(v));
      throw new RangeError(`${this.id}: action ${a[k]} of copy ${Math.floor(k / d)} is not a finite number; out-of-range values are clipped to the action bounds, but NaN and ±Infinity are rejected`);
    }
    return a;
  }

  /** The copy `render` draws, checked. */
  protected renderIndex(index = 0): number {
    this.checkIndex(index);
    if (!this.started) throw new Error(`${this.id}: call reset() before render()`);
    return index;
  }

  private checkCanStep(): void {
    this.checkStarted();
    this.checkNoneFinished();
  }

  private startCopy(i: number): void {
    this.elapsed[i] = 0;
    this.finished[i] = 0;
    this.onStart(i);
    this.writeObs(i);
  }

  /** Copies explicit start states into `state`, after checking all of them (a bad one changes nothing). */
  private setStates(given: ArrayLike<number> | ArrayLike<number>[]): void {
    const n = this.numEnvs;
    const k = this.stateSize;
    const rows = this.splitStates(given, true);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) this.state[i * k + j] = rows[i]![j]!;
  }
}

/** `options[key]` if given (it must be a finite number), else `fallback`. */
export function numberOption(id: string, options: object, key: string, fallback: number): number {
  const v = (options as Record<string, unknown>)[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${id}: option ${key} must be a finite number, got ${String(v)}`);
  return v;
}
