// PPO-max's credit for sequences ("Secrets of RLHF in Large Language Models
// Part I", card 21; MOSS-RLHF's make_experiences and criterion): a token
// critic, the sequence score scaled by running statistics and optionally
// clipped, a KL penalty per token inside the reward (the run's
// rl.div.kl({ in: "reward" })), and GAE over the completion's tokens.
import { bool, num, numOrNull, oneOf } from "../../config/fields.js";
import { completionGae, rlhfTokenRewards } from "../../credit/rlhf-token-rewards.js";
import { mergeMoments, momentsStd, type Moments } from "../../credit/running-moments.js";
import { defineComponent } from "../component.js";
import type { AdvantageRuntime } from "./estimator.js";

/** What {@link TokenGaeRuntime.credit} reads of a step. */
export interface TokenGaeInput {
  /** Each completion's sequence reward (the verifier's score). */
  readonly scores: ArrayLike<number>;
  /** Per completion and token, the per-token KL estimate k_t to the reference (0 where not penalized); null: no penalty. */
  readonly kl: readonly Float32Array[] | null;
  /** η: weight of the KL penalty in the reward. */
  readonly klCoef: number;
  /** Per completion and token, V_old of the state before the token. */
  readonly values: readonly Float32Array[];
}

/** The credit of a step's completions, per token, and the running moments after it. */
export interface TokenGaeCredit {
  readonly advantages: Float32Array[];
  readonly returns: Float32Array[];
  /** Each completion's score as it entered the reward (scaled, clipped). */
  readonly scaled: Float64Array;
  readonly moments: Moments;
  readonly metrics: Record<string, number>;
}

/** The runtime of a critic-based token advantage (rl.adv.tokenGae()): the sequence learner trains a token critic for it. */
export interface TokenGaeRuntime extends AdvantageRuntime {
  /** The critic's learning rate as a multiple of the policy's. */
  readonly criticLrScale: number;
  credit(input: TokenGaeInput, moments: Moments): TokenGaeCredit;
}

export function isTokenGae(runtime: AdvantageRuntime): runtime is TokenGaeRuntime {
  return typeof (runtime as Partial<TokenGaeRuntime>).credit === "function" && typeof (runtime as Partial<TokenGaeRuntime>).criticLrScale === "number";
}

/**
 * Score scaling by the running statistics of every score so far, this step's
 * merged first (MOSS-RLHF updates the moments, then scales): "std" divides
 * by the running std (use_reward_scaling), "norm" also subtracts the running
 * mean (use_reward_norm). Before the std is defined or while it is 0 (every
 * score so far equal: 0/1 rewards of a task not yet solved) scores are left
 * unscaled, where MOSS-RLHF would divide by zero.
 */
export function scaleScores(scores: ArrayLike<number>, moments: Moments, scaling: "std" | "norm" | "none"): { scaled: Float64Array; moments: Moments } {
  const merged = mergeMoments(moments, scores);
  const std = momentsStd(merged);
  const usable = scaling !== "none" && Number.isFinite(std) && std > 1e-8;
  const scaled = Float64Array.from(scores as ArrayLike<number>, (r) => (!usable ? r : scaling === "norm" ? (r - merged.mean) / std : r / std));
  return { scaled, moments: merged };
}

/** Shifts and scales `rows` (every token of the step) to mean 0, std 1 (population std + 1e-8), as MOSS-RLHF's whiten. */
export function whitenTokens(rows: readonly Float32Array[]): void {
  let n = 0, sum = 0;
  for (const a of rows) for (const x of a) (sum += x), n++;
  if (n === 0) return;
  const mean = sum / n;
  let sq = 0;
  for (const a of rows) for (const x of a) sq += (x - mean) ** 2;
  const inv = 1 / (Math.sqrt(sq / n) + 1e-8);
  for (const a of rows) for (let t = 0; t < a.length; t++) a[t] = (a[t]! - mean) * inv;
}

