import { bool, int, num, oneOf, type ConfigOf } from "../../config/fields.js";
import { problem } from "../../config/problem.js";
import { defineComponent } from "../component.js";

/** How a completion cut off at `maxNewTokens` (or the context) is trained on. */
export type TruncatedCompletions = "keep" | "mask" | "penalize";

export const COMPLETIONS_FIELDS = {
  prompts: int(32, "prompts per step (groups in a batch)", { min: 1 }),
  groupSize: int(8, "G: completions sampled per prompt", { min: 1 }),
  maxNewTokens: int(16, "the most tokens a completion may have (its end token included)", { min: 1 }),
  temperature: num(1, "τ: logits are divided by it when sampling, and in the loss's log-probabilities", { min: 0, exclusiveMin: true }),
  topK: int(0, "sample from the k most probable tokens only (0: all)", { min: 0 }),
  topP: num(1, "nucleus sampling: the fewest tokens whose mass reaches topP (1: all)", { min: 0, exclusiveMin: true, max: 1 }),
  truncated: oneOf<TruncatedCompletions>("keep", ["keep", "mask", "penalize"], "a completion cut off before its end token: \"keep\" trains on it as is; \"mask\" leaves its tokens out of the loss (DAPO's overlong filtering); \"penalize\" gives it the reward truncatedReward"),
  truncatedReward: num(0, "the reward of a cut-off completion when truncated is \"penalize\"", {}),
  dynamicSampling: bool(false, "drop groups whose rewards are all equal (no signal) and sample more prompts until the batch has `prompts` groups (DAPO)"),
  maxRefills: int(4, "with dynamicSampling: the most extra sampling rounds per step before training on the groups there are", { min: 0 }),
};

export type CompletionsConfig = ConfigOf<typeof COMPLETIONS_FIELDS>;

export const completions = defineComponent({
  slot: "collect",
  kind: "completions",
  formula: "per step: P prompts of the task × G completions ~ π_old(·|prompt, τ), each scored by the task's verifier",
  doc: "Samples groups of completions of a sequence task's prompts with the token policy (GRPO's batch); with dynamicSampling, zero-variance groups are dropped and refilled.",
  fields: COMPLETIONS_FIELDS,
  relations: (c, path) => (c.dynamicSampling && c.groupSize < 2 ? [problem(`${path}.groupSize`, "incompatible", "dynamic sampling drops groups whose rewards are all equal, which a group of 1 always is: use groupSize ≥ 2", { expected: "≥ 2", got: c.groupSize })] : []),
  create: (c): CompletionsConfig => c,
});
