import assert from "node:assert/strict";
import { test } from "node:test";
import { tasks } from "../../../lib/seq/tasks/index.js";
import { Rng } from "../../../lib/random/rng.js";

const item = (prompt: string) => ({ id: "x", prompt, answer: "", solution: "", level: 3 });

test("chainSum: the reference steps add left to right and verify", () => {
  const rng = Rng.fromSeed(1);
  for (const level of tasks.chainSum.levels) {
    const it = tasks.chainSum.generate(rng, level);
    assert.equal(it.steps!.length, level - 1);
    const v = tasks.chainSum.verify(it.solution, it);
    assert.deepEqual(v, { correct: true, format: true, reward: 1, steps: new Array(level - 1).fill(true) });
  }
});

test("chainSum judges each step against the running total it wrote: a wrong sum is one bad step", () => {
  // 3+4=8 is wrong; 8+5=13 is right given the written total 8; the answer is wrong
  assert.deepEqual(tasks.chainSum.verify("3+4=8,8+5=13", item("3+4+5=")), { correct: false, format: true, reward: 0, steps: [false, true] });
  // right operand not the prompt's next number
  assert.deepEqual(tasks.chainSum.verify("3+5=8,8+4=12", item("3+4+5=")).steps, [false, false]);
  // too few and too many steps
  assert.equal(tasks.chainSum.verify("3+4=7", item("3+4+5=")).correct, false);
  assert.deepEqual(tasks.chainSum.verify("3+4=7,7+5=12,12+1=13", item("3+4+5=")).steps, [true, true, false]);
  // malformed: format false, the step false
  assert.deepEqual(tasks.chainSum.verify("3+4=7,x", item("3+4+5=")), { correct: false, format: false, reward: 0, steps: [true, false] });
  assert.deepEqual(tasks.chainSum.verify("", item("3+4+5=")), { correct: false, format: false, reward: 0, steps: [] });
  assert.throws(() => tasks.chainSum.verify("1", item("3+x=")), /not a chain-sum prompt/);
});
