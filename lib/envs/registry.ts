import { Rng } from "../random/rng.js";
import { BanditVecEnv } from "./bandit.js";
import { AcrobotVecEnv } from "./classic/acrobot.js";
import { CartPoleVecEnv } from "./classic/cartpole.js";
import { MountainCarContinuousVecEnv } from "./classic/mountain-car-continuous.js";
import { MountainCarVecEnv } from "./classic/mountain-car.js";
import { PendulumVecEnv } from "./classic/pendulum.js";
import { InventoryVecEnv } from "./constrained/inventory.js";
import { TreatmentVecEnv } from "./constrained/treatment.js";
import { cartPoleCost, HAZARD_MAP, pendulumEnergy } from "./constrained/variants.js";
import { vectorize, type CustomEnvClass, type EnvDefinition, type EnvSource } from "./custom.js";
import { GridWorldVecEnv } from "./gridworld.js";
import { Env } from "./single-env.js";
import { didYouMean } from "./suggest.js";
import type { VecEnv, VecEnvOptions } from "./vec-env.js";

/** Builds a vector env from the common options plus the env's own kwargs. */
export type EnvFactory = (options: VecEnvOptions & Record<string, any>) => VecEnv;

export interface EnvSpecInfo {
  /** Default time limit (Gymnasium's `max_episode_steps`); `makeVecEnv({ maxEpisodeSteps })` overrides it. */
  maxEpisodeSteps?: number;
  /** Mean episode return at which the env counts as solved, if there is one. */
  rewardThreshold?: number;
  /** One line for listings. */
  description?: string;
}

export interface EnvSpec extends EnvSpecInfo {
  readonly id: string;
  readonly factory: EnvFactory;
  readonly description: string;
}

/** Options of {@link makeVecEnv}: copies, randomness, time limit, then the env's own kwargs. */
export interface MakeEnvOptions {
  /** Number of copies (default 1). */
  n?: number;
  /** Seed of the env's generator (default 0). Give `seed` or `rng`, not both. */
  seed?: number;
  /** The env's generator, e.g. a split of the run's Rng. */
  rng?: Rng;
  /** Override the registered time limit (Infinity: none). */
  maxEpisodeSteps?: number;
  /** Same-step auto-reset (default true). */
  autoReset?: boolean;
  /** Env kwargs, e.g. `slip: 0.2` for a GridWorld or `gravity: 9.81` for CartPole. */
  [kwarg: string]: unknown;
}

const specs = new Map<string, EnvSpec>();

/**
 * Registers (or, when a notebook cell runs again, replaces) an env id. `env`
 * is what Gymnasium's `register` calls an entry point: a custom env class or
 * an `EnvDefinition` (made into copies as `vectorize` does), or a factory
 * `(options) => VecEnv`. Envs made from the id carry it as their `id`, so the
 * data they record names the id a run can be rebuilt from.
 */
export function registerEnv(id: string, factory: EnvFactory, info?: EnvSpecInfo): EnvSpec;
export function registerEnv(id: string, env: EnvSource, info?: EnvSpecInfo): EnvSpec;
export function registerEnv(id: string, env: EnvFactory | EnvSource, info: EnvSpecInfo = {}): EnvSpec {
  if (typeof id !== "string" || id.length === 0) throw new TypeError(`registerEnv: id must be a non-empty string, got ${String(id)}`);
  const spec: EnvSpec = { ...info, id, factory: vecEnvFactory(id, env), description: info.description ?? "" };
  specs.set(id, spec);
  return spec;
}

/**
 * Whether `fn` is an env class, not a VecEnv factory: written as a class
 * (`class X {}`), or an old-style constructor whose prototype has reset() and
 * step() (`function X() {}; X.prototype.step = …`).
 */
