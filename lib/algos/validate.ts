import { didYouMean } from "../envs/suggest.js";

/** Appends a problem for every key of `config` that `defaults` does not have (a typo would otherwise be ignored). */
export function checkKnownKeys(problems: string[], path: string, config: object, defaults: object): void {
  const known = Object.keys(defaults);
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) problems.push(`${path}.${key}: unknown option.${didYouMean(key, known)} Known: ${known.join(", ")}`);
  }
}

/** Appends a problem unless `value` is a boolean. */
export function checkBoolean(problems: string[], path: string, value: unknown): void {
  if (typeof value !== "boolean") problems.push(`${path}: expected true or false, got ${JSON.stringify(value)}`);
}

/** Appends a problem to `problems` unless `value` is a number within the bounds. */
export function checkNumber(
  problems: string[],
  path: string,
  value: unknown,
  bounds: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean } = {},
): void {
  const { min, max, exclusiveMin, integer } = bounds;
  const want = [
    integer ? "an integer" : "a number",
    min !== undefined ? (exclusiveMin ? `> ${min}` : `≥ ${min}`) : "",
    max !== undefined ? `≤ ${max}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  if (typeof value !== "number" || !Number.isFinite(value)) {
    problems.push(`${path}: expected ${want}, got ${JSON.stringify(value)}`);
    return;
  }
  const ok =
    (!integer || Number.isInteger(value)) &&
    (min === undefined || (exclusiveMin ? value > min : value >= min)) &&
    (max === undefined || value <= max);
  if (!ok) problems.push(`${path}: expected ${want}, got ${value}`);
}
