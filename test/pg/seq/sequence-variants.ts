import { rl } from "../../../lib/rl.js";
import type { PgSpec } from "../../../lib/pg/spec.js";
import { Transformer } from "../../../lib/seq/policies/index.js";
import { Rng } from "../../../lib/random/rng.js";

/** A policy of the resume tests' architecture (their tokenizer's 15 tokens, 1 layer, d 16, context 8), for references. */
const other = (seed: number) => Transformer.create({ vocabSize: 15, layers: 1, dModel: 16, heads: 2, mlpHidden: 32, context: 8 }, { rng: Rng.fromSeed(seed) });

/** Component types that only a sequence run can use (env runs refuse them). */
export const SEQUENCE_ONLY_COMPONENTS = ["collect:completions", "advantage:groupRelative", "advantage:rloo", "advantage:reinforcePlusPlus", "advantage:asymre", "advantage:opmd", "advantage:empg", "advantage:selfAttribution", "advantage:hgpo", "advantage:tokenGae", "guidance:hints", "guidance:modes", "guidance:teachers", "guidance:expert", "loss:offPolicy", "divergence:forwardKl", "divergence:js", "divergence:alpha"] as const;

const base = () => rl.grpo({ prompts: 4, groupSize: 4, maxNewTokens: 3, lr: 1e-2, epochs: 2, minibatches: 2 });

/** One sequence-run configuration per component a sequence run can use, `slot:kind` (plus the GRPO preset). */
export const SEQUENCE_VARIANTS: Record<string, () => PgSpec> = {
  "preset:grpo": () => base(),
  "collect:completions": () => base().collect(rl.collect.completions({ prompts: 4, groupSize: 4, maxNewTokens: 2, dynamicSampling: true, truncated: "mask" })),
  "advantage:groupRelative": () => base().advantage(rl.adv.groupRelative({ normalize: "none" })),
  "advantage:rloo": () => base().advantage(rl.adv.rloo()),
  "advantage:reinforcePlusPlus": () => base().advantage(rl.adv.reinforcePlusPlus()),
  "advantage:asymre": () => base().advantage(rl.adv.asymre({ tau: 0.2 })),
  "advantage:opmd": () => base().advantage(rl.adv.opmd({ baseline: "logavgexp" })),
  "advantage:empg": () => base().advantage(rl.adv.empg({ separator: "+" })),
  "advantage:selfAttribution": () => base().advantage(rl.adv.selfAttribution({ separator: "+" })),
  // the resume tests' tokenizer has no "t" or "d": two digits stand for the modes
  "advantage:hgpo": () => base().guidance(rl.guide.modes({ think: "1", direct: "2" })).advantage(rl.adv.hgpo({ alpha: 0.5 })),
  "advantage:tokenGae": () => base().advantage(rl.adv.tokenGae({ whiten: true, advantageClip: 2, rewardClip: 5 })).addLoss(rl.loss.value({ clip: 0.2 })),
  "loss:value": () => rl.ppoMax({ prompts: 8, maxNewTokens: 3, lr: 1e-2, epochs: 2, minibatches: 2 }),
  "loss:clipped": () => base().loss(rl.loss.clipped({ clipHigh: 0.28, dualClip: 3 })),
  "loss:pg": () => base().loss(rl.loss.pg()),
  "loss:entropy": () => base().addLoss(rl.loss.entropy({ coef: 0.05 })),
  "loss:opmd": () => base().loss(rl.loss.opmd()).advantage(rl.adv.opmd()),
  "loss:rec": () => base().loss(rl.loss.rec({ variant: "ringNoIS" })),
  "loss:gspo": () => base().loss(rl.loss.gspo({ clipLow: 0.1, clipHigh: 0.1 })).aggregation(rl.agg.sequenceMean()),
  "guidance:hints": () => base().guidance(rl.guide.hints({ levels: [0.5, 1] })),
  "guidance:teachers": () => base().guidance(rl.guide.teachers({ k: 1 })).addLoss(rl.loss.offPolicy({ shape: "likelihood" })),
  "guidance:expert": () => base().guidance(rl.guide.expert({ threshold: 0.5 })).addLoss(rl.loss.offPolicy({ shape: "nll" })),
  "guidance:modes": () => base().guidance(rl.guide.modes({ think: "1", direct: "2" })),
  "loss:offPolicy": () => base().guidance(rl.guide.hints({ levels: [1], context: "plain", filter: true })).addLoss(rl.loss.offPolicy({ quantile: 0.8 })),
  "divergence:forwardKl": () => base().divergence(rl.div.forwardKl({ prompts: 16, samples: 4, solved: 1, batch: 4 })),
  "divergence:js": () => base().divergence(rl.div.js({ prompts: 16, samples: 4, solved: 1, batch: 4 })),
  "divergence:alpha": () => base().divergence(rl.div.alpha({ prompts: 16, samples: 4, solved: 1, batch: 4, alpha: 0.5 })),
  "divergence:kl": () => base().divergence(rl.div.kl({ estimator: "k2", in: "reward" })),
  "reference:initial": () => base().divergence(rl.div.kl()).reference(rl.ref.initial()),
  "reference:synced": () => base().divergence(rl.div.kl()).reference(rl.ref.synced({ every: 2 })),
  "reference:run": () => base().divergence(rl.div.kl()).reference(rl.ref.run(other(11))),
  "reference:soup": () => base().divergence(rl.div.kl({ in: "reward" })).reference(rl.ref.soup([other(11), other(12)])),
  "reference:ema": () => base().divergence(rl.div.kl({ estimator: "k1" })).reference(rl.ref.ema({ decay: 0.9 })),
  "aggregation:mean": () => base().aggregation(rl.agg.mean()),
  "aggregation:sequenceMean": () => base().aggregation(rl.agg.sequenceMean()),
  "aggregation:constant": () => base().aggregation(rl.agg.constant({ divisor: 64 })),
  "optimizer:adam": () => base().optimizer(rl.optim.adam({ lr: 3e-3, eps: 1e-6 })),
  "schedule:constant": () => base().schedule(rl.schedule.constant()),
  "schedule:linear": () => base().schedule(rl.schedule.linear({ totalSteps: 200 })),
};
