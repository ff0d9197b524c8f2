import { didYouMean } from "../envs/suggest.js";
import { fieldProblem } from "../config/fields.js";
import { problem, type Problem } from "../config/problem.js";

/** Appends a problem for every key of `config` that `defaults` does not have (a typo would otherwise be ignored). */
export function checkKnownKeys(problems: Problem[], path: string, config: object, defaults: object): void {
  const known = Object.keys(defaults);
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) problems.push(problem(`${path}.${key}`, "unknown-option", `unknown option.${didYouMean(key, known)} Known: ${known.join(", ")}`, { expected: known.join(", "), got: key }));
  }
}

/** Appends a problem unless `value` is a boolean. */
export function checkBoolean(problems: Problem[], path: string, value: unknown): void {
  const p = fieldProblem(path, value, { type: "boolean" });
  if (p) problems.push(p);
}

/** Appends a problem to `problems` unless `value` is a number within the bounds. */
export function checkNumber(problems: Problem[], path: string, value: unknown, bounds: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean } = {}): void {
  const p = fieldProblem(path, value, { type: "number", ...bounds });
  if (p) problems.push(p);
}
