import { bool, num, numOrNull, oneOf } from "../../config/fields.js";
import { explainedVariance, normalizeInPlace } from "../../credit/gae.js";
import { rolloutVtrace } from "../../credit/vtrace-rollout.js";
import { defineComponent } from "../component.js";
import type { RolloutCollector } from "../collect/rollout.js";
import type { AdvantageRuntime } from "./estimator.js";

/**
 * V-trace credit for rollouts an older policy μ acted (workers with lag).
 * The value targets are V-trace's v_t. The policy-gradient advantage is
 * A_t = r_t + γ v_{t+1} − V(s_t), normalized over the rollout, and then
 * weighted by the truncated importance weight min(ρ̄_pg, π/μ) ("learner"
 * trust region: the surrogate's ratio is taken against the learner's policy
 * at the update, as in decoupled PPO, Hilton et al. 2021) or left unweighted
 * ("behavior": the ratio against μ already carries it). Weighting after
 * normalizing matters: a weight folded in before it would turn the rows μ
 * preferred and π no longer does into negative advantages, pushing π further
 * from them (measured: CartPole at lag 4 collapses to a return of ~25).
 */
export function vtracePolicyAdvantages(
  rollout: { readonly rewards: Float32Array; readonly values: Float32Array; readonly dones: Float32Array; readonly nextValue: Float32Array; readonly nextDone: Float32Array; readonly numEnvs: number },
  vs: Float32Array,
  weights: Float32Array | null,
  gamma: number,
  normalize: boolean,
  out: Float32Array,
): Float32Array {
  const { rewards, values, dones, nextValue, nextDone, numEnvs: n } = rollout;
  const size = rewards.length;
  for (let i = 0; i < size; i++) {
    const last = i + n >= size;
    const e = i % n;
    const notDone = 1 - (last ? nextDone[e]! : dones[i + n]!);
    const next = last ? nextValue[e]! : vs[i + n]!;
    out[i] = rewards[i]! + gamma * notDone * next - values[i]!;
  }
  if (normalize && size > 1) normalizeInPlace(out);
  if (weights) for (let i = 0; i < size; i++) out[i] = out[i]! * weights[i]!;
  return out;
}

export const vtraceAdvantage = defineComponent({
  slot: "advantage",
  kind: "vtrace",
  formula: "R_t = v_t = V(s_t) + ρ_t δ_t + γ c_t (v_{t+1} − V(s_{t+1})), ρ_t = min(ρ̄, π/μ), c_t = λ min(c̄, π/μ);  Â_t = w_t · norm(r_t + γ v_{t+1} − V(s_t)), w_t = min(ρ̄_pg, π/μ) (learner trust region) or 1 (behavior)",
  doc: "V-trace (Espeholt et al. 2018) for rollouts acted by an older policy μ (workers with lag): log π and V recomputed with the learner's policy at the update. Trust region \"learner\": the clipped surrogate's ratio is against the learner's policy, each row weighted by its truncated importance weight after normalization (decoupled PPO); \"behavior\": against μ as recorded. Normalizes over the rollout, not per minibatch.",
  fields: {
    gamma: num(0.99, "γ: discount", { min: 0, max: 1 }),
    lambda: num(1, "λ of the traces (1: IMPALA's eq. 1; < 1: its §4.2 variant)", { min: 0, max: 1 }),
    rhoBar: num(1, "ρ̄: clip of the importance weight in the value targets", { min: 0, exclusiveMin: true }),
    cBar: num(1, "c̄: clip of the trace coefficients", { min: 0, exclusiveMin: true }),
    pgRhoBar: numOrNull(null, "clip of the importance weight of the policy gradient (null: ρ̄)", { min: 0, exclusiveMin: true }),
    trustRegion: oneOf<"learner" | "behavior">("learner", ["learner", "behavior"], "what the clipped surrogate's ratio is taken against: the learner's policy at the update (rows weighted by min(ρ̄_pg, π/μ)), or the policy that acted"),
    normalize: bool(true, "normalize advantages to mean 0, std 1 over the rollout (before the importance weights)"),
  },
  metrics: {
    explainedVariance: { doc: "1 − Var[v − V] / Var[v] over the rollout", over: "last" },
    rhoMean: { doc: "mean clipped importance weight ρ = min(ρ̄, π/μ) over the rollout (1: on-policy)", over: "last" },
    rhoClipped: { doc: "fraction of the rollout's rows whose π/μ exceeds ρ̄", over: "last" },
  },
  create: (c): AdvantageRuntime => {
    let vs = new Float32Array(0);
    let rhos = new Float32Array(0);
    let weights = new Float32Array(0);
    const pgRhoBar = c.pgRhoBar ?? c.rhoBar;
    return {
      gamma: c.gamma,
      // normalized over the rollout here, before the importance weights
      normalize: false,
      collectors: ["rollout"],
      prepare(collector, policy) {
        const r = collector as RolloutCollector;
        const buf = r.buffer;
        if (vs.length !== buf.size) {
          vs = new Float32Array(buf.size);
          rhos = new Float32Array(buf.size);
          weights = new Float32Array(buf.size);
        }
        const learner = policy.evaluate(buf.obs, buf.actions, buf.size);
        const nextValue = r.valueAfter();
        const rollout = { rewards: buf.rewards, values: learner.values, dones: buf.dones, nextValue, nextDone: r.nextDone, numEnvs: buf.numEnvs };
        rolloutVtrace({ ...rollout, behaviorLogp: buf.logp, targetLogp: learner.logp, gamma: c.gamma, lambda: c.lambda, rhoBar: c.rhoBar, cBar: c.cBar, pgRhoBar }, { vs, pgAdvantages: buf.advantages, rhos });
        let sum = 0;
        let clipped = 0;
        const logRhoBar = Math.log(c.rhoBar);
        for (let i = 0; i < buf.size; i++) {
          const logRatio = learner.logp[i]! - buf.logp[i]!;
          sum += rhos[i]!;
          // (on-policy, π/μ is 1 up to the rounding of two forward passes)
          if (logRatio > logRhoBar + 1e-6) clipped++;
          weights[i] = Math.min(pgRhoBar, Math.exp(logRatio));
        }
        vtracePolicyAdvantages(rollout, vs, c.trustRegion === "learner" ? weights : null, c.gamma, c.normalize, buf.advantages);
        buf.returns.set(vs);
        // the value loss's clip is around the critic as it is now
        buf.values.set(learner.values);
        if (c.trustRegion === "learner") buf.logp.set(learner.logp);
        return { explainedVariance: explainedVariance(learner.values, vs), rhoMean: sum / buf.size, rhoClipped: clipped / buf.size };
      },
    };
  },
});
