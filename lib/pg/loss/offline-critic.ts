import { num } from "../../config/fields.js";
import { defineComponent } from "../component.js";

/**
 * The critic fitted on the dataset's transitions too (HNPG-style): TD(0) of
 * V on `.mix(rl.data.offline(dataset))` rows, each weighted by
 * min(rhoMax, π(a|s)/μ(a|s)) where the dataset records `behavior_logp`,
 * scaled like the on-policy value loss. Its math: `offlineValueTdLoss` and
 * `clippedImportanceWeights` of `lib/losses/offline-value.ts`.
 */
export const offlineCritic = defineComponent({
  slot: "loss",
  kind: "offlineCritic",
  formula: "ℓ = coef · vf · ρ̄ · ½ (V(s) − (r + γ V(s′)))²,  ρ̄ = min(rhoMax, π/μ)",
  doc: "Importance-weighted TD(0) of the critic on the mixed dataset's transitions (HNPG).",
  fields: {
    coef: num(1, "weight of the offline TD loss relative to the on-policy value loss (both scaled by the value term's coef)", { min: 0 }),
    rhoMax: num(1, "ρ̄: clip of the importance weight π/μ", { min: 0, exclusiveMin: true }),
  },
  metrics: {
    offlineValueLoss: { doc: "importance-weighted TD(0) loss of V on dataset transitions (before the coefficients), averaged over the update's minibatches", over: "mean" },
    offlineWeight: { doc: "mean clipped importance weight min(ρ̄, π/μ) of the dataset rows the critic learned from", over: "mean" },
  },
  create: (c) => c,
});
