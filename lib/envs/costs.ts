import type { VecEnv, VecResetOptions } from "./vec-env.js";
import { VecEnvWrapper } from "./vec-env-wrapper.js";

/** Constraint costs per step of `env` (0 when it emits none). */
export function costSize(env: VecEnv): number {
  return env.costNames?.length ?? 0;
}

/** Checks an env's cost names: distinct non-empty strings (none when undefined). */
export function checkCostNames(id: string, names: unknown): readonly string[] {
  if (names === undefined) return [];
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string" || n.length === 0)) {
    throw new TypeError(`${id}: costNames must be an array of non-empty strings (e.g. ["hazard"]), got ${JSON.stringify(names)}`);
  }
  const seen = new Set<string>();
  for (const n of names as string[]) {
    if (seen.has(n)) throw new TypeError(`${id}: cost name '${n}' appears twice in costNames; each constraint needs its own name`);
    seen.add(n);
  }
  return names as string[];
}

/**
 * Writes one copy's costs (a number, or one number per name) into row `row`
 * of `out`; anything else is an error that names what was expected.
 */
export function writeCostRow(where: () => string, value: unknown, names: readonly string[], out: Float32Array, row: number): void {
  const k = names.length;
  if (k === 0) throw new TypeError(`${where()} ${describe(value)}, but the env declares no costNames; declare them (costNames = ["hazard"]) so every step has a cost row`);
  if (typeof value === "number") {
    if (k !== 1) throw new RangeError(`${where()} one number, but the env declares ${k} costs [${names.join(", ")}]; return one number per name`);
    if (!Number.isFinite(value)) throw new RangeError(`${where()} ${value}; a cost must be a finite number`);
    out[row] = value;
    return;
  }
  const list = value as ArrayLike<unknown> | null;
  if (list === null || typeof list !== "object" || typeof list.length !== "number" || list.length !== k) {
    throw new RangeError(`${where()} ${describe(value)}; expected ${k === 1 ? "a number" : `${k} numbers`} for [${names.join(", ")}]`);
  }
  for (let j = 0; j < k; j++) {
    const v = list[j];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`${where()} ${names[j]} = ${String(v)}; a cost must be a finite number`);
    out[row * k + j] = v;
  }
}

/** One step of one copy, as a cost function of {@link withCosts} sees it. */
export interface CostStep {
  /** The observation the action was taken in. */
  readonly obs: Float32Array;
  /** The action: an index for discrete spaces, the action row for boxes (as given, before the env clips it). */
  readonly action: number | Float32Array;
  /** The observation after the step: the episode's last one when it ended there (`finalObs`). */
  readonly nextObs: Float32Array;
  readonly reward: number;
  readonly terminated: boolean;
}

/** Options of {@link withCosts}. */
export interface WithCostsOptions {
  /** The cost's name, or one name per cost. */
  readonly names: string | readonly string[];
  /** The cost(s) of one step: a number, or one number per name. */
  readonly cost: (step: CostStep) => number | ArrayLike<number>;
  /** The wrapped env's id (default the inner env's). */
  readonly id?: string;
}

/**
 * An env with constraint costs computed from each step's observations and
 * action: the inner env's own costs first, then these. Everything else is
 * the inner env's (buffers, checkpoints, drawing).
 *
 * ```ts
 * // a cost of 1 for each step the cart spends right of x = 1
 * withCosts(makeVecEnv("CartPole-v1", { n: 8 }), { names: "right", cost: (s) => (s.nextObs[0]! > 1 ? 1 : 0) })
 * ```
 */
export function withCosts(env: VecEnv, options: WithCostsOptions): VecEnv {
  return new CostVecEnv(env, options);
}

class CostVecEnv extends VecEnvWrapper {
  private readonly name: string;
  private readonly names: readonly string[];
  private readonly buffer: Float32Array;
  private readonly innerCosts: number;
  private readonly own: readonly string[];
  private readonly cost: WithCostsOptions["cost"];
  private readonly before: Float32Array;
  private readonly row: Float32Array;

  constructor(inner: VecEnv, options: WithCostsOptions) {
    const id = options?.id ?? inner?.id;
    if (typeof inner?.step !== "function" || !(inner.obs instanceof Float32Array)) throw new TypeError(`withCosts: expected a VecEnv (makeVecEnv(...)), got ${describe(inner)}`);
    if (typeof options?.cost !== "function") throw new TypeError(`withCosts(${id}): options.cost must be a function (step) => number, got ${describe(options?.cost)}`);
    const own = checkCostNames(id, typeof options.names === "string" ? [options.names] : options.names);
    if (own.length === 0) throw new TypeError(`withCosts(${id}): give the cost a name (names: "hazard")`);
    const innerNames = inner.costNames ?? [];
    for (const n of own) if (innerNames.includes(n)) throw new TypeError(`withCosts(${id}): the env already has a cost named '${n}'; pick another name`);
    super(inner);
    this.name = id;
    this.innerCosts = innerNames.length;
    this.own = own;
    this.names = Object.freeze([...innerNames, ...own]);
    this.buffer = new Float32Array(inner.numEnvs * this.names.length);
    this.cost = options.cost;
    this.before = new Float32Array(inner.obs.length);
    this.row = new Float32Array(own.length);
  }

  override get id(): string {
    return this.name;
  }

  override get costNames(): readonly string[] {
    return this.names;
  }

  override get costs(): Float32Array {
    return this.buffer;
  }

  override reset(options?: VecResetOptions): Float32Array {
    this.inner.reset(options);
    this.buffer.fill(0);
    return this.obs;
  }

  override step(actions: Int32Array | Float32Array): void {
    const inner = this.inner;
    this.before.set(inner.obs);
    inner.step(actions);
    const { numEnvs: n, obsSize: d, actionSize: a } = inner;
    const k = this.names.length;
    const k0 = this.innerCosts;
    const discrete = inner.actionSpace.kind === "discrete";
    for (let e = 0; e < n; e++) {
      const done = inner.terminated[e] === 1 || inner.truncated[e] === 1;
      const value = this.cost({
        obs: this.before.subarray(e * d, (e + 1) * d),
        action: discrete ? actions[e]! : (actions.subarray(e * a, (e + 1) * a) as Float32Array),
        nextObs: (done ? inner.finalObs : inner.obs).subarray(e * d, (e + 1) * d),
        reward: inner.rewards[e]!,
        terminated: inner.terminated[e] === 1,
      });
      writeCostRow(() => `${this.id}: the cost function of copy ${e} returned`, value, this.own, this.row, 0);
      for (let j = 0; j < k0; j++) this.buffer[e * k + j] = inner.costs![e * k0 + j]!;
      for (let j = k0; j < k; j++) this.buffer[e * k + j] = this.row[j - k0]!;
    }
  }
}

function describe(v: unknown): string {
  if (v === null || typeof v !== "object") return typeof v === "function" ? "a function" : String(v);
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return `${(v as { constructor: { name: string } }).constructor.name}(${(v as ArrayLike<unknown>).length})`;
  return `{ ${Object.keys(v).join(", ")} }`;
}
