import assert from "node:assert/strict";
import { RunConfigError } from "../../lib/run/builder.js";

/** The problems `f` throws as a RunConfigError, one "path code" line each (with `: message` when `messages`); fails when it throws nothing or something else. */
export function configProblems(f: () => unknown, messages = false): string[] {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof RunConfigError, String(e));
    return e.problems.map((p) => `${p.path} ${p.code}${messages ? `: ${p.message}` : ""}`);
  }
  assert.fail("expected a RunConfigError");
}
