import { didYouMean } from "../envs/suggest.js";
import { describeValue, problem, type Problem } from "./problem.js";

/** How a field's value is checked. */
export type FieldCheck =
  | { readonly type: "number"; readonly min?: number; readonly max?: number; readonly exclusiveMin?: boolean; readonly integer?: boolean; readonly nullable?: boolean; readonly or?: readonly string[] }
  | { readonly type: "boolean" }
  | { readonly type: "enum"; readonly values: readonly (string | number)[] }
  | { readonly type: "string" }
  | { readonly type: "numbers"; readonly min?: number; readonly max?: number; readonly exclusiveMin?: boolean; readonly ascending?: boolean };

/** One field of a component's configuration, written once: default, unit, doc line, constraint. */
export interface Field<T = unknown> {
  readonly default: T;
  readonly doc: string;
  readonly unit?: string;
  readonly check: FieldCheck;
}

type Bounds = { min?: number; max?: number; exclusiveMin?: boolean; unit?: string };

/** A real number field. */
export function num(value: number, doc: string, bounds: Bounds = {}): Field<number> {
  const { unit, ...b } = bounds;
  return { default: value, doc, ...(unit ? { unit } : {}), check: { type: "number", ...b } };
}

/** A number field that may be null (off). */
export function numOrNull(value: number | null, doc: string, bounds: Bounds = {}): Field<number | null> {
  const { unit, ...b } = bounds;
  return { default: value, doc, ...(unit ? { unit } : {}), check: { type: "number", nullable: true, ...b } };
}

/** A number field that may also be one of a few words (`targetEntropy: number | "auto"`). */
export function numOr<W extends string>(value: number | W, words: readonly W[], doc: string, bounds: Bounds = {}): Field<number | W> {
  const { unit, ...b } = bounds;
  return { default: value, doc, ...(unit ? { unit } : {}), check: { type: "number", or: words, ...b } };
}

/** An integer field. */
export function int(value: number, doc: string, bounds: Bounds = {}): Field<number> {
  const { unit, ...b } = bounds;
  return { default: value, doc, ...(unit ? { unit } : {}), check: { type: "number", integer: true, ...b } };
}

/** A non-empty list of numbers, each within the bounds (strictly ascending with `ascending`). */
export function nums(value: readonly number[], doc: string, bounds: Bounds & { ascending?: boolean } = {}): Field<readonly number[]> {
  const { unit, ...b } = bounds;
  return { default: Object.freeze([...value]), doc, ...(unit ? { unit } : {}), check: { type: "numbers", ...b } };
}

export function bool(value: boolean, doc: string): Field<boolean> {
  return { default: value, doc, check: { type: "boolean" } };
}

export function str(value: string, doc: string): Field<string> {
  return { default: value, doc, check: { type: "string" } };
}

export function oneOf<T extends string | number>(value: T, values: readonly T[], doc: string): Field<T> {
  return { default: value, doc, check: { type: "enum", values } };
}

