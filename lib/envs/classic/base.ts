import { Rng } from "../../random/rng.js";
import { VEC_ENV_OPTION_KEYS } from "../base-vec-env.js";
import type { Frame } from "../frame.js";
import { flatSize, type BoxSpace, type Space } from "../space.js";
import { rejectUnknownOptions } from "../suggest.js";
import type { VecEnv, VecEnvOptions, VecEnvState, VecResetOptions } from "../vec-env.js";

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
export abstract class ClassicVecEnv implements VecEnv {
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

  protected readonly state: Float64Array;
  protected readonly stateSize: number;
  /** Scratch list of the copies whose episode ended during a `step`. */
  protected readonly ended: Int32Array;
  /** Time limit as an int32 (2^31 - 1 for none), cheap to compare in loops. */
  protected readonly limit: number;
  protected rng: Rng;
  /** 1 where a copy finished while auto-reset is off: it must be reset before it steps again. */
  private readonly needsReset: Uint8Array;
  private started = false;

  constructor(spec: ClassicSpec, options: VecEnvOptions) {
    const n = options?.n;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${spec.id}: n (number of copies) must be an integer ≥ 1, got ${String(n)}`);
    rejectUnknownOptions(spec.id, options, [...VEC_ENV_OPTION_KEYS, ...spec.optionKeys]);
    if (!(options.rng instanceof Rng)) throw new TypeError(`${spec.id}: options.rng must be an Rng (e.g. Rng.fromSeed(0)), got ${String(options.rng)}`);
    const limit = options.maxEpisodeSteps ?? spec.maxEpisodeSteps;
    if (!(limit === Infinity || (Number.isInteger(limit) && limit >= 1 && limit < 0x7fffffff))) {
      throw new RangeError(`${spec.id}: maxEpisodeSteps must be an integer ≥ 1 or Infinity (no limit), got ${limit}`);
    }
    this.id = spec.id;
    this.numEnvs = n;
    this.observationSpace = spec.observationSpace;
    this.actionSpace = spec.actionSpace;
    this.obsSize = flatSize(spec.observationSpace);
    this.actionSize = flatSize(spec.actionSpace);
    this.stateLayout = spec.stateLayout;
    this.stateSize = spec.stateLayout.length;
    this.maxEpisodeSteps = limit === Infinity ? undefined : limit;
    this.limit = limit === Infinity ? 0x7fffffff : limit;
    this.autoReset = options.autoReset ?? true;
    this.rng = options.rng;
    const given = spec.buffers?.(n) ?? {};
    this.obs = given.obs ?? new Float32Array(n * this.obsSize);
    this.finalObs = new Float32Array(n * this.obsSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.elapsed = given.elapsed ?? new Int32Array(n);
    this.state = given.state ?? new Float64Array(n * this.stateSize);
    this.ended = given.ended ?? new Int32Array(n);
    this.needsReset = new Uint8Array(n);
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
  abstract step(actions: Int32Array | Float32Array): void;
  abstract render(index?: number): Frame;

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
    const extra: ClassicExtra = { started: this.started, needsReset: Array.from(this.needsReset), env: this.saveExtra() };
    return {
      id: this.id,
      numEnvs: this.numEnvs,
      physical: Array.from(this.state),
      elapsed: Array.from(this.elapsed),
      rng: this.rng.state(),
      extra,
    };
  }

  loadState(saved: VecEnvState): void {
    if (saved.id !== this.id || saved.numEnvs !== this.numEnvs) {
      throw new Error(`${this.id}: cannot load a state saved from '${saved.id}' with ${saved.numEnvs} copies into '${this.id}' with ${this.numEnvs}; make the env with the same id and n`);
    }
    const extra = saved.extra as ClassicExtra | undefined;
    if (saved.physical.length !== this.state.length || saved.elapsed.length !== this.numEnvs || extra?.needsReset?.length !== this.numEnvs) {
      throw new Error(`${this.id}: the saved state does not match this env's layout (${this.numEnvs} copies × [${this.stateLayout.join(", ")}]); was it saved by a different version?`);
    }
    this.state.set(saved.physical);
    this.elapsed.set(saved.elapsed);
    this.needsReset.set(extra.needsReset);
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
        this.needsReset[i] = 1;
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
    const n = this.numEnvs;
    if (!(actions instanceof Int32Array)) {
      throw new TypeError(`${this.id}: step() expects an Int32Array of ${n} action indices (one per copy), got ${describe(actions)}`);
    }
    if (actions.length !== n) {
      throw new RangeError(`${this.id}: step() expects ${n} actions (one per copy), got ${actions.length}`);
    }
    return actions;
  }

  /** Throws the error for the first action outside [0, count). */
  protected throwBadDiscrete(actions: Int32Array, count: number): never {
    const i = actions.findIndex((a) => a < 0 || a >= count);
    throw new RangeError(`${this.id}: action ${actions[i]} of copy ${i} is out of range for Discrete(${count}); expected an integer in [0, ${count - 1}]`);
  }

  /** Throws unless `actions` is a Float32Array of finite values, `actionSize` per copy, and every copy may step. */
  protected checkBox(actions: Int32Array | Float32Array): Float32Array {
    this.checkCanStep();
    const n = this.numEnvs;
    const d = this.actionSize;
    if (!(actions instanceof Float32Array)) {
      throw new TypeError(`${this.id}: step() expects a Float32Array of ${n}×${d} actions (${d} per copy), got ${describe(actions)}`);
    }
    if (actions.length !== n * d) {
      throw new RangeError(`${this.id}: step() expects ${n}×${d} = ${n * d} action values (${d} per copy), got ${actions.length}`);
    }
    let bad = 0;
    for (let k = 0; k < n * d; k++) bad |= actions[k]! - actions[k]! === 0 ? 0 : 1;
    if (bad) {
      const k = actions.findIndex((a) => !Number.isFinite(a));
      throw new RangeError(`${this.id}: action ${actions[k]} of copy ${Math.floor(k / d)} is not a finite number; out-of-range values are clipped to the action bounds, but NaN and ±Infinity are rejected`);
    }
    return actions;
  }

  /** The copy `render` draws, checked. */
  protected renderIndex(index = 0): number {
    this.checkIndex(index);
    if (!this.started) throw new Error(`${this.id}: call reset() before render()`);
    return index;
  }

  private checkCanStep(): void {
    if (!this.started) throw new Error(`${this.id}: call reset() before the first step()`);
    if (this.autoReset) return;
    const i = this.needsReset.indexOf(1);
    if (i >= 0) {
      throw new Error(`${this.id}: copy ${i} finished its episode and autoReset is off; call reset() before stepping again`);
    }
  }

  private startCopy(i: number): void {
    this.elapsed[i] = 0;
    this.needsReset[i] = 0;
    this.onStart(i);
    this.writeObs(i);
  }

  /** Copies explicit start states into `state`, after checking all of them (a bad one changes nothing). */
  private setStates(given: ArrayLike<number> | ArrayLike<number>[]): void {
    const n = this.numEnvs;
    const k = this.stateSize;
    const perCopy = Array.isArray(given) && given.length > 0 && typeof given[0] !== "number";
    const rows = perCopy ? (given as ArrayLike<number>[]) : Array.from({ length: n }, () => given as ArrayLike<number>);
    if (rows.length !== n) {
      throw new RangeError(`${this.id}: reset({ state }) got ${rows.length} states for ${n} copies; pass one state or one per copy`);
    }
    for (const [i, row] of rows.entries()) {
      if (row?.length !== k) {
        throw new RangeError(`${this.id}: a state has ${k} entries [${this.stateLayout.join(", ")}], got ${row?.length}${perCopy ? ` for copy ${i}` : ""}`);
      }
      for (let j = 0; j < k; j++) {
        const v = row[j];
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new RangeError(`${this.id}: state entry ${this.stateLayout[j]} is ${String(v)}; expected a finite number`);
        }
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) this.state[i * k + j] = rows[i]![j]!;
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.numEnvs) {
      throw new RangeError(`${this.id}: copy index must be an integer in [0, ${this.numEnvs - 1}], got ${index}`);
    }
  }
}

function describe(x: unknown): string {
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length})`;
  if (Array.isArray(x)) return `an Array(${x.length})`;
  return x === null ? "null" : typeof x;
}

/** `options[key]` if given (it must be a finite number), else `fallback`. */
export function numberOption(id: string, options: object, key: string, fallback: number): number {
  const v = (options as Record<string, unknown>)[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`${id}: option ${key} must be a finite number, got ${String(v)}`);
  return v;
}
