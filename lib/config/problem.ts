/**
 * One thing wrong with a configuration, as data: where (`path`, e.g.
 * `algo.loss[0].clip`), what kind of problem (`code`, stable: tests and
 * tools compare codes), what was expected and what was found, and a message
 * for people. `build()` collects every problem of a run before it throws.
 */
export interface Problem {
  readonly path: string;
  readonly code: ProblemCode;
  readonly expected?: string;
  readonly got?: string;
  readonly message: string;
}

/** The kinds of problems. */
export type ProblemCode =
  /** A key the component does not have (a typo would otherwise be ignored). */
  | "unknown-option"
  /** Not a finite number where one is needed. */
  | "not-a-number"
  /** A number outside its range. */
  | "out-of-range"
  /** A fractional number where an integer is needed. */
  | "not-an-integer"
  /** Not true or false. */
  | "not-a-boolean"
  /** Not one of the allowed values. */
  | "not-one-of"
  /** A value of the wrong shape (not an object, not a component, …). */
  | "wrong-type"
  /** Values that are fine alone but not together (a rollout that does not split into minibatches, …). */
  | "incompatible"
  /** The env, policy or dataset does not fit the algorithm. */
  | "unsupported"
  /** Something required is absent. */
  | "missing";

/** Makes a problem; `expected` and `got` are added to the message when given. */
export function problem(path: string, code: ProblemCode, message: string, detail: { expected?: string; got?: unknown } = {}): Problem {
  const got = detail.got === undefined ? undefined : typeof detail.got === "string" ? detail.got : describeValue(detail.got);
  return Object.freeze({ path, code, ...(detail.expected !== undefined ? { expected: detail.expected } : {}), ...(got !== undefined ? { got } : {}), message });
}

/** A value as a problem shows it: JSON where it has one. */
export function describeValue(value: unknown): string {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The one-line text of a problem, as `build()`'s error lists it: `path: message`. */
export function problemText(p: Problem): string {
  return `${p.path}: ${p.message}`;
}

/**
 * A problem from a `path: message` line, for the checks that still write
 * text (the off-policy and offline algorithms). The code says what kind.
 */
export function problemFromText(text: string, code: ProblemCode = "unsupported"): Problem {
  const at = text.indexOf(": ");
  return at > 0 && !text.slice(0, at).includes(" ") ? problem(text.slice(0, at), code, text.slice(at + 2)) : problem("", code, text);
}

/** A problem written as one `path: message` line, with its code (the form the older checks are written in). */
export function problemLine(code: ProblemCode, text: string): Problem {
  return problemFromText(text, code);
}
