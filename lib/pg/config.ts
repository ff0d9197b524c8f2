import { int, numOrNull, oneOf, schema, type ConfigOf } from "../config/fields.js";
import type { Component } from "./component.js";

/** The engine's own fields (the rest is in its slots). */
export const ENGINE_SETTINGS = schema({
  epochs: int(4, "passes over each batch", { min: 1 }),
  minibatches: int(4, "minibatches per pass (the rollout must split evenly)", { min: 1 }),
  maxGradNorm: numOrNull(0.5, "clip the global gradient norm to this (null: no clipping)", { min: 0, exclusiveMin: true }),
  targetKl: numOrNull(null, "stop an update's passes once the approximate KL (approxKl) exceeds this (null: never)", { min: 0, exclusiveMin: true }),
  truncation: oneOf<"bootstrap" | "done">("bootstrap", ["bootstrap", "done"], "at a time limit: \"bootstrap\" adds γ·V(final observation) to the reward; \"done\" treats it as terminal (CleanRL)"),
  valueSteps: int(0, "extra gradient steps of the value terms on the critic alone after each update (Spinning Up's train_v_iters − 1; ignored with a shared network)", { min: 0 }),
});

export type EngineSettings = ConfigOf<typeof ENGINE_SETTINGS.fields>;

/**
 * A policy-gradient method as plain data: one component per slot, a list
 * of loss terms, and the engine's settings. `preset` names where it came
 * from (`ppo`, `a2c`, `reinforce`, or `pg` for one composed from scratch).
 */
export interface PgConfig {
  /** Marks the engine's configuration format (checkpoints). */
  readonly engine: 1;
  readonly preset: string;
  readonly collect: Component<"collect">;
  readonly advantage: Component<"advantage">;
  readonly loss: readonly Component<"loss">[];
  readonly divergence: Component<"divergence"> | null;
  readonly reference: Component<"reference"> | null;
  readonly aggregation: Component<"aggregation">;
  readonly optimizer: Component<"optimizer">;
  readonly schedule: Component<"schedule">;
  /** What a sequence run does for groups that failed (hints, teachers, gated imitation); absent or null: nothing. */
  readonly guidance?: Component<"guidance"> | null;
  /** Cost constraints, each with its Lagrange multiplier (`rl.constraint.lagrangian(...)`); absent or empty: none. */
  readonly constraint?: readonly Component<"constraint">[];
  readonly settings: EngineSettings;
}
