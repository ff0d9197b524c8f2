import assert from "node:assert/strict";
import { test } from "node:test";
import { tasks } from "../../../lib/seq/tasks/index.js";
import { Rng } from "../../../lib/random/rng.js";

test("carryAddition: level 0 never carries out of the ones, level 1 always does; the solution is the sum", () => {
  const rng = Rng.fromSeed(3);
  for (const level of [0, 1]) {
    for (let i = 0; i < 200; i++) {
      const item = tasks.carryAddition.generate(rng, level);
      const m = /^(\d\d)\+(\d\d)=$/.exec(item.prompt)!;
      const [a, b] = [Number(m[1]), Number(m[2])];
      assert.equal((a % 10) + (b % 10) >= 10, level === 1, item.prompt);
      assert.equal(item.answer, String(a + b));
      assert.equal(tasks.carryAddition.verify(item.solution, item).correct, true);
    }
  }
  assert.equal(tasks.carryAddition.verify("085", { id: "x", prompt: "47+38=", answer: "85", solution: "85", level: 1 }).format, false);
  assert.throws(() => tasks.carryAddition.generate(rng, 2), /level must be one of 0, 1/);
});
