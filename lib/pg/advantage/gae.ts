import { bool, num } from "../../config/fields.js";
import { explainedVariance, generalizedAdvantages } from "../../credit/gae.js";
import { defineComponent } from "../component.js";
import type { RolloutCollector } from "../collect/rollout.js";
import type { AdvantageRuntime } from "./estimator.js";

export const gae = defineComponent({
  slot: "advantage",
  kind: "gae",
  formula: "Â_t = Σ_l (γλ)^l δ_{t+l},  δ_t = r_t + γ V(s_{t+1}) − V(s_t);  R_t = Â_t + V(s_t)",
  doc: "Generalized advantage estimation (Schulman et al. 2016) from the values recorded when acting; λ = 1 gives n-step returns minus V (A2C), λ = 0 the one-step TD error.",
  fields: {
    gamma: num(0.99, "γ: discount", { min: 0, max: 1 }),
    lambda: num(0.95, "λ: trace decay of the advantage (bias–variance trade-off)", { min: 0, max: 1 }),
    normalize: bool(true, "normalize advantages to mean 0, std 1 in each minibatch"),
  },
  metrics: { explainedVariance: { doc: "1 − Var[R − V] / Var[R] over the rollout", over: "last" } },
  create: (c): AdvantageRuntime => ({
    gamma: c.gamma,
    normalize: c.normalize,
    collectors: ["rollout"],
    prepare(collector) {
      const r = collector as RolloutCollector;
      const buf = r.buffer;
      const nextValue = r.valueAfter();
      generalizedAdvantages(
        { rewards: buf.rewards, values: buf.values, dones: buf.dones, nextValue, nextDone: r.nextDone, numEnvs: buf.numEnvs, gamma: c.gamma, lambda: c.lambda },
        { advantages: buf.advantages, returns: buf.returns },
      );
      return { explainedVariance: explainedVariance(buf.values, buf.returns) };
    },
  }),
});