function isEnvClass(fn: Function): boolean {
  const proto = fn.prototype as { reset?: unknown; step?: unknown } | undefined;
  return /^class[\s{]/.test(Function.prototype.toString.call(fn)) || (typeof proto?.reset === "function" && typeof proto.step === "function");
}

function isVecEnv(value: unknown): value is VecEnv {
  const v = value as Partial<VecEnv> | null;
  return typeof v === "object" && v !== null && typeof v.numEnvs === "number" && v.obs instanceof Float32Array && typeof v.step === "function" && typeof v.reset === "function";
}

/** The VecEnv factory of a registration: classes and definitions are vectorized; a factory's product is checked. */
function vecEnvFactory(id: string, env: EnvFactory | EnvSource): EnvFactory {
  if (env !== null && typeof env === "object") {
    const def = env as Partial<EnvDefinition<unknown>>;
    if (typeof def.reset !== "function" || typeof def.step !== "function") {
      throw new TypeError(`registerEnv('${id}'): an env definition needs reset() and step() (see defineEnv); got an object with ${Object.keys(env).join(", ") || "no fields"}`);
    }
    return (o) => vectorize(env as EnvDefinition<unknown>, o);
  }
  if (typeof env !== "function") {
    throw new TypeError(`registerEnv('${id}'): expected an env class, an env definition or a factory (options) => VecEnv, got ${env === null ? "null" : typeof env}`);
  }
  if (isEnvClass(env)) return (o) => vectorize(env as CustomEnvClass, o);
  const factory = env as EnvFactory;
  return (o) => {
    const made: unknown = factory(o);
    if (isVecEnv(made)) return made;
    const single = typeof (made as { reset?: unknown } | null)?.reset === "function" && typeof (made as { step?: unknown }).step === "function";
    throw new TypeError(
      single
        ? `registerEnv('${id}'): the factory returned one env, not a VecEnv; register the class itself (registerEnv('${id}', MyEnv)) or a factory (o) => vectorize(MyEnv, o)`
        : `registerEnv('${id}'): the factory must return a VecEnv, got ${made === null ? "null" : typeof made}`,
    );
  };
}

/** Names `env` by the id it was made from (a factory's VecEnv may call itself after its class). */
function withId(env: VecEnv, id: string): VecEnv {
  if (env.id !== id) Object.defineProperty(env, "id", { value: id, enumerable: true, configurable: true });
  return env;
}

/** Every registered id, sorted. */
export function knownEnvIds(): string[] {
  return [...specs.keys()].sort();
}

/** The registration of `id`; throws the unknown-id error when there is none. */
export function envSpec(id: string): EnvSpec {
  const spec = specs.get(id);
  if (!spec) {
    const known = knownEnvIds();
    throw new Error(`Unknown env '${id}'. Known: ${known.join(", ")}.${didYouMean(id, known)} Or register it with registerEnv('${id}', factory).`);
  }
  return spec;
}

/**
 * `n` copies of a registered env (by id) or of a custom env (a class, factory
 * or `EnvDefinition`, see `vectorize`), seeded from `seed` (default 0) or `rng`.
 */
export function makeVecEnv(env: string | EnvSource, options: MakeEnvOptions = {}): VecEnv {
  const { n = 1, seed, rng, maxEpisodeSteps, autoReset, ...kwargs } = options;
  const name = typeof env === "string" ? env : "custom env";
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`makeVecEnv('${name}'): n is the number of copies, an integer ≥ 1; got ${String(n)}`);
  }
  if (seed !== undefined && rng !== undefined) {
    throw new TypeError(`makeVecEnv('${name}'): give seed or rng, not both`);
  }
  if (rng !== undefined && !(rng instanceof Rng)) throw new TypeError(`makeVecEnv('${name}'): rng must be an Rng, e.g. Rng.fromSeed(1)`);
  const common: VecEnvOptions = { n, rng: rng ?? Rng.fromSeed(seed ?? 0) };
  if (autoReset !== undefined) common.autoReset = autoReset;
  if (typeof env !== "string") {
    if (maxEpisodeSteps !== undefined) common.maxEpisodeSteps = maxEpisodeSteps;
    return vectorize(env, { ...kwargs, ...common });
  }
  const spec = envSpec(env);
  const limit = maxEpisodeSteps ?? spec.maxEpisodeSteps;
  if (limit !== undefined) common.maxEpisodeSteps = limit;
  return withId(spec.factory({ ...kwargs, ...common }), spec.id);
}

