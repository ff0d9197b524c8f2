import { mean } from "../aggregation.js";
import { gae } from "../advantage/gae.js";
import { rollout } from "../collect/rollout.js";
import { ENGINE_SETTINGS } from "../config.js";
import { entropy } from "../loss/entropy.js";
import { policyGradient } from "../loss/policy-gradient.js";
import { value } from "../loss/value.js";
import { adam } from "../optimizer.js";
import { constant } from "../schedule.js";
import { PgSpec } from "../spec.js";

/**
 * `rl.pg()`: the engine with its plainest filling — rollouts of 128 steps,
 * GAE(0.99, 0.95), the vanilla policy gradient + value loss + entropy bonus,
 * mean over steps, Adam at 2.5e-4 — to be changed slot by slot.
 */
export function pg(): PgSpec {
  return new PgSpec(
    Object.freeze({
      engine: 1,
      preset: "pg",
      collect: rollout(),
      advantage: gae(),
      loss: Object.freeze([policyGradient(), value(), entropy()]),
      divergence: null,
      reference: null,
      aggregation: mean(),
      optimizer: adam(),
      schedule: constant(),
      settings: ENGINE_SETTINGS.defaults,
    }),
  );
}
