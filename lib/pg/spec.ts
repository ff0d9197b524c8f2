import type { Dataset } from "../data/dataset.js";
import type { VecEnv } from "../envs/vec-env.js";
import { actorCriticProblems } from "../policy/actor-critic.js";
import { checkPolicySpec, type PolicySpec } from "../policy/spec.js";
import type { AlgoContext, AlgoSpec } from "../algos/algorithm.js";
import { problem, type Problem } from "../config/problem.js";
import { nestedProblems, type ConfigSchema, type Fields } from "../config/fields.js";
import { componentFromJSON, componentProblems, componentType, type Component, type Slot } from "./component.js";
import { ENGINE_SETTINGS, type EngineSettings, type PgConfig } from "./config.js";
import { PgLearner } from "./learner.js";

/** Options of a preset (`rl.ppo({ lr })`), checked against the preset's own fields before the engine's. */
export interface PresetOptions {
  readonly schema: ConfigSchema<Fields>;
  readonly values: Record<string, unknown>;
  /** Nested option objects with their own schema (`gae: { gamma, lambda }`). */
  readonly nested?: Readonly<Record<string, ConfigSchema<Fields>>>;
}

const SLOTS: readonly Exclude<Slot, "loss" | "guidance" | "preference" | "constraint">[] = ["collect", "advantage", "divergence", "reference", "aggregation", "optimizer", "schedule"];

/**
 * A policy-gradient method: the engine's slots filled with components. Every
 * method returns a new spec (a preset changed in a cell stays a copy):
 *
 * ```ts
 * rl.ppo().divergence(rl.div.kl({ estimator: "k3", coef: 0.05 }))
 * rl.ppo().advantage(rl.adv.tdLambda({ lambda: 0.9 }))
 * rl.pg().loss(rl.loss.pg(), rl.loss.value()).collect(rl.collect.episodes({ batchSteps: 2000 }))
 * ```
 */
export class PgSpec implements AlgoSpec<PgConfig> {
  constructor(
    readonly config: PgConfig,
    /** The preset's options as given (checked with the preset's field paths), when it came from one unchanged. */
    readonly options?: PresetOptions,
  ) {}

  get name(): string {
    return this.config.preset;
  }

  private with(patch: Partial<PgConfig>): PgSpec {
    // A changed preset is checked as what it now is: its engine configuration.
    return new PgSpec(Object.freeze({ ...this.config, ...patch }));
  }

  /** How on-policy data is gathered: `rl.collect.rollout({ numSteps })` or `rl.collect.episodes({ batchSteps })`. */
  collect(c: Component<"collect">): PgSpec {
    return this.with({ collect: c });
  }

  /** The advantage estimator: `rl.adv.gae(...)`, `rl.adv.monteCarlo(...)`, `rl.adv.tdLambda(...)`. */
  advantage(c: Component<"advantage">): PgSpec {
    return this.with({ advantage: c });
  }

  /** Replaces the loss terms: `.loss(rl.loss.clipped(), rl.loss.value(), rl.loss.entropy())`. */
  loss(...terms: Component<"loss">[]): PgSpec {
    return this.with({ loss: Object.freeze([...terms]) });
  }

  /** Adds one loss term to the list. */
  addLoss(term: Component<"loss">): PgSpec {
    return this.with({ loss: Object.freeze([...this.config.loss, term]) });
  }

  /** Replaces the loss term of the given kind (e.g. `"clipped"`) by `term`, or adds it when absent. */
  replaceLoss(kind: string, term: Component<"loss">): PgSpec {
    const at = this.config.loss.findIndex((t) => t.kind === kind);
    return at < 0 ? this.addLoss(term) : this.with({ loss: Object.freeze(this.config.loss.map((t, i) => (i === at ? term : t))) });
  }

  /** A divergence to the reference policy (`rl.div.kl({ estimator: "k3", coef: 0.05 })`), or null for none. */
  divergence(c: Component<"divergence"> | null): PgSpec {
    return this.with({ divergence: c });
  }

  /** The reference policy of the divergence: `rl.ref.initial()` (the default), `rl.ref.run(run)`, `rl.ref.synced({ every })`, `rl.ref.ema({ decay })`. */
  reference(c: Component<"reference"> | null): PgSpec {
    return this.with({ reference: c });
  }

