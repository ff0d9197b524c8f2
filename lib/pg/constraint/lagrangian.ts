import { int, num, str } from "../../config/fields.js";
import { dualAscentStep, pidLagrangianStep, type PidLagrangianState } from "../../safe/lagrangian.js";
import { defineComponent } from "../component.js";
import { LagrangianConstraint, type ConstraintContext, type LagrangianSettings } from "./constraint.js";

const COMMON = {
  cost: str("all", "the env cost it constrains (a name from env.costNames), or \"all\" for their sum"),
  limit: num(25, "d: the most summed cost an episode may have on average", { min: 0, unit: "cost per episode" }),
  criticLr: num(1e-3, "Adam learning rate of the cost critic V_c (a 64 × 64 tanh MLP of its own)", { min: 0, exclusiveMin: true }),
  criticEpochs: int(4, "passes of the cost critic over each batch", { min: 1 }),
  criticMinibatches: int(4, "minibatches per pass of the cost critic", { min: 1 }),
};

const METRICS = {
  lambda: { doc: "constrained runs: the Lagrange multiplier of the cost constraint after the update (one per constraint: lambda_<name>)", over: "last" as const },
  episodeCost: { doc: "constrained runs: the mean summed cost of the episodes that ended since the previous update (the Jc the multiplier moved by)", over: "last" as const },
  costLimitGap: { doc: "constrained runs: the measured episode cost minus its limit at the update (positive: violated)", over: "last" as const },
  costValueLoss: { doc: "constrained runs: ½(V_c − R_c)² of the cost critic's last minibatch", over: "last" as const },
};

const settingsOf = (c: LagrangianSettings): LagrangianSettings => ({ cost: c.cost, limit: c.limit, criticLr: c.criticLr, criticEpochs: c.criticEpochs, criticMinibatches: c.criticMinibatches });

export const lagrangian = defineComponent({
  slot: "constraint",
  kind: "lagrangian",
  formula: "λ ← max(0, λ + η (Jc − d));  Â = (Â_r − λ Â_c) / (1 + λ)",
  doc: "A cost constraint E[Σ c_t] ≤ d held by a Lagrange multiplier moved by dual ascent on the measured episode cost (PPO-Lagrangian, Ray et al. 2019).",
  fields: {
    ...COMMON,
    lr: num(0.05, "η: step of the multiplier per unit of cost above the limit, per update", { min: 0, exclusiveMin: true }),
    initial: num(0, "λ before the first update", { min: 0 }),
  },
  metrics: METRICS,
  create: (c, ctx: ConstraintContext) =>
    new LagrangianConstraint(settingsOf(c), { initial: c.initial, initialState: null, next: (lambda, cost, limit) => ({ lambda: dualAscentStep(lambda, cost, limit, c.lr), state: null }) }, ctx),
});

export const pidLagrangian = defineComponent({
  slot: "constraint",
  kind: "pidLagrangian",
  formula: "e = Jc − d;  I ← max(0, I + e);  λ = max(0, K_P e + K_I I + K_D max(0, Jc − Jc_prev))",
  doc: "A cost constraint held by a PID-controlled multiplier (Stooke, Achiam & Abbeel 2020): the proportional and derivative terms damp the overshoot and oscillation of plain dual ascent (which is K_I alone).",
  fields: {
    ...COMMON,
    kp: num(0.1, "K_P: proportional gain", { min: 0 }),
    ki: num(0.01, "K_I: integral gain (dual ascent's step)", { min: 0 }),
    kd: num(0.01, "K_D: derivative gain (on cost increases only)", { min: 0 }),
  },
  metrics: METRICS,
  create: (c, ctx: ConstraintContext) =>
    new LagrangianConstraint(
      settingsOf(c),
      {
        initial: 0,
        initialState: { integral: 0, previousCost: null } satisfies PidLagrangianState,
        next: (_lambda, cost, limit, state) => {
          const r = pidLagrangianStep(state as PidLagrangianState, cost, limit, c);
          return { lambda: r.lambda, state: r.state };
        },
      },
      ctx,
    ),
});
