import { bool, num } from "../../config/fields.js";
import { explainedVariance } from "../../credit/gae.js";
import { defineComponent } from "../component.js";
import type { AdvantageRuntime } from "./estimator.js";

/** Â_i = G_i − V(s_i): the Monte-Carlo return minus a learned baseline; writes into `advantages`. */
export function baselineAdvantages(returns: Float32Array, values: Float32Array, advantages: Float32Array): Float32Array {
  for (let i = 0; i < returns.length; i++) advantages[i] = returns[i]! - values[i]!;
  return advantages;
}

export const monteCarlo = defineComponent({
  slot: "advantage",
  kind: "monteCarlo",
  formula: "G_t = r_t + γ G_{t+1};  Â_t = G_t − V(s_t) with V of the current critic",
  doc: "Monte-Carlo returns with a learned state-value baseline (REINFORCE with baseline, Sutton & Barto §13.4); complete episodes end at 0, a cut or a time limit bootstraps from V.",
  fields: {
    gamma: num(0.99, "γ: discount", { min: 0, max: 1 }),
    normalize: bool(true, "normalize advantages to mean 0, std 1 in each minibatch"),
  },
  metrics: { explainedVariance: { doc: "1 − Var[G − V] / Var[G] of the last minibatch", over: "last" } },
  create: (c): AdvantageRuntime => ({
    gamma: c.gamma,
    normalize: c.normalize,
    collectors: ["rollout", "episodes"],
    prepare(collector) {
      collector.monteCarloReturns(c.gamma);
      return {};
    },
    minibatch(advantages, returns, values) {
      baselineAdvantages(returns, values, advantages);
      return { explainedVariance: explainedVariance(values, returns) };
    },
  }),
});
