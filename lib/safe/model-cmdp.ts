import type { Dataset } from "../data/dataset.js";
import { flatFromTable } from "../data/interop/common.js";
import { META_ENV_ID } from "../data/schema.js";
import { envSpec, makeVecEnv, registerEnv } from "../envs/registry.js";
import { Rng } from "../random/rng.js";
import { DynamicsModel } from "./dynamics-model.js";
import { ModelVecEnv, type StepCost } from "./model-env.js";
import { ChristoffelGuard } from "./christoffel-guard.js";
import type { Guard } from "./guard.js";
import { SupportGuard } from "./support-guard.js";

/** Options of {@link modelCmdp}. */
export interface ModelCmdpOptions {
  /** The real env's id (its spaces and time limit); default the data's `trellis.env_id`. */
  readonly env?: string;
  /** Known costs of a step by name (e.g. a vital sign beyond its limit), after "ood". */
  readonly costs?: Readonly<Record<string, StepCost>>;
  /** Share of the data's (s, a) the support guard contains; null: no guard and no "ood" cost. Default 0.95. */
  readonly coverage?: number | null;
  /**
   * Degree of the guard's polynomial (the empirical Christoffel function): 1 is the Gaussian ellipsoid
   * (τ = 1 + χ² quantile), 2 and up follow curved and correlated supports (τ = the data's coverage quantile). Default 2.
   */
  readonly degree?: number;
  /** Steps per model episode; default the real env's time limit. */
  readonly horizon?: number;
  /** Seed of the model's initial weights and minibatches. Default 0. */
  readonly seed?: number;
  /** Passes of the model over the data. Default 60. */
  readonly epochs?: number;
}

/** What {@link modelCmdp} returns. */
export interface ModelCmdp {
  /** The registered id of the model env: `rl.env(id, { n, seed })` trains on it. */
  readonly id: string;
  readonly model: DynamicsModel;
  /** The support guard over z = (s, a), when there is one. */
  readonly guard: Guard | undefined;
  /** Transitions the model and guard were fitted on. */
  readonly transitions: number;
}

let counter = 0;

/**
 * The estimated CMDP of model-based offline safe RL (OGSRL): a dynamics
 * model fitted to `data`, a support guard fitted to its state–action pairs
 * (the empirical Christoffel function of degree `degree`, holding
 * `coverage` of the data), and an env that steps the model with the constraint costs
 * "ood" (leaving the guard) and the known `costs`. Constrain them with
 * `rl.ppo().constraint(rl.constraint.lagrangian({ cost: "ood", limit }), …)`.
 */
export function modelCmdp(data: Dataset, options: ModelCmdpOptions = {}): ModelCmdp {
  const envId = options.env ?? data.schema.metadata.get(META_ENV_ID);
  if (!envId) throw new Error("modelCmdp: the dataset names no env (trellis.env_id); give options.env");
  const real = makeVecEnv(envId, { n: 1 });
  const discrete = real.actionSpace.kind === "discrete";
  const seed = options.seed ?? 0;
  const model = DynamicsModel.fit(data, {
    actions: discrete ? { kind: "discrete", n: (real.actionSpace as { n: number }).n } : { kind: "box", size: real.actionSize },
    rng: Rng.fromSeed(seed),
    ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
  });
  const flat = flatFromTable(data.table, "modelCmdp");
  const n = flat.rows;
  const d = real.obsSize;
  const aw = discrete ? 1 : real.actionSize;
  const coverage = options.coverage === undefined ? 0.95 : options.coverage;
  let guard: Guard | undefined;
  if (coverage !== null) {
    const z = new Float64Array(n * (d + aw));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) z[i * (d + aw) + j] = flat.obs[i * d + j]!;
      for (let j = 0; j < aw; j++) z[i * (d + aw) + d + j] = flat.actions[i * aw + j]!;
    }
    const degree = options.degree ?? 2;
    guard = degree === 1 ? SupportGuard.fit(z, d + aw, { coverage }) : ChristoffelGuard.fit(z, d + aw, { degree, coverage });
  }
  const startRows: number[] = [];
  for (let i = 0; i < n; i++) if (flat.t[i] === 0) startRows.push(i);
  if (startRows.length === 0) throw new Error("modelCmdp: the dataset holds no episode's first step (t = 0) to start model episodes from");
  const starts = new Float32Array(startRows.length * d);
  startRows.forEach((r, k) => starts.set(flat.obs.subarray(r * d, (r + 1) * d), k * d));
  const horizon = options.horizon ?? real.maxEpisodeSteps ?? envSpec(envId).maxEpisodeSteps;
  if (horizon === undefined) throw new Error(`modelCmdp: ${envId} has no time limit; give options.horizon`);
  const id = `${envId}@model${++counter}`;
  const parts = { id, model, observationSpace: real.observationSpace, actionSpace: real.actionSpace, starts, horizon, ...(guard ? { guard } : {}), ...(options.costs ? { costs: options.costs } : {}) };
  registerEnv(id, (o) => new ModelVecEnv(parts, o), { maxEpisodeSteps: horizon, description: `a learned model of ${envId} (${n} transitions)` });
  return { id, model, guard, transitions: n };
}
