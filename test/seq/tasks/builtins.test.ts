import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng } from "../../../lib/random/rng.js";
import { tasks, type Task, type TaskItem } from "../../../lib/seq/tasks/index.js";

function item(task: Task, prompt: string, answer: string, level: number): TaskItem {
  return { id: `${task.id}/${level}/${prompt}`, prompt, answer, solution: answer, level };
}

describe("addition", () => {
  const it = item(tasks.addition, "47+38=", "85", 2);
  test("a hand-worked sum is correct; near misses are judged strictly", () => {
    assert.deepEqual(tasks.addition.verify("85", it), { correct: true, format: true, reward: 1 });
    assert.deepEqual(tasks.addition.verify("84", it), { correct: false, format: true, reward: 0 });
    for (const bad of ["085", "85 ", " 85", "+85", "8 5", "", "85\n", "85.0", "eighty-five"]) {
      assert.deepEqual(tasks.addition.verify(bad, it), { correct: false, format: false, reward: 0 }, JSON.stringify(bad));
    }
    assert.equal(tasks.addition.verify("0", item(tasks.addition, "0+0=", "0", 1)).correct, true);
  });
  test("level n draws n-digit operands (2 digits: 10–99) and the answer is their sum", () => {
    const rng = Rng.fromSeed(7);
    for (const level of [1, 2, 3, 10]) {
      for (let k = 0; k < 50; k++) {
        const x = tasks.addition.generate(rng, level);
        const m = /^(\d+)\+(\d+)=$/.exec(x.prompt)!;
        assert.ok(m, x.prompt);
        for (const operand of [m[1]!, m[2]!]) {
          assert.equal(operand.length, level);
          if (level > 1) assert.notEqual(operand[0], "0");
        }
        assert.equal(x.answer, (BigInt(m[1]!) + BigInt(m[2]!)).toString());
        assert.equal(x.level, level);
        assert.equal(x.id, `addition/${level}/${x.prompt}`);
      }
    }
  });
  test("an unknown level is refused with the levels named", () => {
    assert.throws(() => tasks.addition.generate(Rng.fromSeed(1), 0), /task addition: level must be one of 1, 2, .*got 0/);
    assert.throws(() => tasks.addition.generate(Rng.fromSeed(1), "2" as unknown as number), /got "2"/);
  });
});

test("multiplication: 47*38 = 1786, exact beyond 2^53 at 6 digits", () => {
  const it = item(tasks.multiplication, "47*38=", "1786", 2);
  assert.equal(tasks.multiplication.verify("1786", it).correct, true);
  assert.equal(tasks.multiplication.verify("1787", it).format, true);
  assert.equal(tasks.multiplication.verify("01786", it).format, false);
  const rng = Rng.fromSeed(3);
  for (let k = 0; k < 30; k++) {
    const x = tasks.multiplication.generate(rng, 6);
    const [a, b] = x.prompt.slice(0, -1).split("*");
    assert.equal(x.answer, (BigInt(a!) * BigInt(b!)).toString());
    assert.match(x.prompt, /^[1-9]\d{5}\*[1-9]\d{5}=$/);
  }
});

test("reversal: abcde → edcba; anything but a–z is a format error", () => {
  const it = item(tasks.reversal, "reverse:abcde=", "edcba", 5);
  assert.equal(tasks.reversal.verify("edcba", it).correct, true);
  assert.deepEqual(tasks.reversal.verify("abcde", it), { correct: false, format: true, reward: 0 });
  for (const bad of ["edcba ", "EDCBA", "", "edc-ba"]) assert.equal(tasks.reversal.verify(bad, it).format, false, bad);
  const x = tasks.reversal.generate(Rng.fromSeed(1), 8);
  const text = /^reverse:([a-z]{8})=$/.exec(x.prompt)![1]!;
  assert.equal(x.answer, text.split("").reverse().join(""));
});

test("sorting: digits and letters ascending, duplicates kept", () => {
  const d = item(tasks.sortDigits, "sort:3142=", "1234", 4);
  assert.equal(tasks.sortDigits.verify("1234", d).correct, true);
  assert.deepEqual(tasks.sortDigits.verify("4321", d), { correct: false, format: true, reward: 0 });
  assert.equal(tasks.sortDigits.verify("1,2,3,4", d).format, false);
  assert.equal(tasks.sortDigits.verify("abcd", d).format, false);
  const l = item(tasks.sortLetters, "sort:dbca=", "abcd", 4);
  assert.equal(tasks.sortLetters.verify("abcd", l).correct, true);
  assert.equal(tasks.sortLetters.verify("1234", l).format, false);
  const rng = Rng.fromSeed(5);
  const x = tasks.sortDigits.generate(rng, 12);
  const digits = /^sort:(\d{12})=$/.exec(x.prompt)![1]!;
  assert.equal(x.answer, [...digits].sort().join(""));
  assert.equal(x.answer.length, 12);
  const y = tasks.sortLetters.generate(rng, 6);
  assert.match(y.prompt, /^sort:[a-z]{6}=$/);
});

test("counting: count of a letter and parity of 1s", () => {
  const c = item(tasks.countChar, "count b:abbcab=", "3", 6);
  assert.equal(tasks.countChar.verify("3", c).correct, true);
  assert.deepEqual(tasks.countChar.verify("2", c), { correct: false, format: true, reward: 0 });
  for (const bad of ["03", "3 ", "three", ""]) assert.equal(tasks.countChar.verify(bad, c).format, false, bad);
  const x = tasks.countChar.generate(Rng.fromSeed(2), 12);
  const [, letter, text] = /^count ([a-d]):([a-d]{12})=$/.exec(x.prompt)!;
  assert.equal(x.answer, String(text!.split("").filter((ch) => ch === letter).length));

  const p = item(tasks.parity, "parity:10110=", "1", 5);
  assert.equal(tasks.parity.verify("1", p).correct, true);
  assert.deepEqual(tasks.parity.verify("0", p), { correct: false, format: true, reward: 0 });
  for (const bad of ["odd", "1 ", "01", "2", ""]) assert.equal(tasks.parity.verify(bad, p).format, false, bad);
  assert.equal(tasks.parity.verify("0", item(tasks.parity, "parity:1001=", "0", 4)).correct, true);
  const y = tasks.parity.generate(Rng.fromSeed(2), 16);
  const bits = /^parity:([01]{16})=$/.exec(y.prompt)![1]!;
  assert.equal(y.answer, String(bits.split("").filter((b) => b === "1").length % 2));
});

test("a completion that is not a string is refused by every verifier", () => {
  for (const t of tasks.all) {
    const x = t.generate(Rng.fromSeed(0), t.levels[0]!);
    assert.throws(() => t.verify(85 as unknown as string, x), /the completion must be a string \(decoded text\), got 85/, t.id);
  }
});

test("every built-in has an id, a description and ascending levels", () => {
  const ids = new Set<string>();
  for (const t of tasks.all) {
    assert.ok(t.id && !ids.has(t.id), t.id);
    ids.add(t.id);
    assert.ok(t.description.length > 10, t.id);
    assert.ok(t.levels.length > 0 && t.levels.every((l, i) => i === 0 || l > t.levels[i - 1]!), t.id);
  }
});
