import { PPO_DEFAULTS, ppoConfig, ppoFamily, type PpoConfig, type PpoOptions } from "./ppo.js";
import type { PgSpec } from "../spec.js";

/**
 * A2C (Mnih et al. 2016, synchronous) as a preset: short n-step rollouts, one
 * gradient step per rollout, GAE(λ = 1) (n-step returns minus V). Its loss
 * is the engine's clipped surrogate on one epoch of one minibatch: the ratio
 * is 1 up to rounding there, so its gradient is the vanilla one (swap in
 * `rl.loss.pg()` for the textbook form). Defaults follow Stable-Baselines3
 * (with Adam instead of RMSprop).
 */
export const A2C_DEFAULTS: PpoConfig = Object.freeze({
  ...PPO_DEFAULTS,
  lr: 7e-4,
  annealLr: false,
  numSteps: 5,
  gae: Object.freeze({ gamma: 0.99, lambda: 1 }),
  minibatches: 1,
  epochs: 1,
  normAdv: false,
  clipValue: false,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
});

export type A2cOptions = Omit<PpoOptions, "epochs" | "minibatches" | "clip" | "clipValue" | "targetKl">;

/** `rl.a2c({...})`. */
export function a2c(options: A2cOptions = {}): PgSpec {
  return ppoFamily("a2c", ppoConfig(options, A2C_DEFAULTS));
}
