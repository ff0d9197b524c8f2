// Float comparisons the token-policy tests share: a float32 build against the float64 reference.
import assert from "node:assert/strict";

/** Every element within abs + rel·|expected| of the expected one. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    assert.ok(Math.abs(a - e) <= abs + rel * Math.abs(e), `${what}[${i}]: ${a} vs reference ${e}`);
  }
}

/** Logits: rel 1e-4 plus abs 1e-5 of the largest |logit| (float32 rounding scales with the logits, up to ~10 in O(1)-weight models). */
export function assertLogitsClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  assertClose(actual, expected, 1e-4, 1e-5 * scale, what);
}
