import { bool, num } from "../../config/fields.js";
import { explainedVariance, generalizedAdvantages } from "../../credit/gae.js";
import { defineComponent } from "../component.js";
import type { RolloutCollector } from "../collect/rollout.js";
import type { AdvantageRuntime } from "./estimator.js";

export const tdLambda = defineComponent({
  slot: "advantage",
  kind: "tdLambda",
  formula: "G^λ_t = r_t + γ[(1 − λ) V(s_{t+1}) + λ G^λ_{t+1}] with V of the current critic;  Â_t = G^λ_t − V(s_t)",
  doc: "TD(λ) targets from the critic as it is at the update (values recomputed, not those recorded when acting); the advantage is the λ-return minus V.",
  fields: {
    gamma: num(0.99, "γ: discount", { min: 0, max: 1 }),
    lambda: num(0.95, "λ: weight of longer returns in the λ-return", { min: 0, max: 1 }),
    normalize: bool(true, "normalize advantages to mean 0, std 1 in each minibatch"),
  },
  metrics: { explainedVariance: { doc: "1 − Var[R − V] / Var[R] over the rollout", over: "last" } },
  create: (c): AdvantageRuntime => {
    let fresh = new Float32Array(0);
    return {
      gamma: c.gamma,
      normalize: c.normalize,
      collectors: ["rollout"],
      prepare(collector, policy) {
        const r = collector as RolloutCollector;
        const buf = r.buffer;
        if (fresh.length !== buf.size) fresh = new Float32Array(buf.size);
        policy.value(buf.obs, buf.size, fresh);
        const nextValue = r.valueAfter();
        // The λ-return's backward recursion equals GAE on the same values plus V (Sutton & Barto eq. 12.3; lib/credit/td.ts).
        generalizedAdvantages({ rewards: buf.rewards, values: fresh, dones: buf.dones, nextValue, nextDone: r.nextDone, numEnvs: buf.numEnvs, gamma: c.gamma, lambda: c.lambda }, { advantages: buf.advantages, returns: buf.returns });
        return { explainedVariance: explainedVariance(fresh, buf.returns) };
      },
    };
  },
});
