import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../../lib/random/rng.js";
import { countdownReachable, parseCountdownPrompt, solveCountdown, tasks, verifyCountdown, type TaskItem } from "../../../lib/seq/tasks/index.js";

const item97: TaskItem = { id: "countdown/4/reach 97 from 25,4,3,7:", prompt: "reach 97 from 25,4,3,7:", answer: "97", solution: "25*4=100,100-3=97", level: 4, steps: ["25*4=100", "100-3=97"] };

test("countdown: 25*4=100,100-3=97 reaches 97 from 25,4,3,7", () => {
  assert.deepEqual(tasks.countdown.verify("25*4=100,100-3=97", item97), { correct: true, format: true, reward: 1, steps: [true, true] });
  // Operands in either order, and a longer but valid way.
  assert.equal(tasks.countdown.verify("4*25=100,100-3=97", item97).correct, true);
  assert.deepEqual(tasks.countdown.verify("7*3=21,25*4=100,100-21=79,79+7=86", item97).steps, [true, true, true, false]);
});

test("countdown: a given number used twice flags that step", () => {
  const v = tasks.countdown.verify("25*4=100,100-25=75", { ...item97, prompt: "reach 75 from 25,4,3,7:", answer: "75" });
  assert.deepEqual(v, { correct: false, format: true, reward: 0, steps: [true, false] });
  // 3 given once: 3+3 is not allowed; by default (the TV game's rule) a result is consumed too.
  assert.deepEqual(verifyCountdown("3+3=6", [3, 4], 6).steps, [false]);
  assert.deepEqual(verifyCountdown("3+4=7,7+7=14", [3, 4], 14).steps, [true, false]);
  // With reuse, an intermediate result can be used again.
  assert.deepEqual(verifyCountdown("3+4=7,7+7=14", [3, 4], 14, true), { correct: true, format: true, reward: 1, steps: [true, true] });
  assert.deepEqual(tasks.countdownTask({ reuse: true }).verify("25*4=100,100-3=97", item97).steps, [true, true]);
  // A number that is not given at all.
  assert.deepEqual(tasks.countdown.verify("25*5=125,125-28=97", item97).steps, [false, false]);
});

test("countdown: wrong arithmetic, inexact division, negative results and the final target", () => {
  assert.deepEqual(tasks.countdown.verify("25*4=101,101-4=97", item97).steps, [false, false]); // 4 used twice in step 2
  assert.deepEqual(tasks.countdown.verify("25*4=101,101-3=98", item97), { correct: false, format: true, reward: 0, steps: [false, true] });
  assert.deepEqual(verifyCountdown("7/2=3", [7, 2], 3).steps, [false]);
  assert.deepEqual(verifyCountdown("8/0=0", [8, 0], 0).steps, [false]);
  assert.deepEqual(verifyCountdown("3-7=4", [3, 7], 4).steps, [false]);
  assert.deepEqual(verifyCountdown("8/2=4", [8, 2], 4).steps, [true]);
  // Every step right but the target not reached.
  assert.deepEqual(tasks.countdown.verify("25*4=100", item97), { correct: false, format: true, reward: 0, steps: [true] });
});

test("countdown: the format is strict; malformed steps are false and format false", () => {
  for (const bad of ["", "25*4=100, 100-3=97", "25 * 4 = 100,100-3=97", "25×4=100,100-3=97", "25*4=100,100-3=97,", "25*04=100,100-3=97", "25*4=100;100-3=97", "97"]) {
    const v = tasks.countdown.verify(bad, item97);
    assert.equal(v.format, false, JSON.stringify(bad));
    assert.equal(v.correct, false);
  }
  assert.deepEqual(tasks.countdown.verify("25*4=100,100-3", item97).steps, [true, false]);
  assert.throws(() => parseCountdownPrompt("97 from 1,2"), /not a Countdown prompt/);
});

test("countdown solver: shortest solutions, none where there is none", () => {
  assert.deepEqual(solveCountdown([25, 4, 3, 7], 97), ["25*4=100", "100-3=97"]);
  assert.equal(solveCountdown([2, 3], 7), null);
  assert.equal(solveCountdown([2, 3], 36), null); // 2*3=6, 6*6=36 needs reuse and 2 operations
  assert.deepEqual(solveCountdown([2, 3], 36, { maxOps: 2 }), ["3*2=6", "6*6=36"]);
  assert.equal(solveCountdown([2, 3], 36, { reuse: false, maxOps: 2 }), null);
  const reach = countdownReachable([1, 2, 3], { reuse: false });
  assert.equal(reach.get(9)!.length, 2); // (1+2)*3
  assert.equal(reach.get(6)!.length, 1);
  for (const [value, steps] of reach) assert.equal(verifyCountdown(steps.join(","), [1, 2, 3], value, false).correct, true);
});

test("countdown generator: items solvable by their own solution, targets needing ≥ 2 steps", () => {
  const rng = Rng.fromSeed(11);
  for (const level of [3, 4, 5]) {
    for (let k = 0; k < 10; k++) {
      const x = tasks.countdown.generate(rng, level);
      const { numbers, target } = parseCountdownPrompt(x.prompt);
      assert.equal(numbers.length, level);
      assert.ok(target >= 10 && target <= 999 && !numbers.includes(target));
      assert.equal(x.answer, String(target));
      assert.deepEqual(x.steps, x.solution.split(","));
      assert.ok(x.steps!.length >= 2);
      assert.equal(solveCountdown(numbers, target, { maxOps: 1 }), null);
      const v = tasks.countdown.verify(x.solution, x);
      assert.deepEqual(v, { correct: true, format: true, reward: 1, steps: x.steps!.map(() => true) });
    }
  }
});

test("countdown hard: 5 numbers, targets 100–999 no 3 operations reach", () => {
  const rng = Rng.fromSeed(12);
  for (let k = 0; k < 4; k++) {
    const x = tasks.countdownHard.generate(rng, 5);
    const { numbers, target } = parseCountdownPrompt(x.prompt);
    assert.equal(numbers.length, 5);
    assert.ok(target >= 100 && target <= 999);
    assert.equal(x.steps!.length, 4);
    assert.equal(solveCountdown(numbers, target, { maxOps: 3, reuse: false }), null);
    assert.equal(tasks.countdownHard.verify(x.solution, x).correct, true);
  }
  assert.deepEqual(tasks.countdownHard.levels, [5]);
  assert.throws(() => tasks.countdownHard.generate(rng, 4), /level must be one of 5/);
});

test("countdown items carry their solution in other styles (operands of + and × reordered), each accepted and different from the solution", async () => {
  const { countdown, countdownHard, countdownStyle } = await import("../../../lib/seq/tasks/countdown.js");
  const rng = Rng.fromSeed(11);
  let styled = 0;
  for (let i = 0; i < 40; i++) {
    const item = (i % 4 === 0 ? countdownHard : countdown).generate(rng, i % 4 === 0 ? 5 : 3 + (i % 3));
    for (const s of item.solutions ?? []) {
      styled++;
      assert.notEqual(s, item.solution);
      assert.equal((i % 4 === 0 ? countdownHard : countdown).verify(s, item).correct, true, `${item.prompt} ${s}`);
    }
  }
  assert.ok(styled > 10, `${styled} styled solutions`);
  assert.equal(countdownStyle(["25*4=100", "100-3=97", "2+9=11"], "smaller"), "4*25=100,100-3=97,2+9=11");
  assert.equal(countdownStyle(["4*25=100", "100/4=25"], "larger"), "25*4=100,100/4=25");
});
