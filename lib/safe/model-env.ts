import { BaseVecEnv } from "../envs/base-vec-env.js";
import type { Frame, Shape } from "../envs/frame.js";
import type { BoxSpace, Space } from "../envs/space.js";
import type { VecEnvOptions } from "../envs/vec-env.js";
import type { DynamicsModel } from "./dynamics-model.js";
import type { Guard } from "./guard.js";

/** A known cost of a step, from its observation, action and next observation (e.g. a vital sign out of its safe range). */
export type StepCost = (obs: Float32Array, action: number | Float32Array, nextObs: Float32Array) => number;

/** What a {@link ModelVecEnv} is made of. */
export interface ModelEnvParts {
  readonly id: string;
  readonly model: DynamicsModel;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  /** Start observations (rows of obsSize), one drawn uniformly per episode: the data's first observations. */
  readonly starts: Float32Array;
  /** Steps per episode. */
  readonly horizon: number;
  /** The support guard over z = (s, a): its cost "ood" is 1 for a step whose (s, a) lies outside the data's support. */
  readonly guard?: Guard;
  /** Known costs by name, after "ood". */
  readonly costs?: Readonly<Record<string, StepCost>>;
}

/**
 * An env that steps a learned {@link DynamicsModel} instead of the world:
 * the estimated CMDP of model-based offline safe RL. Next states and rewards
 * are sampled from the model (its mean plus Gaussian residual noise); the
 * constraint costs are "ood" (outside the guard's support, when a guard is
 * given) and the known costs. Episodes start at the data's first
 * observations and last `horizon` steps.
 */
export class ModelVecEnv extends BaseVecEnv {
  private readonly parts: ModelEnvParts;
  private readonly starts: number;
  private readonly predicted: Float32Array;
  private readonly predictedReward: Float32Array;
  private readonly before: Float32Array;
  private readonly z: Float64Array;
  private readonly costFns: readonly StepCost[];

  constructor(parts: ModelEnvParts, options: VecEnvOptions) {
    const d = parts.model.obsSize;
    if (parts.starts.length === 0 || parts.starts.length % d !== 0) throw new RangeError(`${parts.id}: starts must hold whole observations of ${d} values, got ${parts.starts.length} values`);
    const names = [...(parts.guard ? ["ood"] : []), ...Object.keys(parts.costs ?? {})];
    super({ id: parts.id, observationSpace: parts.observationSpace, actionSpace: parts.actionSpace, stateLayout: Array.from({ length: d }, (_, j) => `obs${j}`), maxEpisodeSteps: parts.horizon, costNames: names }, options);
    if (this.obsSize !== d) throw new RangeError(`${parts.id}: the model predicts ${d} observation values, the observation space has ${this.obsSize}`);
    this.parts = parts;
    this.starts = parts.starts.length / d;
    this.predicted = new Float32Array(this.numEnvs * d);
    this.predictedReward = new Float32Array(this.numEnvs);
    this.before = new Float32Array(this.numEnvs * d);
    this.z = new Float64Array(d + (parts.actionSpace.kind === "discrete" ? 1 : this.actionSize));
    this.costFns = Object.values(parts.costs ?? {});
  }

  protected resetCopy(i: number): void {
    const d = this.obsSize;
    const k = this.rng.int(this.starts);
    this.obs.set(this.parts.starts.subarray(k * d, (k + 1) * d), i * d);
  }

  protected setCopyState(i: number, state: ArrayLike<number>): void {
    this.obs.set(state, i * this.obsSize);
  }

  protected stepCopy(i: number, actions: Int32Array | Float32Array): void {
    const d = this.obsSize;
    // The actions are checked before the first copy steps: predict every copy at once then.
    if (i === 0) {
      this.before.set(this.obs);
      this.parts.model.predict(this.obs, actions, this.numEnvs, this.predicted, this.predictedReward, this.rng);
    }
    const s = this.before.subarray(i * d, (i + 1) * d);
    const next = this.predicted.subarray(i * d, (i + 1) * d);
    const a = this.actionSpace.kind === "discrete" ? actions[i]! : (actions.subarray(i * this.actionSize, (i + 1) * this.actionSize) as Float32Array);
    const k = this.costNames.length;
    let j = 0;
    if (this.parts.guard) {
      for (let c = 0; c < d; c++) this.z[c] = s[c]!;
      if (typeof a === "number") this.z[d] = a;
      else for (let c = 0; c < a.length; c++) this.z[d + c] = a[c]!;
      this.costs[i * k + j++] = this.parts.guard.cost(this.z);
    }
    for (const fn of this.costFns) this.costs[i * k + j++] = fn(s, a, next);
    this.rewards[i] = this.predictedReward[i]!;
    this.obs.set(next, i * d);
  }

  protected physicalState(i: number): number[] {
    return Array.from(this.obs.subarray(i * this.obsSize, (i + 1) * this.obsSize));
  }

  protected renderCopy(i: number): Frame {
    const shapes: Shape[] = [{ type: "text", x: 0.2, y: 0.5, text: `${this.id} copy ${i}: [${this.physicalState(i).map((v) => v.toFixed(2)).join(", ")}]`, size: 0.4, fill: "#333333" }];
    return { viewBox: [0, 0, 10, 1], width: 400, height: 40, background: "#ffffff", shapes };
  }
}
