import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { linearSchedule } from "../../lib/algos/schedule.js";

describe("linearSchedule (CleanRL's linear_schedule)", () => {
  test("goes linearly from start to end over duration, then stays", () => {
    // slope = (0.05 − 1)/100 = −0.0095: t = 50 → 1 − 0.475 = 0.525
    assert.equal(linearSchedule(1, 0.05, 100, 0), 1);
    assert.ok(Math.abs(linearSchedule(1, 0.05, 100, 50) - 0.525) < 1e-12);
    assert.ok(Math.abs(linearSchedule(1, 0.05, 100, 100) - 0.05) < 1e-12);
    assert.ok(Math.abs(linearSchedule(1, 0.05, 100, 1e6) - 0.05) < 1e-12);
  });

  test("a zero duration gives the end value", () => {
    assert.equal(linearSchedule(1, 0.1, 0, 0), 0.1);
  });
});
