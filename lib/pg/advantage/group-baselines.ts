// Advantages of sampled completions from their group's rewards (G completions
// per prompt): GRPO's group-relative score, Dr. GRPO's mean-only form, RLOO,
// REINFORCE++, AsymRE and OPMD's baselines. Each is a pure function in
// lib/credit; these are their engine components. A completion's advantage
// is given to every one of its tokens.
import { num, oneOf } from "../../config/fields.js";
import { asymreAdvantages, reinforcePlusPlusAdvantages, rlooAdvantages } from "../../credit/group-baselines.js";
import { groupRelativeAdvantages } from "../../credit/group-relative.js";
import { defineComponent } from "../component.js";
import type { AdvantageRuntime } from "./estimator.js";

/** The runtime of a group advantage: one advantage per completion from the rewards and group ids of a batch of completions. */
export interface GroupAdvantageRuntime extends AdvantageRuntime {
  readonly groups: (rewards: Float64Array, groupIds: Int32Array) => Float32Array;
}

/** Whether an advantage runtime credits completions by their group (a sequence run's estimators). */
export function isGroupAdvantage(runtime: AdvantageRuntime): runtime is GroupAdvantageRuntime {
  return typeof (runtime as Partial<GroupAdvantageRuntime>).groups === "function";
}

const COMPLETIONS = ["completions"] as const;

export function groupRuntime(groups: GroupAdvantageRuntime["groups"]): GroupAdvantageRuntime {
  return {
    gamma: 1,
    normalize: false,
    collectors: COMPLETIONS,
    groups,
    prepare() {
      throw new Error("a group advantage credits sampled completions: use it in a sequence run (rl.seq(...)) with rl.collect.completions()");
    },
  };
}

/**
 * OPMD's baseline: the group mean of R ("mean"), or τ·log mean exp(R/τ)
 * ("logavgexp", the baseline of Kimi k1.5's online mirror descent); A = R − b.
 */
export function opmdAdvantages(rewards: Float64Array | Float32Array, groupIds: Int32Array, baseline: "mean" | "logavgexp", tau: number): Float32Array {
  if (baseline === "mean") return groupRelativeAdvantages(rewards, groupIds, { normalize: "none" }).advantages;
  const members = new Map<number, number[]>();
  for (let i = 0; i < rewards.length; i++) {
    const list = members.get(groupIds[i]!);
    if (list) list.push(i);
    else members.set(groupIds[i]!, [i]);
  }
  const out = new Float32Array(rewards.length);
  for (const rows of members.values()) {
    let max = -Infinity;
    for (const i of rows) max = Math.max(max, rewards[i]! / tau);
    let sum = 0;
    for (const i of rows) sum += Math.exp(rewards[i]! / tau - max);
    const b = tau * (max + Math.log(sum / rows.length));
    for (const i of rows) out[i] = rewards[i]! - b;
  }
  return out;
}

export const groupRelative = defineComponent({
  slot: "advantage",
  kind: "groupRelative",
  formula: "Â_i = (R_i − mean_g R) / (std_g R + ε)  (normalize \"std\", GRPO);  Â_i = R_i − mean_g R  (\"none\", Dr. GRPO)",
  doc: "GRPO's group-relative advantage over the G completions of a prompt (Shao et al. 2024); normalize \"none\" is Dr. GRPO's unbiased mean-only form (Liu et al. 2025). A group whose rewards are all equal gets 0.",
  fields: {
    normalize: oneOf<"std" | "none">("std", ["std", "none"], "\"std\": divide by the group's std + ε (GRPO); \"none\": mean-centering only (Dr. GRPO)"),
    std: oneOf<"sample" | "population">("sample", ["sample", "population"], "which std: \"sample\" (n − 1, torch.std as TRL and verl) or \"population\" (n)"),
    eps: num(1e-4, "ε added to the std (TRL's 1e-4)", { min: 0 }),
  },
  create: (c) => groupRuntime((rewards, ids) => groupRelativeAdvantages(rewards, ids, { normalize: c.normalize, std: c.std, eps: c.eps }).advantages),
});

export const rloo = defineComponent({
  slot: "advantage",
  kind: "rloo",
  formula: "Â_i = R_i − (1/(G−1)) Σ_{j≠i} R_j = G/(G−1) · (R_i − mean_g R)",
  doc: "REINFORCE leave-one-out (Kool et al. 2019; Ahmadian et al. 2024): each completion's baseline is the mean of the other G − 1 in its group.",
  fields: {},
  create: () => groupRuntime((rewards, ids) => rlooAdvantages(rewards, ids)),
});

export const reinforcePlusPlus = defineComponent({
  slot: "advantage",
  kind: "reinforcePlusPlus",
  formula: "Â_i = z-score over the batch of (R_i − mean_g R)",
  doc: "REINFORCE++ with a group baseline (Hu 2025): the group-mean-centered rewards normalized over the whole batch instead of per group.",
  fields: {},
  create: () => groupRuntime((rewards, ids) => reinforcePlusPlusAdvantages(rewards, ids)),
});

export const asymre = defineComponent({
  slot: "advantage",
  kind: "asymre",
  formula: "Â_i = R_i − (mean_g R − τ)",
  doc: "AsymRE (card 11, REP): the group-mean baseline shifted down by τ, which weighs positive samples more and keeps off-policy updates stable.",
  fields: { tau: num(0.1, "τ: how far the baseline is lowered", {}) },
  create: (c) => groupRuntime((rewards, ids) => asymreAdvantages(rewards, ids, c.tau)),
});

export const opmd = defineComponent({
  slot: "advantage",
  kind: "opmd",
  formula: "Â_i = R_i − b_g,  b_g = mean_g R  or  τ log mean_g exp(R/τ)",
  doc: "OPMD's baseline (card 11, REP; Kimi k1.5): the group mean, or the soft maximum τ·log-mean-exp that online mirror descent derives. Pair it with rl.loss.opmd().",
  fields: {
    baseline: oneOf<"mean" | "logavgexp">("mean", ["mean", "logavgexp"], "\"mean\": the group mean; \"logavgexp\": τ log mean exp(R/τ)"),
    tau: num(1, "τ of the logavgexp baseline", { min: 0, exclusiveMin: true }),
  },
  create: (c) => groupRuntime((rewards, ids) => opmdAdvantages(rewards, ids, c.baseline, c.tau)),
});
