// The engine's component namespaces: `rl.adv`, `rl.loss`, `rl.div`, `rl.ref`, `rl.agg`, `rl.collect`, `rl.optim`, `rl.schedule`.
// A new component is one file, its test, and one line here.
import { gae } from "./advantage/gae.js";
import { monteCarlo } from "./advantage/monte-carlo.js";
import { tdLambda } from "./advantage/td-lambda.js";
import { constant as constantAggregation, mean, sequenceMean } from "./aggregation.js";
import { episodes } from "./collect/episodes.js";
import { rollout } from "./collect/rollout.js";
import { kl } from "./divergence/kl.js";
import { clipped } from "./loss/clipped-surrogate.js";
import { entropy } from "./loss/entropy.js";
import { imitation } from "./loss/imitation.js";
import { offlineCritic } from "./loss/offline-critic.js";
import { policyGradient } from "./loss/policy-gradient.js";
import { value } from "./loss/value.js";
import { adam } from "./optimizer.js";
import { ema, initial, run, synced } from "./reference/references.js";
import { constant, linear } from "./schedule.js";

export const adv = { gae, monteCarlo, tdLambda };
export const loss = { clipped, pg: policyGradient, value, entropy, imitation, offlineCritic };
export const div = { kl };
export const ref = { initial, run, synced, ema };
export const agg = { mean, sequenceMean, constant: constantAggregation };
export const collect = { rollout, episodes };
export const optim = { adam };
export const schedule = { constant, linear };

export { PgSpec, pgConfigFromJSON, pgConfigProblems } from "./spec.js";
export { PgLearner } from "./learner.js";
export type { PgConfig, EngineSettings } from "./config.js";
export { ENGINE_SETTINGS } from "./config.js";
export { defineComponent, componentTypes, componentType, type Component, type ComponentType, type Slot, type MetricDecl } from "./component.js";
export { OutputGrads, type TermRows, type Aggregate, type LossTerm, type TermResult } from "./rows.js";
export { pg } from "./presets/pg.js";
export { ppo, PPO_DEFAULTS, PPO_OPTIONS, ppoConfig, type PpoConfig, type PpoOptions } from "./presets/ppo.js";
export { a2c, A2C_DEFAULTS, type A2cOptions } from "./presets/a2c.js";
export { reinforce, REINFORCE_DEFAULTS, REINFORCE_OPTIONS, type ReinforceConfig, type ReinforceOptions } from "./presets/reinforce.js";
export { clippedSurrogate, type SurrogateClip } from "./loss/clipped-surrogate.js";
export { policyGradientLoss } from "./loss/policy-gradient.js";
export { valueLoss } from "./loss/value.js";
export { entropyBonus } from "./loss/entropy.js";
export { klEstimate, klEstimates, klPenalty, type KlEstimator } from "./divergence/kl.js";
export { baselineAdvantages } from "./advantage/monte-carlo.js";
export { segmentMeanWeights } from "./aggregation.js";
export { linearAnneal } from "./schedule.js";
export { num, numOrNull, int, bool, oneOf, str, schema, ConfigSchema, type Field, type FieldCheck } from "../config/fields.js";
export { problem, problemText, type Problem, type ProblemCode } from "../config/problem.js";
