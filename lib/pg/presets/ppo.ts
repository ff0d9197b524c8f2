import { bool, int, num, numOrNull, oneOf, schema, type ConfigOf } from "../../config/fields.js";
import { mean } from "../aggregation.js";
import { gae } from "../advantage/gae.js";
import { rollout } from "../collect/rollout.js";
import { clipped } from "../loss/clipped-surrogate.js";
import { entropy } from "../loss/entropy.js";
import { value } from "../loss/value.js";
import { adam } from "../optimizer.js";
import { constant, linear } from "../schedule.js";
import { PgSpec } from "../spec.js";

/** PPO's options as `rl.ppo({...})` takes them (CleanRL's names and defaults); each maps onto one component field. */
export const PPO_OPTIONS = schema({
  lr: num(2.5e-4, "Adam learning rate → optimizer.lr", { min: 0, exclusiveMin: true }),
  annealLr: bool(true, "anneal the learning rate linearly to 0 over totalSteps → schedule linear / constant"),
  totalSteps: int(500_000, "env steps (all copies) over which the learning rate anneals → schedule.totalSteps", { min: 1, unit: "env steps" }),
  numSteps: int(128, "steps per env per rollout → collect.numSteps", { min: 1, unit: "env steps" }),
  minibatches: int(4, "minibatches per epoch", { min: 1 }),
  epochs: int(4, "passes over each rollout", { min: 1 }),
  normAdv: bool(true, "normalize advantages per minibatch → advantage.normalize"),
  clip: num(0.2, "surrogate clip ε → loss clipped.clip (and value.clip when clipValue)", { min: 0, exclusiveMin: true }),
  clipValue: bool(true, "clip the value loss around the rollout's values with the same ε"),
  entCoef: num(0.01, "entropy bonus coefficient → loss entropy.coef", { min: 0 }),
  vfCoef: num(0.5, "value loss coefficient → loss value.coef", { min: 0 }),
  maxGradNorm: num(0.5, "global gradient-norm clip", { min: 0, exclusiveMin: true }),
  targetKl: numOrNull(null, "stop an update's epochs early once approxKl exceeds this (null: never)", { min: 0, exclusiveMin: true }),
  adamEps: num(1e-5, "Adam ε → optimizer.eps", { min: 0, exclusiveMin: true }),
  truncation: oneOf<"bootstrap" | "done">("bootstrap", ["bootstrap", "done"], "at a time limit: bootstrap with γ·V(final obs), or treat as terminal (CleanRL)"),
});

export const GAE_OPTIONS = schema({
  gamma: num(0.99, "discount γ → advantage.gamma", { min: 0, max: 1 }),
  lambda: num(0.95, "GAE λ → advantage.lambda", { min: 0, max: 1 }),
});

export type PpoConfig = ConfigOf<typeof PPO_OPTIONS.fields> & { readonly gae: ConfigOf<typeof GAE_OPTIONS.fields> };
export type PpoOptions = Partial<Omit<PpoConfig, "gae">> & { gae?: Partial<PpoConfig["gae"]> };

export const PPO_DEFAULTS: PpoConfig = Object.freeze({ ...PPO_OPTIONS.defaults, gae: GAE_OPTIONS.defaults });

/** Merges options over defaults (a non-object `gae` is kept so the check reports it). */
export function ppoConfig(options: PpoOptions = {}, defaults: PpoConfig = PPO_DEFAULTS): PpoConfig {
  const g = options.gae;
  const gaeMerged = typeof g === "object" && g !== null ? Object.freeze({ ...defaults.gae, ...g }) : (g ?? defaults.gae);
  return Object.freeze({ ...defaults, ...options, gae: gaeMerged }) as PpoConfig;
}

/** The engine spec of a PPO-family config: rollouts, GAE, clipped surrogate + value + entropy, mean over steps, Adam. */
export function ppoFamily(preset: string, c: PpoConfig): PgSpec {
  const g = (typeof c.gae === "object" && c.gae !== null ? c.gae : GAE_OPTIONS.defaults) as PpoConfig["gae"];
  return new PgSpec(
    Object.freeze({
      engine: 1,
      preset,
      collect: rollout({ numSteps: c.numSteps }),
      advantage: gae({ gamma: g.gamma, lambda: g.lambda, normalize: c.normAdv }),
      loss: Object.freeze([clipped({ clip: c.clip }), value({ coef: c.vfCoef, clip: c.clipValue ? c.clip : null }), entropy({ coef: c.entCoef })]),
      divergence: null,
      reference: null,
      aggregation: mean(),
      optimizer: adam({ lr: c.lr, eps: c.adamEps }),
      schedule: c.annealLr ? linear({ totalSteps: c.totalSteps }) : constant(),
      settings: Object.freeze({ epochs: c.epochs, minibatches: c.minibatches, maxGradNorm: c.maxGradNorm, targetKl: c.targetKl, truncation: c.truncation, valueSteps: 0 }),
    }),
    { schema: PPO_OPTIONS, values: c as unknown as Record<string, unknown>, nested: { gae: GAE_OPTIONS } },
  );
}

/**
 * `rl.ppo({...})`: PPO with a clipped surrogate (Schulman et al. 2017), every
 * detail of CleanRL's `ppo.py`, as a preset of the engine.
 */
export function ppo(options: PpoOptions = {}): PgSpec {
  return ppoFamily("ppo", ppoConfig(options));
}
