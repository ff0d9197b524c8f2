import type { VecEnv } from "../../envs/vec-env.js";
import type { ActorCritic, ActOutput } from "../../policy/actor-critic.js";
import type { Rng } from "../../random/rng.js";
import type { AlgoState } from "../../algos/algorithm.js";
import type { Minibatch } from "./rollout-buffer.js";

/** What a collector needs from the learner. */
export interface CollectContext {
  readonly env: VecEnv;
  readonly policy: ActorCritic;
  readonly rng: Rng;
  /** Discount of the advantage estimator (a time-limit truncation bootstraps with γ·V). */
  readonly gamma: number;
  readonly truncation: "bootstrap" | "done";
  /** Sees every env step's raw rewards and ends (the imitation gate's success window). */
  readonly observe?: (rewards: Float32Array, terminated: Uint8Array, truncated: Uint8Array) => void;
  /** A per-copy penalty subtracted from the rewards the learner stores (a divergence placed in the reward); fills `out`. */
  readonly penalty?: (obs: Float32Array, actions: Int32Array | Float32Array, behaviorLogp: Float32Array, out: Float32Array) => void;
  /** Acts in the policy's place when the run's actors already acted (.workers(...)): it replays their actions, log-probabilities and values. */
  readonly actor?: { act(obs: Float32Array, batch: number, rng: Rng, out: ActOutput): void };
}

/** A collected batch as flat per-row arrays (`size` rows). */
export interface BatchArrays {
  readonly size: number;
  readonly obs: Float32Array;
  readonly actions: Int32Array | Float32Array;
  readonly logp: Float32Array;
  readonly values: Float32Array;
  readonly returns: Float32Array;
  readonly advantages: Float32Array;
  readonly refLogp: Float32Array;
  readonly segments: Int32Array;
}

/**
 * How the engine gathers on-policy data: one vector-env step per `step()`,
 * a batch when `full`, minibatches by `gather`, and its part of a checkpoint.
 */
export interface Collector {
  readonly kind: string;
  /** Rows of a batch as configured (an episodes batch may hold more: episodes are not cut). */
  readonly nominalRows: number;
  /** Whether a batch is ready for an update. */
  readonly full: boolean;
  /** The acting policy's outputs of the last step (recorded trajectories read them). */
  readonly act: ActOutput;
  /** One vector-env step into the batch. */
  step(): void;
  /** The batch's rows (valid while full). */
  batch(): BatchArrays;
  /** Whether minibatches are drawn by a fresh permutation each epoch (else rows in order). */
  shuffles(minibatches: number): boolean;
  /** Rows of minibatches: `minibatches` equal parts (the rollout), or as even as the batch allows. */
  minibatchSize(minibatches: number): number;
  /** Copies rows `perm[from..to)` (or `from..to` in order) into `mb`. */
  gather(perm: Int32Array | null, from: number, to: number, mb: Minibatch): void;
  /** Fills `batch().returns` with discounted Monte-Carlo returns (bootstrapped where the batch cuts an episode). */
  monteCarloReturns(gamma: number): void;
  /** Numbers the episode segments of the batch's rows (`batch().segments`). */
  markSegments(): void;
  /** Starts the next batch after an update. */
  reset(): void;
  /** Metrics of the batch an update used (REINFORCE's batchSteps, batchEpisodes). */
  metrics(): Record<string, number>;
  saveState(): AlgoState;
  loadState(state: AlgoState): void;
}

/** Actions buffer for `n` env copies of `env`. */
export function actOutput(env: VecEnv): ActOutput {
  const discrete = env.actionSpace.kind === "discrete";
  return {
    actions: discrete ? new Int32Array(env.numEnvs) : new Float32Array(env.numEnvs * env.actionSize),
    logp: new Float32Array(env.numEnvs),
    values: new Float32Array(env.numEnvs),
  };
}
