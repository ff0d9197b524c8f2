/**
 * n-digit addition and multiplication.
 *
 * Level = digits of each operand (1 digit: 0–9; n ≥ 2 digits: 10^(n−1) to
 * 10^n − 1, so 2 digits is 10–99). Prompt `"47+38="` (or `"47*38="`);
 * completion: the result in decimal, nothing else — digits only, no sign, no
 * spaces, no leading zeros (`"85"`; `"085"` and `"85 "` have format false).
 * Exact for any level (BigInt arithmetic).
 */
import type { Rng } from "../../random/rng.js";
import { checkCompletion, checkLevel, exactVerdict, itemId, type Task, type TaskItem, type Verdict } from "./task.js";
import { randomNumber } from "./random-text.js";

/** A natural number in decimal with no leading zero (`"0"` itself allowed). */
export const NATURAL = /^(?:0|[1-9][0-9]*)$/;

function binaryTask(id: string, symbol: string, apply: (a: bigint, b: bigint) => bigint, levels: number[], what: string): Task {
  const task: Task = {
    id,
    description: `${what} of two n-digit numbers (level = n): prompt "a${symbol}b=", completion the result in decimal with no leading zeros`,
    levels,
    generate(rng: Rng, level: number): TaskItem {
      checkLevel(task, level);
      const a = randomNumber(rng, level);
      const b = randomNumber(rng, level);
      const prompt = `${a}${symbol}${b}=`;
      const answer = apply(BigInt(a), BigInt(b)).toString();
      return { id: itemId(id, level, prompt), prompt, answer, solution: answer, level };
    },
    verify(completion: string, item: TaskItem): Verdict {
      checkCompletion(completion);
      return exactVerdict(NATURAL.test(completion), completion, item.answer);
    },
  };
  return task;
}

/** n-digit addition, levels 1–10 digits: `"47+38="` → `"85"`. */
export const addition: Task = binaryTask("addition", "+", (a, b) => a + b, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "Sum");

/** n-digit multiplication, levels 1–6 digits: `"12*34="` → `"408"`. */
export const multiplication: Task = binaryTask("multiplication", "*", (a, b) => a * b, [1, 2, 3, 4, 5, 6], "Product");

/**
 * 2-digit addition split by the carry out of the ones column, the hard split
 * of the guidance notebooks: level 0 has no such carry (`"42+35="` →
 * `"77"`), level 1 always has one (`"47+38="` → `"85"`). A policy trained by
 * SFT on level 0 alone almost never adds level 1 right (pass@8 ≈ 0), yet a
 * hint (the first digit of the sum) puts the carry within its reach.
 */
export const carryAddition: Task = (() => {
  const id = "carry-addition";
  const task: Task = {
    id,
    description: 'Sum of two 2-digit numbers; level 0: no carry out of the ones column, level 1: always one. Prompt "47+38=", completion the sum in decimal',
    levels: [0, 1],
    generate(rng: Rng, level: number): TaskItem {
      checkLevel(task, level);
      for (;;) {
        const a = 10 + rng.int(90), b = 10 + rng.int(90);
        if (((a % 10) + (b % 10) >= 10) !== (level === 1)) continue;
        const prompt = `${a}+${b}=`;
        const answer = String(a + b);
        return { id: itemId(id, level, prompt), prompt, answer, solution: answer, level };
      }
    },
    verify(completion: string, item: TaskItem): Verdict {
      checkCompletion(completion);
      return exactVerdict(NATURAL.test(completion), completion, item.answer);
    },
  };
  return task;
})();
