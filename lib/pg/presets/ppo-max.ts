import { bool, int, num, numOrNull, oneOf, schema, type ConfigOf } from "../../config/fields.js";
import { mean } from "../aggregation.js";
import { tokenGae } from "../advantage/token-gae.js";
import { completions } from "../collect/completions.js";
import { kl } from "../divergence/kl.js";
import { clipped } from "../loss/clipped-surrogate.js";
import { value } from "../loss/value.js";
import { adam } from "../optimizer.js";
import { initial } from "../reference/references.js";
import { constant } from "../schedule.js";
import { PgSpec } from "../spec.js";

/** PPO-max's options (MOSS-RLHF's names in parentheses; defaults are its English run's where they carry over to a tiny model). */
export const PPO_MAX_OPTIONS = schema({
  prompts: int(32, "prompts per step → collect.prompts", { min: 1 }),
  groupSize: int(1, "completions per prompt → collect.groupSize (PPO-max samples one; the critic, not the group, is the baseline)", { min: 1 }),
  maxNewTokens: int(16, "the most tokens of a completion, end token included (maxlen_res) → collect.maxNewTokens", { min: 1 }),
  temperature: num(1, "sampling temperature → collect.temperature", { min: 0, exclusiveMin: true }),
  lr: num(1e-4, "the policy's Adam learning rate (lr; 5e-7 for a 7B model, 1e-4 for the tiny transformers of the built-in tasks) → optimizer.lr", { min: 0, exclusiveMin: true }),
  criticLrScale: num(3, "the critic's learning rate over the policy's (critic_lr / lr = 1.5e-6 / 5e-7) → advantage.criticLrScale", { min: 0, exclusiveMin: true }),
  klCoef: num(0.01, "η of the per-token KL penalty to the initial policy inside the reward (kl_penalty_weight) → divergence kl.coef; 0: no penalty, no reference", { min: 0 }),
  clip: num(0.2, "ε of the clipped surrogate (pg_clip) → loss clipped.clip", { min: 0, exclusiveMin: true }),
  valueClip: numOrNull(0.2, "ε of the clipped value loss (value_clip; null: plain squared error) → loss value.clip", { min: 0, exclusiveMin: true }),
  gamma: num(1, "γ over tokens → advantage.gamma", { min: 0, max: 1 }),
  lambda: num(0.95, "GAE's λ (lam) → advantage.lambda", { min: 0, max: 1 }),
  rewardScaling: oneOf<"std" | "norm" | "none">("std", ["std", "norm", "none"], "score over its running std (use_reward_scaling), also minus its running mean (use_reward_norm), or none → advantage.rewardScaling"),
  rewardClip: numOrNull(null, "clip of the scaled score (reward_clip with use_reward_clip; null: off as in the English run) → advantage.rewardClip", { min: 0, exclusiveMin: true }),
  whiten: bool(false, "whiten the step's token advantages (use_advantage_norm) → advantage.whiten"),
  advantageClip: numOrNull(null, "clip of the token advantages (advantage_clip with use_advantage_clip) → advantage.advantageClip", { min: 0, exclusiveMin: true }),
  epochs: int(1, "passes over each batch", { min: 1 }),
  minibatches: int(1, "minibatches per pass (sequences split evenly)", { min: 1 }),
  maxGradNorm: numOrNull(1, "clip each network's global gradient norm (null: none)", { min: 0, exclusiveMin: true }),
  adamEps: num(1e-8, "Adam ε → optimizer.eps", { min: 0, exclusiveMin: true }),
});

export type PpoMaxConfig = ConfigOf<typeof PPO_MAX_OPTIONS.fields>;
export type PpoMaxOptions = Partial<PpoMaxConfig>;

/**
 * `rl.ppoMax({...})`: RLHF-style PPO on sequences as PPO-max ("Secrets of
 * RLHF in Large Language Models Part I", Zheng et al. 2023) fills the engine:
 * a token critic initialized from the policy, the score scaled by its running
 * std, a per-token KL penalty to the initial policy in the reward, GAE over
 * tokens, the clipped surrogate and the clipped value loss (coefficient 1:
 * the critic has its own optimizer state and learning rate), token-mean
 * aggregation. Each is a slot: `.advantage(rl.adv.tokenGae({ whiten: true }))`.
 */
export function ppoMax(options: PpoMaxOptions = {}): PgSpec {
  const c = PPO_MAX_OPTIONS.merge(options) as PpoMaxConfig;
  return new PgSpec(
    Object.freeze({
      engine: 1,
      preset: "ppoMax",
      collect: completions({ prompts: c.prompts, groupSize: c.groupSize, maxNewTokens: c.maxNewTokens, temperature: c.temperature }),
      advantage: tokenGae({ gamma: c.gamma, lambda: c.lambda, rewardScaling: c.rewardScaling, rewardClip: c.rewardClip, whiten: c.whiten, advantageClip: c.advantageClip, criticLrScale: c.criticLrScale }),
      loss: Object.freeze([clipped({ clip: c.clip }), value({ coef: 1, clip: c.valueClip })]),
      divergence: c.klCoef > 0 ? kl({ estimator: "k1", coef: c.klCoef, in: "reward" }) : null,
      reference: c.klCoef > 0 ? initial() : null,
      aggregation: mean(),
      optimizer: adam({ lr: c.lr, eps: c.adamEps }),
      schedule: constant(),
      settings: Object.freeze({ epochs: c.epochs, minibatches: c.minibatches, maxGradNorm: c.maxGradNorm, targetKl: null, truncation: "bootstrap" as const, valueSteps: 0 }),
    }),
    { schema: PPO_MAX_OPTIONS, values: c as unknown as Record<string, unknown> },
  );
}
