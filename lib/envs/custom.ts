import type { Rng } from "../random/rng.js";
import { BaseVecEnv, VEC_ENV_OPTION_KEYS } from "./base-vec-env.js";
import type { Frame, Shape } from "./frame.js";
import { checkCostNames, writeCostRow } from "./costs.js";
import { decodeState, encodeState } from "./json-state.js";
import type { BoxSpace, Space } from "./space.js";
import type { VecEnvOptions } from "./vec-env.js";

/** What one step of a custom env returns. */
export interface StepResult {
  readonly obs: ArrayLike<number>;
  readonly reward: number;
  /** The episode reached a terminal state (no bootstrapping past it). */
  readonly terminated: boolean;
  /** The episode was cut short by the env itself (the time limit is added for you). */
  readonly truncated?: boolean;
  /** The step's constraint cost(s): one number per name in the env's `costNames` (a number when there is one); 0 when left out. */
  readonly cost?: number | ArrayLike<number>;
}

/**
 * A single environment written as a class, Gymnasium style: the instance
 * holds its own state, `reset` starts an episode and `step` advances it.
 * {@link vectorize} makes `n` instances and runs them as one `VecEnv`.
 *
 * ```ts
 * class Corridor implements CustomEnv {
 *   observationSpace = box(0, 1, [1]);
 *   actionSpace = discrete(2);               // 0: left, 1: right
 *   maxEpisodeSteps = 50;
 *   pos = 0;
 *   constructor(readonly opts: { length?: number } = {}) {}
 *   reset() { this.pos = 0; return [0]; }
 *   step(action: number) {
 *     const length = this.opts.length ?? 5;
 *     this.pos = Math.max(0, Math.min(length, this.pos + (action === 1 ? 1 : -1)));
 *     return { obs: [this.pos / length], reward: this.pos === length ? 1 : 0, terminated: this.pos === length };
 *   }
 * }
 * const envs = makeVecEnv(Corridor, { n: 8, seed: 1, length: 7 });   // kwargs reach the constructor
 * ```
 *
 * Checkpoints save every own data field of the instance (they must be JSON-like:
 * numbers, strings, arrays, typed arrays, plain objects); define
 * `getState()`/`setState()` to choose what is saved instead.
 */
export interface CustomEnv {
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly id?: string;
  readonly maxEpisodeSteps?: number;
  /** Names of the constraint costs `step` returns as `cost` (e.g. ["hazard"]); none by default. */
  readonly costNames?: readonly string[];
  /** Starts an episode (draw randomness from `rng` only); returns the first observation. */
  reset(rng: Rng): ArrayLike<number>;
  /** A number for a discrete action space, a fresh Float32Array for a box. */
  step(action: number | Float32Array, rng: Rng): StepResult;
  render?(): Frame;
  getState?(): unknown;
  setState?(state: unknown): void;
}

/** A class (or a factory function) whose instances are {@link CustomEnv}s; it receives the env kwargs. */
export type CustomEnvClass = (new (kwargs: any) => CustomEnv) | ((kwargs: any) => CustomEnv);

/**
 * A custom environment as pure functions over an explicit state `S` (which
 * must be JSON-like for checkpoints). Wrap it in {@link defineEnv} so
 * TypeScript infers `S` from `reset`.
 */
export interface EnvDefinition<S> {
  readonly id?: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps?: number;
  /** Names of the constraint costs `step` returns as `cost`; none by default. */
  readonly costNames?: readonly string[];
  reset(rng: Rng): { state: S; obs: ArrayLike<number> };
  step(state: S, action: number | Float32Array, rng: Rng): StepResult & { state: S };
  render?(state: S): Frame;
}

/** Anything {@link vectorize} accepts. */
export type EnvSource = CustomEnvClass | EnvDefinition<any>;

/** Identity, for type inference: `defineEnv({ reset: () => ({ state: 0, obs: [0] }), step: (s, a) => … })`. */
export function defineEnv<S>(definition: EnvDefinition<S>): EnvDefinition<S> {
  return definition;
}

/** Runs `n` copies of a custom env as a `VecEnv` (same auto-reset, time limit and checkpoints as the built-in envs). */
export function vectorize(source: EnvSource, options: VecEnvOptions & Record<string, unknown>): CustomVecEnv {
  return new CustomVecEnv(source, options);
}

/** An {@link EnvDefinition} seen as a {@link CustomEnv}: the instance holds the state between calls. */
class DefinitionEnv<S> implements CustomEnv {
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly costNames?: readonly string[];
  private state: S | undefined;

