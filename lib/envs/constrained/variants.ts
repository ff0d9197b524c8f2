import { CartPoleVecEnv } from "../classic/cartpole.js";
import { PendulumVecEnv } from "../classic/pendulum.js";
import { withCosts } from "../costs.js";
import type { VecEnv, VecEnvOptions } from "../vec-env.js";

/**
 * The map of "GridWorld-Hazards-v0": the straight way from S to G crosses
 * a hazard column (6 steps, 1 hazard); the safe way goes round below it
 * (12 steps). With a small step penalty the reward alone prefers the
 * hazard, so a hazard budget below 1 per episode binds.
 */
export const HAZARD_MAP: readonly string[] = ["S..H..G", "...H...", "...H...", "......."];

/** Splits an env's own kwarg off the options the inner env takes. */
function take<T>(o: Record<string, unknown>, key: string, fallback: T, ok: (v: unknown) => boolean, id: string, want: string): [T, VecEnvOptions] {
  const { [key]: value, ...rest } = o;
  const v = value === undefined ? fallback : value;
  if (!ok(v)) throw new RangeError(`${id}: ${key} must be ${want}, got ${String(v)}`);
  return [v as T, rest as unknown as VecEnvOptions];
}

/**
 * "CartPole-Cost-v1": CartPole-v1 with the constraint cost "position", 1
 * for each step that ends with the cart farther than `xLimit` (default 0.5)
 * from the centre. A balancing policy drifts; one under a position budget
 * must also hold the cart near the middle.
 */
export function cartPoleCost(options: VecEnvOptions & { xLimit?: number }): VecEnv {
  const id = "CartPole-Cost-v1";
  const [xLimit, rest] = take<number>(options as never, "xLimit", 0.5, (v) => typeof v === "number" && v > 0 && v < 2.4, id, "a number in (0, 2.4) (the cart ends an episode at ±2.4)");
  return withCosts(new CartPoleVecEnv(rest), { id, names: "position", cost: (s) => (Math.abs(s.nextObs[0]!) > xLimit ? 1 : 0) });
}

/**
 * "Pendulum-Energy-v1": Pendulum-v1 with the constraint cost "energy",
 * (u / 2)² per step for the applied torque u (clipped to ±2 as the env
 * does): 1 at full torque, so an episode's cost is its full-torque steps'
 * equivalent. Swinging up needs some of it; a budget makes it frugal.
 */
export function pendulumEnergy(options: VecEnvOptions): VecEnv {
  return withCosts(new PendulumVecEnv(options), {
    id: "Pendulum-Energy-v1",
    names: "energy",
    cost: (s) => {
      const u = Math.max(-2, Math.min(2, (s.action as Float32Array)[0]!)) / 2;
      return u * u;
    },
  });
}
