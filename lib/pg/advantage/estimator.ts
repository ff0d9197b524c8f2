import type { ActorCritic } from "../../policy/actor-critic.js";
import type { Collector } from "../collect/collector.js";

/** The runtime of an advantage estimator. */
export interface AdvantageRuntime {
  /** Discount γ (a time-limit truncation bootstraps with γ·V). */
  readonly gamma: number;
  /** Normalize advantages to mean 0, std 1 within each minibatch. */
  readonly normalize: boolean;
  /** Collectors whose batches it can read. */
  readonly collectors: readonly string[];
  /** At the start of an update: fills the batch's advantages and returns (or the returns only); returns metrics. */
  prepare(collector: Collector, policy: ActorCritic): Record<string, number>;
  /** Per minibatch, from the current critic's values (estimators that use them); returns metrics. */
  minibatch?(advantages: Float32Array, returns: Float32Array, values: Float32Array): Record<string, number>;
}