  /** How per-step terms become a scalar: `rl.agg.mean()`, `rl.agg.sequenceMean()`, `rl.agg.constant({ divisor })`. */
  aggregation(c: Component<"aggregation">): PgSpec {
    return this.with({ aggregation: c });
  }

  /** `rl.optim.adam({ lr, eps })`. */
  optimizer(c: Component<"optimizer">): PgSpec {
    return this.with({ optimizer: c });
  }

  /** `rl.schedule.constant()` or `rl.schedule.linear({ totalSteps })`. */
  schedule(c: Component<"schedule">): PgSpec {
    return this.with({ schedule: c });
  }

  /**
   * What a sequence run does for groups whose samples all failed:
   * `rl.guide.hints({ levels: [0.25, 0.5, 0.75] })` (GHPO),
   * `rl.guide.hints({ levels: [0.5], context: "plain", filter: true })` with
   * `rl.loss.offPolicy()` (Guide), or null for none.
   */
  guidance(c: Component<"guidance"> | null): PgSpec {
    return this.with({ guidance: c });
  }

  /**
   * Cost constraints E[Σ_t c_t] ≤ d on the env's costs, each held by its own
   * Lagrange multiplier (replaces any given before; none: unconstrained):
   *
   * ```ts
   * rl.ppo().constraint(rl.constraint.lagrangian({ limit: 10 }))                 // PPO-Lagrangian
   * rl.ppo().constraint(rl.constraint.pidLagrangian({ cost: "hazard", limit: 0.5 }))
   * ```
   */
  constraint(...constraints: Component<"constraint">[]): PgSpec {
    return this.with({ constraint: Object.freeze([...constraints]) });
  }

  /** The engine's own settings: `{ epochs, minibatches, maxGradNorm, targetKl, truncation, valueSteps }`. */
  set(settings: Partial<EngineSettings>): PgSpec {
    return this.with({ settings: Object.freeze({ ...this.config.settings, ...settings }) });
  }

  /** Every problem of the configuration with this env and policy (as data). */
  check(env: VecEnv, policy: PolicySpec, _dataset?: Dataset): Problem[] {
    const p: Problem[] = [];
    const optionProblems = this.options ? presetProblems(this.options) : [];
    p.push(...optionProblems);
    p.push(...pgConfigProblems(this.config, env, this.options ? "preset" : "engine"));
    p.push(...checkPolicySpec(policy), ...actorCriticProblems(policy, env.obsSize, env.actionSpace));
    return p;
  }

  /** Rows of each minibatch (the offline-data terms draw a share of it). */
  minibatchRows(numEnvs: number): number | undefined {
    const { collect, settings } = this.config;
    const rows = collect.kind === "rollout" ? (collect.config as { numSteps: number }).numSteps * numEnvs : (collect.config as { batchSteps: number }).batchSteps;
    return typeof rows === "number" && settings.minibatches > 0 ? Math.floor(rows / settings.minibatches) : undefined;
  }

  create(ctx: AlgoContext): PgLearner {
    return new PgLearner(this.config.preset, this.config, ctx);
  }

  /** The configuration as a table: each slot, its component, every field's value, and the formula. */
  describe(): string {
    const c = this.config;
    const line = (slot: string, comp: Component | null) => {
      if (!comp) return `  ${slot.padEnd(12)} none`;
      const type = componentType(comp.slot, comp.kind);
      const fields = type ? type.schema.summary(comp.config as never, true) : JSON.stringify(comp.config);
      return `  ${slot.padEnd(12)} ${comp.kind.padEnd(13)} ${fields}${type ? `\n  ${"".padEnd(12)} ${"".padEnd(13)} ${type.formula}` : ""}`;
    };
    return [
      `${c.preset}: policy-gradient engine`,
      line("collect", c.collect),
      ...(c.guidance ? [line("guidance", c.guidance)] : []),
      line("advantage", c.advantage),
      ...c.loss.map((t, i) => line(`loss[${i}]`, t)),
      line("divergence", c.divergence),
      ...(c.divergence || c.reference ? [line("reference", c.reference ?? { slot: "reference", kind: "initial", config: {} })] : []),
      line("aggregation", c.aggregation),
      line("optimizer", c.optimizer),
      line("schedule", c.schedule),
      ...(c.constraint ?? []).map((t, i) => line(`constraint[${i}]`, t)),
      `  ${"settings".padEnd(12)} ${ENGINE_SETTINGS.summary(c.settings, true)}`,
    ].join("\n");
  }