/** The constraint of a field as people read it ("an integer ≥ 1", "one of \"k1\", \"k3\""). */
export function constraintText(check: FieldCheck): string {
  switch (check.type) {
    case "boolean":
      return "true or false";
    case "string":
      return "a string";
    case "enum":
      return `one of ${check.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "numbers": {
      const each = [check.min !== undefined ? (check.exclusiveMin ? `> ${check.min}` : `≥ ${check.min}`) : "", check.max !== undefined ? `≤ ${check.max}` : ""].filter(Boolean).join(" ");
      return `a non-empty list of numbers${each ? ` ${each}` : ""}${check.ascending ? ", ascending" : ""}`;
    }
    case "number": {
      const parts = [check.integer ? "an integer" : "a number", check.min !== undefined ? (check.exclusiveMin ? `> ${check.min}` : `≥ ${check.min}`) : "", check.max !== undefined ? `≤ ${check.max}` : ""];
      return parts.filter(Boolean).join(" ") + (check.nullable ? ", or null (off)" : "") + (check.or?.length ? `, or ${check.or.map((w) => JSON.stringify(w)).join(", ")}` : "");
    }
  }
}

/** The problem with one value, or null. */
export function fieldProblem(path: string, value: unknown, check: FieldCheck): Problem | null {
  const expected = constraintText(check);
  switch (check.type) {
    case "boolean":
      return typeof value === "boolean" ? null : problem(path, "not-a-boolean", `expected true or false, got ${describeValue(value)}`, { expected, got: value });
    case "string":
      return typeof value === "string" ? null : problem(path, "wrong-type", `expected a string, got ${describeValue(value)}`, { expected, got: value });
    case "enum":
      return check.values.includes(value as string) ? null : problem(path, "not-one-of", `expected ${expected}, got ${describeValue(value)}`, { expected, got: value });
    case "numbers": {
      if (!Array.isArray(value) || value.length === 0 || value.some((x) => typeof x !== "number" || !Number.isFinite(x))) return problem(path, "wrong-type", `expected ${expected}, got ${describeValue(value)}`, { expected, got: value });
      const { min, max, exclusiveMin } = check;
      const bad = value.find((x: number) => !((min === undefined || (exclusiveMin ? x > min : x >= min)) && (max === undefined || x <= max)));
      if (bad !== undefined) return problem(path, "out-of-range", `expected ${expected}, got ${describeValue(value)} (${bad})`, { expected, got: value });
      if (check.ascending && value.some((x: number, i: number) => i > 0 && x <= value[i - 1]!)) return problem(path, "out-of-range", `expected ${expected}, got ${describeValue(value)}`, { expected, got: value });
      return null;
    }
    case "number": {
      if (value === null && check.nullable) return null;
      if (typeof value === "string" && check.or?.includes(value)) return null;
      if (typeof value !== "number" || !Number.isFinite(value)) return problem(path, "not-a-number", `expected ${expected}, got ${describeValue(value)}`, { expected, got: value });
      if (check.integer && !Number.isInteger(value)) return problem(path, "not-an-integer", `expected ${expected}, got ${value}`, { expected, got: value });
      const { min, max, exclusiveMin } = check;
      const inRange = (min === undefined || (exclusiveMin ? value > min : value >= min)) && (max === undefined || value <= max);
      return inRange ? null : problem(path, "out-of-range", `expected ${expected}, got ${value}`, { expected, got: value });
    }
  }
}

export type Fields = Readonly<Record<string, Field>>;
/** The configuration a set of fields describes. */
export type ConfigOf<F extends Fields> = { readonly [K in keyof F]: F[K]["default"] };

/**
 * A component's configuration schema: each field declared once, and from
 * the declaration the defaults, the merge of user options, the checks (as
 * {@link Problem}s), the docs table and the printed summary.
 */
export class ConfigSchema<F extends Fields> {
  readonly defaults: ConfigOf<F>;

  constructor(readonly fields: F) {
    this.defaults = Object.freeze(Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.default]))) as ConfigOf<F>;
  }

  /**
   * Options over the defaults (frozen). Unknown keys are kept so that
   * {@link problems} reports them; anything but an options object (or
   * undefined) is a TypeError, never silently the defaults.
   */
  merge(options: Partial<ConfigOf<F>> | undefined = {}): ConfigOf<F> {
    if (options === undefined) return this.defaults;
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new TypeError(`expected an options object ({ ${Object.keys(this.fields).join(", ")} }), got ${describeValue(options)}`);
    }
    return Object.freeze({ ...this.defaults, ...options });
  }

  /** Every problem of `config`, each at `path.field`. */
  problems(config: unknown, path: string): Problem[] {
    if (config === null || typeof config !== "object") return [problem(path, "wrong-type", `expected an options object, got ${describeValue(config)}`, { expected: "an options object", got: config })];
    const out: Problem[] = [];
    const known = Object.keys(this.fields);
    for (const key of Object.keys(config)) {
      if (!known.includes(key)) out.push(problem(`${path}.${key}`, "unknown-option", `unknown option.${didYouMean(key, known)} Known: ${known.join(", ")}`, { expected: known.join(", "), got: key }));
    }
    for (const [key, field] of Object.entries(this.fields)) {
      const p = fieldProblem(`${path}.${key}`, (config as Record<string, unknown>)[key], field.check);
      if (p) out.push(p);
    }
    return out;
  }

  /** The docs table of the fields (Markdown): name, default, unit, constraint, meaning. */
  table(): string {
    const rows = Object.entries(this.fields).map(([k, f]) => `| \`${k}\` | \`${describeValue(f.default)}\` | ${f.unit ?? ""} | ${constraintText(f.check)} | ${f.doc} |`);
    return ["| field | default | unit | allowed | meaning |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
  }

  /** `key=value` for each field whose value differs from its default (or all with `all`). */
  summary(config: ConfigOf<F>, all = false): string {
    return Object.keys(this.fields)
      .filter((k) => all || !Object.is(config[k], this.defaults[k]))
      .map((k) => `${k}=${describeValue(config[k])}`)
      .join(" ");
  }
}

export function schema<F extends Fields>(fields: F): ConfigSchema<F> {
  return new ConfigSchema(fields);
}

/**
 * Problems of a configuration whose fields are `schema`'s plus nested option
 * objects, each with its own schema (`gae: { gamma, lambda }`, `epsilon: { start, end, fraction }`).
 */
export function nestedProblems(config: unknown, path: string, main: ConfigSchema<Fields>, nested: Readonly<Record<string, ConfigSchema<Fields>>>): Problem[] {
  if (config === null || typeof config !== "object") return main.problems(config, path);
  const values = config as Record<string, unknown>;
  const flat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (!(k in nested)) flat[k] = v;
  const p = main.problems(flat, path);
  for (const [k, sub] of Object.entries(nested)) {
    const v = values[k];
    const shape = `{ ${Object.keys(sub.fields).join(", ")} }`;
    if (typeof v !== "object" || v === null) p.push(problem(`${path}.${k}`, "wrong-type", `expected ${shape}, got ${describeValue(v)}`, { expected: shape, got: v }));
    else p.push(...sub.problems(v, `${path}.${k}`));
  }
  return p;
}
