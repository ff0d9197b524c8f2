import { int, num, numOrNull } from "../../config/fields.js";
import { defineComponent } from "../component.js";

/**
 * Imitation of the dataset's actions, gated by the policy's own success
 * (AHPO, from MM-HELIX): each minibatch adds coef · −mean log π(a|s) over
 * `round(ratio × B)` rows of the run's `.mix(rl.data.offline(dataset))`
 * while the success rate of the last `group` training episodes is below
 * `threshold`. Its math: `imitationLoss`, `ahpoGate`, `successRate` of
 * `lib/losses/imitation.ts`; its data: the mix's dataset sampler.
 */
export const imitation = defineComponent({
  slot: "loss",
  kind: "imitation",
  formula: "ℓ = ξ · coef · −log π(a_data|s_data),  ξ = 1 while the recent success rate < threshold (AHPO)",
  doc: "Gated imitation of the `.mix(rl.data.offline(dataset))` rows; the gate closes once the policy succeeds on its own. `pretrain` warm-starts on the dataset before the first env step.",
  fields: {
    coef: num(1, "weight of the mean negative log-likelihood of the dataset's actions", { min: 0 }),
    threshold: num(0.5, "success rate below which the imitation term is on (AHPO's P̂)", { min: 0, max: 1 }),
    successReturn: numOrNull(null, "episode return that counts as a success (null: the mean return of the dataset's complete episodes)"),
    group: int(8, "most recent finished training episodes whose success rate opens or closes the gate", { min: 1, unit: "episodes" }),
    pretrain: int(0, "gradient steps on the dataset alone before the first env step (offline-to-online warm start)", { min: 0, unit: "steps" }),
  },
  metrics: {
    imitationGate: { doc: "1 when the update used the imitation term (AHPO: recent success rate below the threshold, or warm-starting), else 0", over: "last" },
    successRate: { doc: "fraction of the last `group` training episodes whose return reached the success level, when the update began", over: "last" },
    imitationNll: { doc: "mean −log π(a|s) of the dataset's actions, averaged over the update's minibatches (only when the gate was open)", over: "mean" },
  },
  create: (c) => c,
});