  constructor(private readonly def: EnvDefinition<S>) {
    this.observationSpace = def.observationSpace;
    this.actionSpace = def.actionSpace;
    if (def.costNames !== undefined) this.costNames = def.costNames;
    if (def.render) this.render = () => def.render!(this.state as S);
  }

  render?: () => Frame;

  reset(rng: Rng): ArrayLike<number> {
    const out = this.def.reset(rng);
    this.state = requireState(out, "reset() must return { state, obs }").state;
    return out.obs;
  }

  step(action: number | Float32Array, rng: Rng): StepResult {
    const out = this.def.step(this.state as S, action, rng);
    this.state = requireState(out, "step() must return { state, obs, reward, terminated }").state;
    return out;
  }

  getState(): unknown {
    return this.state;
  }

  setState(state: unknown): void {
    this.state = state as S;
  }
}

function requireState<T extends { state: unknown }>(out: T, message: string): T {
  if (typeof out !== "object" || out === null || !("state" in out)) throw new TypeError(`${message}, got ${describe(out)}`);
  return out;
}

function describe(v: unknown): string {
  if (typeof v !== "object" || v === null) return String(v);
  return Array.isArray(v) ? `an array of ${v.length}` : `{ ${Object.keys(v).join(", ")} }`;
}

const RESERVED_FIELDS = new Set(["observationSpace", "actionSpace", "id", "maxEpisodeSteps", "costNames"]);

function isDefinition(source: EnvSource): source is EnvDefinition<unknown> {
  return typeof source === "object" && source !== null;
}

function sourceName(source: EnvSource, first: CustomEnv): string {
  if (isDefinition(source)) return source.id ?? "CustomEnv";
  const named = source as { id?: unknown; name?: string };
  return first.id ?? (typeof named.id === "string" ? named.id : named.name || "CustomEnv");
}

function instantiate(source: EnvSource, kwargs: Record<string, unknown>): CustomEnv {
  if (isDefinition(source)) return new DefinitionEnv(source);
  if (typeof source !== "function") {
    throw new TypeError(`vectorize() takes an env class, a factory function or an EnvDefinition object, got ${String(source)}`);
  }
  // Arrow functions have no prototype and cannot be called with `new`; classes must be.
  const env = source.prototype === undefined ? (source as (k: unknown) => CustomEnv)(kwargs) : new (source as new (k: unknown) => CustomEnv)(kwargs);
  if (typeof env?.reset !== "function" || typeof env?.step !== "function") {
    throw new TypeError(`${source.name || "the env factory"} did not produce an env: expected an object with reset() and step(), got ${describe(env)}`);
  }
  return env;
}

/** The `VecEnv` that {@link vectorize} returns: `envs[i]` is copy `i`'s instance. */
export class CustomVecEnv extends BaseVecEnv {
  readonly envs: readonly CustomEnv[];

  constructor(source: EnvSource, options: VecEnvOptions & Record<string, unknown>) {
    const kwargs = Object.fromEntries(Object.entries(options).filter(([k]) => !(VEC_ENV_OPTION_KEYS as readonly string[]).includes(k)));
    if (isDefinition(source) && Object.keys(kwargs).length > 0) {
      throw new TypeError(`an EnvDefinition takes no options (got ${Object.keys(kwargs).join(", ")}); close over them, or write a class whose constructor reads them`);
    }
    const n = Number.isInteger(options.n) && options.n > 0 ? options.n : 1;
    const envs = Array.from({ length: n }, () => instantiate(source, kwargs));
    const first = envs[0]!;
    const id = sourceName(source, first);
    if (first.observationSpace?.kind !== "box") {
      throw new TypeError(`${id}: observationSpace must be a Box, e.g. box(-1, 1, [4]); got ${describe(first.observationSpace)}`);
    }
    if (first.actionSpace?.kind !== "box" && first.actionSpace?.kind !== "discrete") {
      throw new TypeError(`${id}: actionSpace must be discrete(n) or a box(...); got ${describe(first.actionSpace)}`);
    }
    const costNames = checkCostNames(id, first.costNames);
    super({ id, observationSpace: first.observationSpace, actionSpace: first.actionSpace, stateLayout: [], maxEpisodeSteps: first.maxEpisodeSteps, costNames }, options);
    this.envs = envs;
  }

  protected resetCopy(i: number): void {
    const obs = this.call(i, "reset", () => this.envs[i]!.reset(this.rng));
    this.writeObs(i, obs, "reset");
  }

  protected setCopyState(): void {
    throw new Error(`${this.id}: a custom env has no physical state layout; reset({ state }) is not supported`);
  }

