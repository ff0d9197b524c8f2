import { int, num, numOrNull, oneOf, schema, type ConfigOf } from "../../config/fields.js";
import { constant as constantAggregation, mean, sequenceMean } from "../aggregation.js";
import { groupRelative } from "../advantage/group-baselines.js";
import { completions } from "../collect/completions.js";
import { kl } from "../divergence/kl.js";
import { clipped } from "../loss/clipped-surrogate.js";
import { adam } from "../optimizer.js";
import { initial } from "../reference/references.js";
import { constant } from "../schedule.js";
import { PgSpec } from "../spec.js";

/** GRPO's options (TRL's GRPOTrainer names in parentheses where they differ). */
export const GRPO_OPTIONS = schema({
  prompts: int(32, "prompts per step → collect.prompts", { min: 1 }),
  groupSize: int(8, "completions per prompt (num_generations) → collect.groupSize", { min: 1 }),
  maxNewTokens: int(16, "the most tokens of a completion, end token included (max_completion_length) → collect.maxNewTokens", { min: 1 }),
  temperature: num(1, "sampling temperature → collect.temperature", { min: 0, exclusiveMin: true }),
  lr: num(1e-4, "Adam learning rate (learning_rate) → optimizer.lr; 1e-4 for the tiny transformers of the built-in tasks (1e-3 collapses GRPO on 2-digit addition, in Trellis and in the PyTorch reference)", { min: 0, exclusiveMin: true }),
  clip: num(0.2, "ε of the clipped surrogate (epsilon) → loss clipped.clip", { min: 0, exclusiveMin: true }),
  clipHigh: numOrNull(null, "ε_high above 1 (epsilon_high; DAPO's clip-higher); null: clip", { min: 0, exclusiveMin: true }),
  beta: num(0, "β of the k3 KL to the initial policy in the loss (0: no reference model, TRL's default)", { min: 0 }),
  normalize: oneOf<"std" | "none">("std", ["std", "none"], "advantages divided by the group's std (GRPO) or mean-centered only (Dr. GRPO: scale_rewards=False) → advantage.normalize"),
  aggregation: oneOf<"token" | "sequence" | "constant">("token", ["token", "sequence", "constant"], "token mean over the minibatch (DAPO, TRL's default), mean over sequences of their token means (GRPO's paper), or the sum over a constant prompts·groupSize·maxNewTokens/minibatches (Dr. GRPO)"),
  epochs: int(1, "passes over each batch (num_iterations)", { min: 1 }),
  minibatches: int(1, "minibatches per pass (sequences split evenly)", { min: 1 }),
  maxGradNorm: numOrNull(1, "clip the global gradient norm (max_grad_norm; null: none)", { min: 0, exclusiveMin: true }),
  adamEps: num(1e-8, "Adam ε → optimizer.eps", { min: 0, exclusiveMin: true }),
});

export type GrpoConfig = ConfigOf<typeof GRPO_OPTIONS.fields>;
export type GrpoOptions = Partial<GrpoConfig>;

/**
 * `rl.grpo({...})`: Group Relative Policy Optimization (Shao et al. 2024) as
 * a filling of the engine for sequence runs: groups of completions per
 * prompt, group-relative advantages, the token-level clipped surrogate,
 * token-mean aggregation, optionally a k3 KL to the initial policy. Swap a
 * slot to get a relative: `.advantage(rl.adv.rloo())`,
 * `.loss(rl.loss.opmd())`, `.collect(rl.collect.completions({ dynamicSampling: true }))`.
 */
export function grpo(options: GrpoOptions = {}): PgSpec {
  const c = GRPO_OPTIONS.merge(options) as GrpoConfig;
  const divisor = (c.prompts * c.groupSize * c.maxNewTokens) / Math.max(1, c.minibatches);
  const aggregation = c.aggregation === "sequence" ? sequenceMean() : c.aggregation === "constant" ? constantAggregation({ divisor: divisor > 0 ? divisor : 1 }) : mean();
  return new PgSpec(
    Object.freeze({
      engine: 1,
      preset: "grpo",
      collect: completions({ prompts: c.prompts, groupSize: c.groupSize, maxNewTokens: c.maxNewTokens, temperature: c.temperature }),
      advantage: groupRelative({ normalize: c.normalize }),
      loss: Object.freeze([clipped({ clip: c.clip, clipHigh: c.clipHigh })]),
      divergence: c.beta > 0 ? kl({ estimator: "k3", coef: c.beta, in: "loss" }) : null,
      reference: c.beta > 0 ? initial() : null,
      aggregation,
      optimizer: adam({ lr: c.lr, eps: c.adamEps }),
      schedule: constant(),
      settings: Object.freeze({ epochs: c.epochs, minibatches: c.minibatches, maxGradNorm: c.maxGradNorm, targetKl: null, truncation: "bootstrap" as const, valueSteps: 0 }),
    }),
    { schema: GRPO_OPTIONS, values: c as unknown as Record<string, unknown> },
  );
}
