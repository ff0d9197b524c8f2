import type { Dataset } from "../data/dataset.js";
import type { OfflineMixSpec } from "./mix.js";
import type { VecEnv } from "../envs/vec-env.js";
import type { PolicySpec } from "../policy/spec.js";
import type { Rng } from "../random/rng.js";
import type { Problem } from "../config/problem.js";

/** One named number of an update's metrics (losses, KL, clip fraction, …). */
export type UpdateMetrics = Record<string, number>;

/** What an algorithm instance is built from when a run is built. */
export interface AlgoContext {
  readonly env: VecEnv;
  readonly policy: PolicySpec;
  /** The algorithm's own stream (weight init, sampling, shuffles). */
  readonly rng: Rng;
  /** The dataset of an offline run (`rl.offline(dataset)`); online algorithms ignore it. */
  readonly dataset?: Dataset;
  /** Offline data mixed into an online learner's minibatches (`.mix(rl.data.offline(dataset, { ratio }))`; DQN and SAC). */
  readonly mix?: OfflineMixSpec;
  /** Acts in the policy's place when the run's actors act elsewhere (`.workers(...)`): the collector replays their rollouts. */
  readonly actor?: { act(obs: Float32Array, batch: number, rng: Rng, out: { readonly actions: Int32Array | Float32Array; readonly logp: Float32Array; readonly values: Float32Array }): void };
}

/** Binary arrays and JSON that make up an algorithm's checkpoint. */
export interface AlgoState {
  readonly json: unknown;
  readonly arrays: Record<string, Float32Array | Int32Array | Uint8Array | Float64Array>;
}

/**
 * A running algorithm: a resumable state machine that advances one vector-env
 * step per `step()` call and performs an update when one is due (e.g. when a
 * PPO rollout is full). Stopping between two `step()` calls always leaves it
 * consistent, which is what makes `train()` interruptible and resumable.
 */
export interface AlgoInstance {
  readonly name: string;
  /** Env steps (summed over copies) taken so far. */
  readonly envSteps: number;
  /** Updates performed so far. */
  readonly updates: number;
  /**
   * Fewest env steps between two metrics rows (methods that update every few
   * steps, like DQN and SAC, would otherwise log a row per gradient step).
   * 0 or absent: a row per update.
   */
  readonly logEvery?: number;
  /** One vector-env step; returns the update's metrics when an update happened during it. */
  step(): UpdateMetrics | null;
  /**
   * Metrics accumulated since the last row that `step()` returned (methods
   * that report every few updates), or null; the run calls it when
   * `train({ updates })` stops between two rows.
   */
  flushMetrics?(): UpdateMetrics | null;
  /** Log-probabilities and values of the actions of the env step being taken (for recorded trajectories). */
  behavior?(): { readonly logp?: Float32Array; readonly values?: Float32Array; readonly policyVersion: number };
  /** V(s) of the current critic, for methods that have one (credit assignment of recorded episodes). */
  values?(obs: Float32Array, batch: number, out: Float32Array): Float32Array;
  /** log π(a|s) of given actions and the entropy of π(·|s) under the current policy (ratios, KL and entropy of recorded steps). */
  policyStats?(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): { logp: Float32Array; entropy: Float32Array };
  /** The parameters actors act with (every parameter group back to back), for runs with workers; absent: the method cannot act remotely. */
  actingParams?(): Float32Array;
  /** Steps per rollout of a method that collects fixed-length rollouts (what one actor rollout must hold); absent: it does not. */
  readonly rolloutSteps?: number;
  /** Samples actions from the current policy (for example a stochastic generalist that V-GPS re-ranks); absent: the method has no stochastic policy to sample. */
  sampleActions?(obs: Float32Array, batch: number, rng: Rng, actions: Int32Array | Float32Array): void;
  /** Q(s_b, a_b) of the method's critic for given actions (V-GPS's re-ranking); absent: the method has no Q-function. */
  qValues?(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): Float32Array;
  /** Greedy (or mean) actions for evaluation. */
  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void;
  /** Parameters of the networks, for checkpoints and reproducibility checks. */
  saveState(): AlgoState;
  loadState(state: AlgoState): void;
  dispose(): void;
}

/**
 * An algorithm's configuration, before it meets an env: what `rl.ppo({...})`,
 * `rl.dqn({...})`, … return. `check` lists every problem with its path.
 */
export interface AlgoSpec<C = unknown> {
  readonly name: string;
  readonly config: C;
  /** Trains from a dataset (`rl.offline(dataset)`) instead of stepping the env. */
  readonly offline?: boolean;
  /** For an offline method: the metric its training view plots against updates (there are no episode returns). */
  readonly progressMetric?: { readonly key: string; readonly label: string };
  /** Every problem with this env, policy (and dataset): as data, or as `path: message` lines (older algorithms). */
  check(env: VecEnv, policy: PolicySpec, dataset?: Dataset): readonly (Problem | string)[];
  /** Rows of one minibatch on `numEnvs` env copies, when the algorithm has minibatches (offline data mixed in takes a share). */
  minibatchRows?(numEnvs: number): number | undefined;
  create(ctx: AlgoContext): AlgoInstance;
}