  protected stepCopy(i: number, actions: Int32Array | Float32Array): void {
    const size = this.actionSize;
    const action = this.actionSpace.kind === "discrete" ? actions[i]! : Float32Array.from(actions.subarray(i * size, (i + 1) * size));
    const out = this.call(i, "step", () => this.envs[i]!.step(action, this.rng));
    if (typeof out !== "object" || out === null) {
      throw new TypeError(`${this.where(i, "step")} returned ${describe(out)}; return { obs, reward, terminated }`);
    }
    if (typeof out.reward !== "number" || !Number.isFinite(out.reward)) {
      throw new TypeError(`${this.where(i, "step")} returned reward ${String(out.reward)}; expected a finite number`);
    }
    if (typeof out.terminated !== "boolean" || (out.truncated !== undefined && typeof out.truncated !== "boolean")) {
      throw new TypeError(`${this.where(i, "step")} returned terminated ${String(out.terminated)}, truncated ${String(out.truncated)}; expected booleans (truncated may be left out)`);
    }
    this.writeObs(i, out.obs, "step");
    this.rewards[i] = out.reward;
    this.terminated[i] = out.terminated ? 1 : 0;
    if (out.truncated) this.truncated[i] = 1;
    if (out.cost !== undefined) writeCostRow(() => `${this.where(i, "step")} returned cost`, out.cost, this.costNames, this.costs, i);
  }

  protected physicalState(): number[] {
    return [];
  }

  protected renderCopy(i: number): Frame {
    const env = this.envs[i]!;
    if (env.render) return this.call(i, "render", () => env.render!());
    return this.obsFrame(i);
  }

  protected override saveExtra(): unknown {
    return this.envs.map((env, i) => {
      try {
        return encodeState(env.getState ? env.getState() : dataFields(env));
      } catch (err) {
        throw new TypeError(`${this.id}: cannot save copy ${i}: ${(err as Error).message}; or give the env getState()/setState()`, { cause: err });
      }
    });
  }

  protected override loadExtra(extra: unknown): void {
    if (!Array.isArray(extra) || extra.length !== this.numEnvs) {
      throw new Error(`${this.id}: the saved state holds no instance states for ${this.numEnvs} copies; was it saved from this env?`);
    }
    extra.forEach((saved, i) => {
      const env = this.envs[i]!;
      const state = decodeState(saved);
      if (env.setState) env.setState(state);
      else Object.assign(env, state);
    });
  }

  private call<T>(i: number, method: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw new Error(`${this.where(i, method)} threw: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  }

  private where(i: number, method: string): string {
    const at = method === "step" ? `, episode step ${this.elapsed[i]! + 1}` : "";
    return `${this.id}.${method}() (copy ${i}${at})`;
  }

  private writeObs(i: number, obs: ArrayLike<number>, method: string): void {
    const size = this.obsSize;
    if (obs === null || typeof obs !== "object" || obs.length !== size) {
      const got = obs !== null && typeof obs === "object" && typeof obs.length === "number" ? `length ${obs.length}` : describe(obs);
      throw new RangeError(`${this.where(i, method)} returned an observation of ${got}; expected ${size} numbers (observationSpace shape [${this.observationSpace.shape.join(", ")}])`);
    }
    for (let j = 0; j < size; j++) {
      if (typeof obs[j] !== "number" || !Number.isFinite(obs[j])) {
        throw new RangeError(`${this.where(i, method)} returned obs[${j}] = ${String(obs[j])}; every observation entry must be a finite number`);
      }
    }
    this.obs.set(obs, i * size);
  }

  /** The default drawing when the env has no render(): its observation as text. */
  private obsFrame(i: number): Frame {
    const size = this.obsSize;
    const shown = Math.min(size, 16);
    const shapes: Shape[] = [{ type: "text", x: 0.3, y: shown + 0.3, text: `${this.id} copy ${i}, step ${this.elapsed[i]}`, size: 0.6, fill: "#333333" }];
    for (let j = 0; j < shown; j++) {
      shapes.push({ type: "text", x: 0.3, y: shown - 1 - j + 0.3, text: `obs[${j}] = ${this.obs[i * size + j]!.toPrecision(4)}`, size: 0.6, fill: "#333333" });
    }
    return { viewBox: [0, 0, 10, shown + 1], width: 300, height: 30 * (shown + 1), background: "#ffffff", shapes };
  }
}

/** The own data fields of a class-form env: what a checkpoint saves by default. */
function dataFields(env: CustomEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) {
    if (!RESERVED_FIELDS.has(k) && typeof v !== "function") out[k] = v;
  }
  return out;
}
