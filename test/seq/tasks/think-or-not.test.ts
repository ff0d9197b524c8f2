import assert from "node:assert/strict";
import { test } from "node:test";
import { tasks } from "../../../lib/seq/tasks/index.js";
import { completionMode, thinkOrNotAnswer } from "../../../lib/seq/tasks/think-or-not.js";
import { Rng } from "../../../lib/random/rng.js";

const item = (prompt: string, answer: string, level = 1) => ({ id: "x", prompt, answer, solution: "", level });

test("thinkOrNot: easy items add two numbers, hard ones four; both reference forms verify", () => {
  const rng = Rng.fromSeed(3);
  for (const level of [0, 1]) {
    for (let i = 0; i < 20; i++) {
      const it = tasks.thinkOrNot.generate(rng, level);
      const numbers = it.prompt.slice(0, -1).split("+").map(Number);
      assert.equal(numbers.length, level === 0 ? 2 : 4);
      assert.equal(it.answer, String(numbers.reduce((a, b) => a + b, 0)));
      assert.equal(it.solution, `t${it.steps!.join(",")};${it.answer}`);
      assert.deepEqual(it.solutions, [`d${it.answer}`]);
      assert.deepEqual(tasks.thinkOrNot.verify(it.solution, it), { correct: true, format: true, reward: 1, steps: it.steps!.map(() => true) });
      assert.deepEqual(tasks.thinkOrNot.verify(it.solutions![0]!, it), { correct: true, format: true, reward: 1, steps: [] });
    }
  }
  assert.equal(tasks.thinkOrNot.generate(Rng.fromSeed(1), 0).solution.split(",").length, 1);
  assert.ok(tasks.all.includes(tasks.thinkOrNot));
});

test("thinkOrNot judges the final answer; the steps are a scratchpad judged only for their shape", () => {
  const hard = item("3+4+5+1=", "13");
  assert.equal(tasks.thinkOrNot.verify("t3+4=7,7+5=12,12+1=13;13", hard).correct, true);
  assert.deepEqual(tasks.thinkOrNot.verify("t3+4=8,8+5=13;13", hard), { correct: true, format: true, reward: 1, steps: [false, true] }, "wrong or missing steps do not matter");
  assert.deepEqual(tasks.thinkOrNot.verify("t3+4=7,7+5=12,12+1=13;14", hard), { correct: false, format: true, reward: 0, steps: [true, true, true] });
  assert.deepEqual(tasks.thinkOrNot.verify("d14", hard), { correct: false, format: true, reward: 0, steps: [] });
  assert.equal(tasks.thinkOrNot.verify("d13", hard).correct, true);
  for (const bad of ["13", "", "t", "d", "t;13", "t3+4=7;", "t3+4=7;13;13", "t3+4=7,;13", "t3+4;13", "d013", "d1 3", "x13", "T3+4=7;13", "d13;", "dd13", "t3+4=07;13"]) {
    const v = tasks.thinkOrNot.verify(bad, hard);
    assert.equal(v.format, false, bad);
    assert.equal(v.correct, false, bad);
  }
  assert.throws(() => tasks.thinkOrNot.verify(13 as unknown as string, hard), /must be a string/);
  assert.throws(() => tasks.thinkOrNot.verify("d13", item("reverse:ab=", "ba")), /not a chain-sum prompt/);
  assert.throws(() => tasks.thinkOrNot.generate(Rng.fromSeed(0), 2), /level must be one of 0, 1/);
});

test("completionMode reads the mode from the first character", () => {
  assert.equal(completionMode("t3+4=7;7"), "think");
  assert.equal(completionMode("t"), "think");
  assert.equal(completionMode("d7"), "no_think");
  assert.equal(completionMode("7"), null);
  assert.equal(completionMode(""), null);
  assert.equal(thinkOrNotAnswer("t1+2=3;3"), "3");
  assert.equal(thinkOrNotAnswer("d0"), "0");
  assert.equal(thinkOrNotAnswer("d"), null);
  assert.throws(() => completionMode(null as unknown as string), /must be a string/);
});
