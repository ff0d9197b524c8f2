import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { taskFromRows, taskSplit, tasks } from "../../../lib/seq/tasks/index.js";

test("taskSplit: disjoint by prompt, no repeats, reproducible for a seed (property)", () => {
  const choices = [tasks.addition, tasks.reversal, tasks.sortDigits, tasks.parity, tasks.countChar];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.constantFrom(...choices),
      fc.nat(),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 0, max: 20 }),
      (seed, task, pick, train, test) => {
        // Levels with room for 60 distinct prompts.
        const levels = task.levels.filter((l) => l >= (task === tasks.addition ? 2 : task === tasks.parity ? 8 : 4));
        const level = levels[pick % levels.length]!;
        const a = taskSplit(task, { seed, level, train, test });
        const b = taskSplit(task, { seed, level, train, test });
        assert.deepEqual(a, b);
        assert.equal(a.train.length, train);
        assert.equal(a.test.length, test);
        const testPrompts = new Set(a.test.map((x) => x.prompt));
        const trainPrompts = new Set(a.train.map((x) => x.prompt));
        assert.equal(testPrompts.size, test);
        assert.equal(trainPrompts.size, train);
        for (const p of trainPrompts) assert.ok(!testPrompts.has(p), `${p} in both`);
        for (const x of [...a.train, ...a.test]) assert.equal(x.level, level);
      },
    ),
    { numRuns: 60 },
  );
});

test("taskSplit: the test part does not depend on train's size; seeds differ; levels mix", () => {
  const a = taskSplit(tasks.addition, { seed: 1, levels: [2, 3], train: 10, test: 5 });
  const b = taskSplit(tasks.addition, { seed: 1, levels: [2, 3], train: 50, test: 5 });
  assert.deepEqual(a.test, b.test);
  const c = taskSplit(tasks.addition, { seed: 2, levels: [2, 3], train: 10, test: 5 });
  assert.notDeepEqual(a.test, c.test);
  assert.deepEqual(new Set(b.train.map((x) => x.level)), new Set([2, 3]));
  // Default: all levels.
  const all = taskSplit(tasks.parity, { seed: 3, train: 40, test: 0 });
  assert.ok(new Set(all.train.map((x) => x.level)).size > 3);
});

test("taskSplit: a level too small for the ask is an error that says so", () => {
  // 2 bits: 4 prompts.
  assert.throws(() => taskSplit(tasks.parity, { seed: 0, level: 2, train: 3, test: 2 }), /task parity at level\(s\) 2 gave only 4 distinct prompts/);
  const ok = taskSplit(tasks.parity, { seed: 0, level: 2, train: 2, test: 2 });
  assert.equal(new Set([...ok.train, ...ok.test].map((x) => x.prompt)).size, 4);
  assert.throws(() => taskSplit(tasks.addition, { seed: 0, level: 99, train: 1, test: 1 }), /level must be one of/);
  assert.throws(() => taskSplit(tasks.addition, { seed: 0, train: -1, test: 1 }), /train must be a non-negative integer/);
  assert.throws(() => taskSplit(tasks.addition, { seed: 0, train: 1, test: 1.5 }), /test must be a non-negative integer/);
  assert.throws(() => taskSplit(tasks.addition, { seed: 0.5, train: 1, test: 1 }), /seed/);
});

test("taskSplit: a table task is split exactly (shuffled rows, cut)", () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ prompt: `q${i}`, answer: `a${i}`, level: i < 6 ? 1 : 2 }));
  const task = taskFromRows(rows);
  const s = taskSplit(task, { seed: 9, level: 1, train: 4, test: 2 });
  assert.deepEqual(new Set([...s.train, ...s.test].map((x) => x.prompt)), new Set(["q0", "q1", "q2", "q3", "q4", "q5"]));
  assert.deepEqual(taskSplit(task, { seed: 9, level: 1, train: 4, test: 2 }), s);
  assert.throws(() => taskSplit(task, { seed: 9, level: 2, train: 4, test: 1 }), /has 4 distinct prompts at level\(s\) 2, fewer than train \+ test = 5/);
});
