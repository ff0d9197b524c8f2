import { ConfigSchema, type ConfigOf, type Fields } from "../config/fields.js";
import { problem, type Problem } from "../config/problem.js";
import { documentMetric } from "../run/metrics-log.js";

/** The engine's slots; each holds components of one kind (`loss` holds a list). */
export type Slot = "collect" | "advantage" | "loss" | "divergence" | "reference" | "aggregation" | "optimizer" | "schedule" | "guidance" | "preference" | "constraint";

/** How a metric a component emits is documented and combined over an update's minibatches. */
export interface MetricDecl {
  readonly doc: string;
  /** "last": the update's last minibatch; "mean": averaged over the minibatches that computed it. */
  readonly over: "last" | "mean";
}

/**
 * A filled slot: plain data (`slot`, `kind`, `config`), so a configuration
 * prints, compares, saves with a checkpoint and rebuilds. Its behavior is
 * the `create` of its {@link ComponentType}.
 */
export interface Component<S extends Slot = Slot, C = unknown> {
  readonly slot: S;
  readonly kind: string;
  readonly config: C;
}

/** What every component type declares: its fields, formula, doc and metrics. */
export interface ComponentInfo<S extends Slot, F extends Fields> {
  readonly slot: S;
  readonly kind: string;
  readonly fields: F;
  /** The formula at the component's heart, one line (docs and `describe()`). */
  readonly formula: string;
  /** What it is, one or two sentences. */
  readonly doc: string;
  /** Metrics its runtime emits. */
  readonly metrics?: Readonly<Record<string, MetricDecl>>;
}

/** A component factory: `rl.loss.clipped({ clip: 0.2 })`, with what it declares attached. */
export interface ComponentType<S extends Slot = Slot, F extends Fields = Fields, R = unknown, X = unknown> {
  (options?: Partial<ConfigOf<F>>): Component<S, ConfigOf<F>>;
  readonly slot: S;
  readonly kind: string;
  readonly schema: ConfigSchema<F>;
  readonly formula: string;
  readonly doc: string;
  readonly metrics: Readonly<Record<string, MetricDecl>>;
  /** Problems of a config beyond its fields' own (relations between fields). */
  readonly relations: (config: ConfigOf<F>, path: string) => Problem[];
  /** The runtime part, built when a run is built. */
  readonly create: (config: ConfigOf<F>, context: X) => R;
}

const registry = new Map<string, ComponentType<Slot, Fields, unknown, unknown>>();
const key = (slot: string, kind: string) => `${slot}:${kind}`;

/**
 * Declares a component type and registers it (so a saved configuration that
 * names it rebuilds). The whole of a new component: this call, its test, and
 * one export line in its slot's namespace.
 */
export function defineComponent<S extends Slot, F extends Fields, R, X>(
  info: ComponentInfo<S, F> & { readonly create: (config: ConfigOf<F>, context: X) => R; readonly relations?: (config: ConfigOf<F>, path: string) => Problem[] },
): ComponentType<S, F, R, X> {
  const schema = new ConfigSchema(info.fields);
  const make = (options?: Partial<ConfigOf<F>>): Component<S, ConfigOf<F>> => Object.freeze({ slot: info.slot, kind: info.kind, config: schema.merge(options) });
  const type = Object.assign(make, {
    slot: info.slot,
    kind: info.kind,
    schema,
    formula: info.formula,
    doc: info.doc,
    metrics: info.metrics ?? {},
    relations: info.relations ?? (() => []),
    create: info.create,
  });
  Object.defineProperty(type, "name", { value: info.kind });
  registry.set(key(info.slot, info.kind), type as never);
  // A component's metrics are documented where it declares them.
  for (const [name, m] of Object.entries(info.metrics ?? {})) documentMetric(name, m.doc);
  return type as ComponentType<S, F, R, X>;
}

/** The registered type of a component, or undefined. */
export function componentType(slot: Slot, kind: string): ComponentType<Slot, Fields, unknown, unknown> | undefined {
  return registry.get(key(slot, kind));
}

/** Every registered component type of a slot (docs, conformance tests). */
export function componentTypes(slot?: Slot): ComponentType<Slot, Fields, unknown, unknown>[] {
  return [...registry.values()].filter((t) => slot === undefined || t.slot === slot);
}

/** Problems of a component placed at `path` in slot `slot`: its kind, fields and relations. */
export function componentProblems(value: unknown, slot: Slot, path: string): Problem[] {
  const c = value as Partial<Component> | null;
  if (c === null || typeof c !== "object" || typeof c.kind !== "string" || typeof c.slot !== "string") {
    return [problem(path, "wrong-type", `expected a ${slot} component (e.g. from rl.${SLOT_NAMESPACE[slot]}.…()), got ${typeof value === "object" ? JSON.stringify(value) : String(value)}`, { expected: `a ${slot} component` })];
  }
  if (c.slot !== slot) return [problem(path, "wrong-type", `expected a ${slot} component, got the ${c.slot} component "${c.kind}"`, { expected: `a ${slot} component`, got: `${c.slot} "${c.kind}"` })];
  const type = componentType(slot, c.kind);
  if (!type) {
    const known = componentTypes(slot).map((t) => t.kind);
    return [problem(`${path}.kind`, "not-one-of", `unknown ${slot} component "${c.kind}"; known: ${known.join(", ")}`, { expected: known.join(", "), got: c.kind })];
  }
  const p = type.schema.problems(c.config, path);
  return p.length ? p : type.relations(c.config as never, path);
}

/** Which `rl` namespace each slot's components come from. */
export const SLOT_NAMESPACE: Readonly<Record<Slot, string>> = {
  collect: "collect",
  advantage: "adv",
  loss: "loss",
  divergence: "div",
  reference: "ref",
  aggregation: "agg",
  optimizer: "optim",
  schedule: "schedule",
  guidance: "guide",
  preference: "pref",
  constraint: "constraint",
};

/** The runtime of a component (its type's `create`). */
export function createComponent<R, X>(c: Component, context: X): R {
  const type = componentType(c.slot, c.kind);
  if (!type) throw new Error(`no ${c.slot} component "${c.kind}" is registered`);
  return type.create(c.config as never, context) as R;
}

/** A component rebuilt from its JSON (`{ slot, kind, config }`), through its type so defaults fill new fields. */
export function componentFromJSON(json: unknown, slot: Slot): Component {
  const c = json as Component;
  const type = componentType(slot, c?.kind);
  if (!type) throw new Error(`a saved configuration names the ${slot} component "${String(c?.kind)}", which is not registered (known: ${componentTypes(slot).map((t) => t.kind).join(", ")})`);
  return type(c.config as never);
}
