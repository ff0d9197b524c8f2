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
