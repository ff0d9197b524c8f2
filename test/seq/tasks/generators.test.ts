import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Rng } from "../../../lib/random/rng.js";
import { tasks } from "../../../lib/seq/tasks/index.js";

// Countdown at 5 numbers costs a few ms an item and the hard split ~20 ms: fewer runs for those.
const cheap = tasks.all.filter((t) => !t.id.startsWith("countdown"));

test("every built-in accepts its own solution, at every level, for any seed", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.nat(), (seed, pick) => {
      const rng = Rng.fromSeed(seed);
      for (const task of cheap) {
        const level = task.levels[pick % task.levels.length]!;
        const item = task.generate(rng, level);
        const { steps, ...v } = task.verify(item.solution, item);
        assert.deepEqual(v, { correct: true, format: true, reward: 1 }, `${task.id} ${item.prompt} ${item.solution}`);
        // a multi-step task's solution is its steps, each judged right; a one-step task's solution is the answer
        if (item.steps) assert.deepEqual(steps, item.steps.map(() => true));
        else assert.equal(item.solution, item.answer);
        assert.equal(item.level, level);
        assert.equal(item.id, `${task.id}/${level}/${item.prompt}`);
      }
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(3, 4, 5), (seed, level) => {
      const item = tasks.countdown.generate(Rng.fromSeed(seed), level);
      const v = tasks.countdown.verify(item.solution, item);
      assert.equal(v.correct, true, `${item.prompt} ${item.solution}`);
      assert.deepEqual(v.steps, item.steps!.map(() => true));
    }),
    { numRuns: 40 },
  );
});

test("generation is deterministic for a seed and varies across seeds", () => {
  for (const task of tasks.all) {
    const level = task.levels[task.levels.length - 1]!;
    const a = task.generate(Rng.fromSeed(42), level);
    const b = task.generate(Rng.fromSeed(42), level);
    assert.deepEqual(a, b, task.id);
  }
  const prompts = new Set(Array.from({ length: 20 }, (_, s) => tasks.addition.generate(Rng.fromSeed(s), 4).prompt));
  assert.ok(prompts.size >= 19);
});