/** One Gymnasium-style env (`reset()`/`step(action)`), without auto-reset. */
export function makeEnv(env: string | EnvSource, options: Omit<MakeEnvOptions, "n" | "autoReset"> = {}): Env {
  if (options.n !== undefined && options.n !== 1) {
    throw new RangeError(`makeEnv makes one env, got n: ${String(options.n)}; use makeVecEnv for several copies`);
  }
  return new Env(makeVecEnv(env, { ...options, n: 1, autoReset: false }));
}

/** The 4×12 cliff of Sutton & Barto (example 6.6): stepping into the cliff costs −100 and sends the agent back to S. */
export const CLIFF_MAP: readonly string[] = ["............", "............", "............", "STTTTTTTTTTG"];

registerEnv("CartPole-v1", (o) => new CartPoleVecEnv(o), { maxEpisodeSteps: 500, rewardThreshold: 475, description: "Balance a pole on a cart (Gymnasium CartPole-v1)." });
registerEnv("Acrobot-v1", (o) => new AcrobotVecEnv(o), { maxEpisodeSteps: 500, rewardThreshold: -100, description: "Swing a two-link arm above a line (Gymnasium Acrobot-v1)." });
registerEnv("MountainCar-v0", (o) => new MountainCarVecEnv(o), { maxEpisodeSteps: 200, rewardThreshold: -110, description: "Drive an underpowered car up a hill, 3 actions (Gymnasium MountainCar-v0)." });
registerEnv("MountainCarContinuous-v0", (o) => new MountainCarContinuousVecEnv(o), { maxEpisodeSteps: 999, rewardThreshold: 90, description: "Mountain car with a continuous force (Gymnasium MountainCarContinuous-v0)." });
registerEnv("Pendulum-v1", (o) => new PendulumVecEnv(o), { maxEpisodeSteps: 200, description: "Swing up and hold an inverted pendulum (Gymnasium Pendulum-v1)." });
registerEnv("GridWorld-v0", (o) => new GridWorldVecEnv({ ...o, id: "GridWorld-v0" }), { maxEpisodeSteps: 100, description: "5×5 grid with walls and a trap; goal +1, trap −1. Kwargs configure the map, slip and rewards." });
registerEnv("GridWorld-Slippery-v0", (o) => new GridWorldVecEnv({ slip: 0.2, ...o, id: "GridWorld-Slippery-v0" }), { maxEpisodeSteps: 100, description: "GridWorld-v0 where 20% of moves slip sideways." });
registerEnv(
  "GridWorld-Cliff-v0",
  (o) => new GridWorldVecEnv({ map: CLIFF_MAP, stepReward: -1, goalReward: -1, trapReward: -100, onTrap: "restart", ...o, id: "GridWorld-Cliff-v0" }),
  { maxEpisodeSteps: 200, description: "Sutton & Barto's cliff walk: −1 per step, −100 and back to start for the cliff." },
);
registerEnv("Bandit-v0", (o) => new BanditVecEnv(o), { description: "10-armed Gaussian bandit, one step per episode; kwargs k, means, std." });
registerEnv("CartPole-Cost-v1", cartPoleCost, { maxEpisodeSteps: 500, description: "CartPole-v1 with the constraint cost 'position': 1 per step the cart is beyond |x| > xLimit (kwarg, default 0.5)." });
registerEnv("Pendulum-Energy-v1", pendulumEnergy, { maxEpisodeSteps: 200, description: "Pendulum-v1 with the constraint cost 'energy': (u/2)² per step of torque u." });
registerEnv("GridWorld-Hazards-v0", (o) => new GridWorldVecEnv({ map: HAZARD_MAP, stepReward: -0.02, ...o, id: "GridWorld-Hazards-v0" }), { maxEpisodeSteps: 100, description: "A 4×7 grid whose short way crosses hazards (constraint cost 'hazard', 1 per entry); the safe way is twice as long." });
registerEnv("Inventory-v0", (o) => new InventoryVecEnv(o), { maxEpisodeSteps: 52, description: "Seasonal inventory: order units each week; stock above capacity is the constraint cost 'overflow'." });
registerEnv("Treatment-v0", (o) => new TreatmentVecEnv(o), { maxEpisodeSteps: 20, description: "A synthetic patient: dose to cure the illness; high doses raise a side effect whose danger zone is the constraint cost 'danger'." });
