import type { AlgoSpec } from "./algorithm.js";
import { onPolicySpec, PPO_DEFAULTS, ppoConfig, type PpoConfig, type PpoOptions } from "./ppo.js";

/**
 * A2C (Mnih et al. 2016, synchronous): short n-step rollouts, one gradient
 * step per rollout on the plain policy-gradient loss −mean(Â log π) with
 * Â from GAE(λ = 1), i.e. n-step returns minus V. It is PPO's machinery with
 * one epoch of one minibatch: on the first pass the ratio is exactly 1, so
 * the clipped surrogate's gradient equals the vanilla one. Defaults follow
 * Stable-Baselines3's A2C (with Adam instead of RMSprop).
 */
export const A2C_DEFAULTS: PpoConfig = Object.freeze({
  ...PPO_DEFAULTS,
  lr: 7e-4,
  annealLr: false,
  numSteps: 5,
  gae: { gamma: 0.99, lambda: 1 },
  minibatches: 1,
  epochs: 1,
  normAdv: false,
  clipValue: false,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
}) as PpoConfig;

export type A2cOptions = Omit<PpoOptions, "epochs" | "minibatches" | "clip" | "clipValue" | "targetKl">;

/** `rl.a2c({...})`. */
export function a2c(options: A2cOptions = {}): AlgoSpec<PpoConfig> {
  return onPolicySpec("a2c", ppoConfig(options, A2C_DEFAULTS));
}
