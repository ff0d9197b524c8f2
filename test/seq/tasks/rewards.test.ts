import assert from "node:assert/strict";
import { test } from "node:test";
import { correctness, format, rewards, stepAccuracy, tasks, type TaskItem } from "../../../lib/seq/tasks/index.js";

const add: TaskItem = { id: "addition/2/47+38=", prompt: "47+38=", answer: "85", solution: "85", level: 2 };
const cd: TaskItem = { id: "countdown/4/reach 97 from 25,4,3,7:", prompt: "reach 97 from 25,4,3,7:", answer: "97", solution: "25*4=100,100-3=97", level: 4 };

test("rewards: weighted sum of correctness and format, components unweighted", () => {
  const r = rewards(tasks.addition, [{ fn: correctness, weight: 1 }, { fn: format, weight: 0.1 }]);
  const right = r("85", add);
  assert.deepEqual(right.components, { correctness: 1, format: 1 });
  assert.ok(Math.abs(right.reward - 1.1) < 1e-12);
  assert.equal(right.verdict.correct, true);
  assert.deepEqual(r("84", add), { reward: 0.1, components: { correctness: 0, format: 1 }, verdict: { correct: false, format: true, reward: 0 } });
  assert.deepEqual(r("85 ", add).components, { correctness: 0, format: 0 });
  assert.equal(r("85 ", add).reward, 0);
  // Negative weights penalize.
  const penalty = rewards(tasks.addition, [{ fn: format, weight: -0.5, name: "badFormat" }]);
  assert.deepEqual(penalty("x", add).components, { badFormat: 0 });
  assert.equal(penalty("85", add).reward, -0.5);
});

test("stepAccuracy: the fraction of correct steps; correctness for tasks without steps", () => {
  const r = rewards(tasks.countdown, [{ fn: correctness, weight: 1 }, { fn: stepAccuracy, weight: 0.5 }]);
  assert.deepEqual(r("25*4=100,100-3=97", cd).components, { correctness: 1, stepAccuracy: 1 });
  const half = r("25*4=100,100-25=75", cd);
  assert.deepEqual(half.components, { correctness: 0, stepAccuracy: 0.5 });
  assert.equal(half.reward, 0.25);
  assert.equal(r("", cd).components.stepAccuracy, 0);
  const a = rewards(tasks.addition, [{ fn: stepAccuracy, weight: 1 }]);
  assert.equal(a("85", add).reward, 1);
  assert.equal(a("86", add).reward, 0);
});

test("rewards: custom terms, and bad specs are refused naming the field", () => {
  const lengthPenalty = (_v: unknown, completion: string) => -completion.length;
  const r = rewards(tasks.addition, [{ fn: correctness, weight: 1 }, { fn: lengthPenalty, weight: 0.01 }]);
  assert.deepEqual(r("85", add).components, { correctness: 1, lengthPenalty: -2 });
  assert.throws(() => rewards(tasks.addition, []), /specs must be a non-empty array/);
  assert.throws(() => rewards(tasks.addition, [{ fn: correctness, weight: Number.NaN }]), /specs\[0\]\.weight must be a finite number, got NaN/);
  assert.throws(() => rewards(tasks.addition, [{ fn: "correctness" as never, weight: 1 }]), /specs\[0\]\.fn must be a function/);
  assert.throws(() => rewards(tasks.addition, [{ fn: correctness, weight: 1 }, { fn: correctness, weight: 2 }]), /two terms are named "correctness"/);
  assert.throws(() => rewards(tasks.addition, [{ fn: (() => () => 1)(), weight: 1 }]), /needs a name/);
  assert.throws(() => rewards({} as never, [{ fn: correctness, weight: 1 }]), /must be a task/);
  const broken = rewards(tasks.addition, [{ fn: () => Number.NaN, weight: 1, name: "broken" }]);
  assert.throws(() => broken("85", add), /term broken returned NaN/);
});