export const tokenGae = defineComponent({
  slot: "advantage",
  kind: "tokenGae",
  formula: "r_t = −η k_t + 1[t = T]·clip(R/σ_R, −c, c);  δ_t = r_t + γ V_{t+1} − V_t (V_T = 0);  Â_t = δ_t + γλ Â_{t+1};  G_t = Â_t + V_t",
  doc: "PPO-max's token credit (Secrets of RLHF I): a token critic initialized from the policy (trained by rl.loss.value()), the score scaled by its running std and optionally clipped, the KL penalty of rl.div.kl({ in: \"reward\" }) on every token, GAE over the completion's tokens. Defaults are MOSS-RLHF's English run.",
  fields: {
    gamma: num(1, "γ: discount over tokens", { min: 0, max: 1 }),
    lambda: num(0.95, "λ: GAE's trace decay", { min: 0, max: 1 }),
    rewardScaling: oneOf<"std" | "norm" | "none">("std", ["std", "norm", "none"], "\"std\": the score over its running std (use_reward_scaling); \"norm\": minus the running mean, over the running std (use_reward_norm); \"none\""),
    rewardClip: numOrNull(null, "clip the scaled score to [−c, c] (MOSS-RLHF: 10 when on; its English run leaves it off)", { min: 0, exclusiveMin: true }),
    whiten: bool(false, "whiten the step's token advantages to mean 0, std 1 (use_advantage_norm)"),
    advantageClip: numOrNull(null, "clip the token advantages to [−c, c] after whitening (use_advantage_clip: 0.5)", { min: 0, exclusiveMin: true }),
    criticLrScale: num(3, "the critic's learning rate over the policy's (MOSS-RLHF: 1.5e-6 / 5e-7)", { min: 0, exclusiveMin: true }),
  },
  metrics: {
    "critic/explainedVariance": { doc: "1 − Var[G − V_old] / Var[G] over the step's tokens", over: "last" },
    "critic/value_mean": { doc: "mean V_old over the step's tokens", over: "last" },
    "reward/scaled_mean": { doc: "mean of the step's scores as they entered the reward (scaled, clipped)", over: "last" },
    "reward/running_std": { doc: "running std of every score so far (NaN before two)", over: "last" },
  },
  create: (c): TokenGaeRuntime => ({
    gamma: c.gamma,
    normalize: false,
    collectors: ["completions"],
    criticLrScale: c.criticLrScale,
    prepare() {
      throw new Error("rl.adv.tokenGae() credits sampled completions: use it in a sequence run (rl.seq(...)) with rl.collect.completions()");
    },
    credit(input, moments) {
      const n = input.scores.length;
      if (input.values.length !== n) throw new RangeError(`tokenGae: ${n} scores but ${input.values.length} value rows`);
      const { scaled, moments: next } = scaleScores(input.scores, moments, c.rewardScaling);
      const advantages: Float32Array[] = [];
      const returns: Float32Array[] = [];
      let scaledSum = 0;
      for (let i = 0; i < n; i++) {
        const values = input.values[i]!;
        const kl = input.kl?.[i] ?? new Float32Array(values.length);
        const score = c.rewardClip === null ? scaled[i]! : Math.max(-c.rewardClip, Math.min(c.rewardClip, scaled[i]!));
        scaled[i] = score;
        scaledSum += score;
        const rewards = values.length > 0 ? rlhfTokenRewards(kl, score, { eta: input.klCoef }) : new Float32Array(0);
        const g = completionGae(rewards, values, c.gamma, c.lambda);
        advantages.push(g.advantages);
        returns.push(g.returns);
      }
      if (c.whiten) whitenTokens(advantages);
      if (c.advantageClip !== null) for (const a of advantages) for (let t = 0; t < a.length; t++) a[t] = Math.max(-c.advantageClip, Math.min(c.advantageClip, a[t]!));
      return { advantages, returns, scaled, moments: next, metrics: { "reward/scaled_mean": n ? scaledSum / n : 0, "reward/running_std": momentsStd(next) } };
    },
  }),
});
