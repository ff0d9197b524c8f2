// What the sequence-learner tests share: the addition tokenizer, a tiny
// transformer on it, and a reward a random policy rarely earns.
import { rl } from "../../lib/rl.js";
import { Transformer } from "../../lib/seq/policies/index.js";
import { Rng } from "../../lib/random/rng.js";
import type { RewardFunction } from "../../lib/seq/tasks/rewards.js";

export const tok = rl.tokenizer.char("0123456789+=");
/** 1 layer, d 16, context 8, seeded. */
export const tiny = (seed = 1) => Transformer.create({ vocabSize: tok.vocabSize, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 8 }, { rng: Rng.fromSeed(seed) });
/** Reward 1 when the completion starts with "1": a signal a random policy finds 1 time in ~16. */
export const startsWithOne: RewardFunction = (text) => {
  const ok = text.startsWith("1");
  return { reward: ok ? 1 : 0, components: {}, verdict: { correct: ok, format: true, reward: ok ? 1 : 0 } };
};
export const quiet = { progress() {} };