  /** Prints {@link describe} in a notebook or script. */
  toString(): string {
    return this.describe();
  }

  toJSON(): PgConfig {
    return this.config;
  }
}

function presetProblems(o: PresetOptions): Problem[] {
  return nestedProblems(o.values, "algo", o.schema, o.nested ?? {});
}

/** Problems of an engine configuration on `env` (`from`: "preset" skips the component checks its options already made). */
export function pgConfigProblems(c: PgConfig, env: VecEnv, from: "preset" | "engine" = "engine"): Problem[] {
  const p: Problem[] = [];
  if (from === "engine") {
    p.push(...ENGINE_SETTINGS.problems(c.settings, "algo"));
    for (const slot of SLOTS) {
      const comp = c[slot];
      if (comp === null && (slot === "divergence" || slot === "reference")) continue;
      p.push(...componentProblems(comp, slot, `algo.${slot}`));
    }
    if (!Array.isArray(c.loss) || c.loss.length === 0) p.push(problem("algo.loss", "missing", "expected at least one loss term, e.g. .loss(rl.loss.clipped(), rl.loss.value(), rl.loss.entropy())"));
    else c.loss.forEach((t, i) => p.push(...componentProblems(t, "loss", `algo.loss[${i}]`)));
    (c.constraint ?? []).forEach((t, i) => p.push(...componentProblems(t, "constraint", `algo.constraint[${i}]`)));
    if (p.length) return p;
  }
  if (c.guidance) p.push(problem("algo.guidance", "incompatible", `guidance (rl.guide.${c.guidance.kind}()) re-samples groups of completions: it needs a sequence run, rl.seq(task, { policy, tokenizer })`, { got: c.guidance.kind }));
  if (c.divergence && c.divergence.kind !== "kl") p.push(problem("algo.divergence", "incompatible", `rl.div.${c.divergence.kind}() is estimated on stored samples of the reference, which a sequence run keeps; an env run takes rl.div.kl()`, { got: c.divergence.kind }));
  c.loss.forEach((t, i) => {
    if (t.kind === "offPolicy") p.push(problem(`algo.loss[${i}]`, "incompatible", "rl.loss.offPolicy() trains the off-policy tokens that guidance adds to a sequence run; an env run has none", { got: t.kind }));
  });
  if (c.collect.kind === "completions") {
    return [problem("algo.collect", "incompatible", "rl.collect.completions() samples a sequence task with a token policy: build the run with rl.seq(task, { policy, tokenizer }) instead of an env", { got: "completions" })];
  }
  const settings = c.settings;
  const adv = componentType("advantage", c.advantage.kind)!;
  const collectors = (adv.create(c.advantage.config as never, {}) as { collectors: readonly string[] }).collectors;
  if (!collectors.includes(c.collect.kind)) {
    p.push(problem("algo.advantage", "incompatible", `the ${c.advantage.kind} estimator reads ${collectors.join(" or ")} batches, but the collector is "${c.collect.kind}"; use rl.adv.monteCarlo() or rl.collect.rollout()`, { expected: collectors.join(" or "), got: c.collect.kind }));
  }
  const numSteps = (c.collect.config as { numSteps?: unknown }).numSteps;
  if (c.collect.kind === "rollout" && typeof numSteps === "number" && Number.isInteger(numSteps) && numSteps >= 1) {
    const batch = numSteps * env.numEnvs;
    if (Number.isInteger(settings.minibatches) && settings.minibatches >= 1 && batch % settings.minibatches !== 0) {
      p.push(problem("algo.minibatches", "incompatible", `rollout size ${batch} (numSteps ${numSteps} × ${env.numEnvs} envs) must divide evenly into ${settings.minibatches} minibatches`, { expected: `a divisor of ${batch}`, got: settings.minibatches }));
    }
  }
  const emitsKl = c.loss.some((t) => "approxKl" in (componentType("loss", t.kind)?.metrics ?? {}));
  if (typeof settings.targetKl === "number" && !emitsKl) p.push(problem("algo.targetKl", "incompatible", "stopping early on the approximate KL needs a loss term that measures it (rl.loss.clipped())", { got: settings.targetKl }));
  const values = c.loss.filter((t) => t.kind === "value").length;
  if (values > 1) p.push(problem("algo.loss", "incompatible", `${values} value terms: the critic takes one (give rl.loss.value() once)`));
  if (typeof settings.valueSteps === "number" && settings.valueSteps > 0 && values === 0) p.push(problem("algo.valueSteps", "incompatible", "extra critic steps need a value term in the loss (rl.loss.value())", { got: settings.valueSteps }));
  p.push(...constraintProblems(c, env));
  if (c.reference && !c.divergence) p.push(problem("algo.reference", "incompatible", "a reference policy is only read by a divergence: add .divergence(rl.div.kl(...)) or drop the reference"));
  return p;
}

/** Problems of a configuration's cost constraints on `env`. */
function constraintProblems(c: PgConfig, env: VecEnv): Problem[] {
  const list = c.constraint ?? [];
  if (list.length === 0) return [];
  const p: Problem[] = [];
  const names = env.costNames ?? [];
  list.forEach((k, i) => {
    const cost = (k.config as { cost: string }).cost;
    if (names.length === 0) {
      p.push(problem(`algo.constraint[${i}]`, "incompatible", `the env ${env.id} emits no costs to constrain; use an env with costs (CartPole-Cost-v1, Pendulum-Energy-v1, GridWorld-Hazards-v0, Inventory-v0) or add one with withCosts(env, { names, cost })`, { expected: "an env with costNames", got: env.id }));
    } else if (cost !== "all" && !names.includes(cost)) {
      p.push(problem(`algo.constraint[${i}].cost`, "not-one-of", `the env ${env.id} has no cost '${cost}'; its costs are ${names.join(", ")} (or "all" for their sum)`, { expected: [...names, "all"].join(", "), got: cost }));
    }
  });
  const costs = list.map((k) => (k.config as { cost: string }).cost);
  const twice = costs.find((n, i) => costs.indexOf(n) !== i);
  if (twice !== undefined) p.push(problem("algo.constraint", "incompatible", `two constraints on the cost '${twice}'; give each cost one constraint`, { got: twice }));
  if (c.collect.kind !== "rollout" || c.advantage.kind !== "gae") {
    p.push(problem("algo.constraint", "incompatible", `a cost constraint credits costs with GAE on fixed-length rollouts: it needs rl.collect.rollout() and rl.adv.gae(), got ${c.collect.kind} and ${c.advantage.kind}`, { expected: "rollout + gae", got: `${c.collect.kind} + ${c.advantage.kind}` }));
  }
  return p;
}

/** Rebuilds an engine configuration saved with a checkpoint (every component through its type, so new fields get defaults). */
export function pgConfigFromJSON(json: unknown): PgConfig {
  const c = json as PgConfig;
  if (c?.engine !== 1) throw new Error(`not a policy-gradient engine configuration: ${JSON.stringify(json)?.slice(0, 200)}`);
  return Object.freeze({
    engine: 1,
    preset: c.preset,
    collect: componentFromJSON(c.collect, "collect") as Component<"collect">,
    advantage: componentFromJSON(c.advantage, "advantage") as Component<"advantage">,
    loss: Object.freeze(c.loss.map((t) => componentFromJSON(t, "loss") as Component<"loss">)),
    divergence: c.divergence ? (componentFromJSON(c.divergence, "divergence") as Component<"divergence">) : null,
    reference: c.reference ? (componentFromJSON(c.reference, "reference") as Component<"reference">) : null,
    aggregation: componentFromJSON(c.aggregation, "aggregation") as Component<"aggregation">,
    optimizer: componentFromJSON(c.optimizer, "optimizer") as Component<"optimizer">,
    schedule: componentFromJSON(c.schedule, "schedule") as Component<"schedule">,
    ...(c.guidance ? { guidance: componentFromJSON(c.guidance, "guidance") as Component<"guidance"> } : {}),
    ...(c.constraint?.length ? { constraint: Object.freeze(c.constraint.map((t) => componentFromJSON(t, "constraint") as Component<"constraint">)) } : {}),
    settings: ENGINE_SETTINGS.merge(c.settings),
  });
}
