/**
 * Verifiable sequence tasks for GRPO-style training: the single entry point
 * of `lib/seq/tasks/`.
 *
 * Shape: each built-in is a {@link Task} object in the `tasks` namespace;
 * difficulty is not baked in but chosen per draw, as the level argument of
 * `generate` or the `level(s)` option of `taskSplit`:
 *
 * ```ts
 * import { tasks, taskSplit, rewards, correctness, format } from "./seq/tasks/index.js";
 * const item = tasks.addition.generate(Rng.fromSeed(1), 2);  // { prompt: "47+38=", answer: "85", … }
 * tasks.addition.verify("85", item);                          // { correct: true, format: true, reward: 1 }
 * const { train, test } = taskSplit(tasks.countdown, { seed: 0, levels: [3, 4], train: 1000, test: 100 });
 * const reward = rewards(tasks.countdown, [{ fn: correctness, weight: 1 }, { fn: format, weight: 0.1 }]);
 * ```
 *
 * Built-ins (level meaning; prompt → completion):
 * - `tasks.addition` (digits 1–10; `"47+38="` → `"85"`), `tasks.multiplication` (digits 1–6; `"12*34="` → `"408"`)
 * - `tasks.carryAddition` (level 0: 2-digit sums without a carry out of the ones, 1: with one; the guidance notebooks' hard split)
 * - `tasks.reversal` (length 2–12; `"reverse:abc="` → `"cba"`)
 * - `tasks.sortDigits`, `tasks.sortLetters` (length 2–12; `"sort:3142="` → `"1234"`)
 * - `tasks.countChar` (length; `"count b:abbcab="` → `"3"`), `tasks.parity` (bits; `"parity:10110="` → `"1"`)
 * - `tasks.chainSum` (numbers 3–6; `"3+4+5="` → `"3+4=7,7+5=12"`, each step judged)
 * - `tasks.thinkOrNot` (level 0: `"3+4="`, 1: `"3+4+5+1="`; `"d13"` directly or `"t3+4=7,7+5=12,12+1=13;13"` after thinking), `tasks.thinkOrNotTask({ easy, hard })` for other counts of numbers
 * - `tasks.countdown` (numbers 3–5; `"reach 97 from 25,4,3,7:"` → `"25*4=100,100-3=97"`),
 *   `tasks.countdownHard` (5 numbers, ≥ 4 operations), `tasks.countdownTask({ reuse, hard })` for the variants.
 * `tasks.all` lists the built-in task objects.
 *
 * Custom tasks: `defineTask({ id, levels, generate, verify })`, `taskFromRows(rows)`,
 * `taskFromJsonl(text)`, `taskFromTable(arrowTable)`, `await openTaskTable(path)`.
 */
import { addition, carryAddition, multiplication } from "./arithmetic.js";
import { countChar, parity } from "./counting.js";
import { chainSum } from "./chain-sum.js";
import { thinkOrNot, thinkOrNotTask } from "./think-or-not.js";
import { countdown, countdownHard, countdownTask } from "./countdown.js";
import { reversal } from "./reversal.js";
import { sortDigits, sortLetters } from "./sorting.js";
import type { Task } from "./task.js";

export type { Task, TaskItem, Verdict } from "./task.js";
export { itemId } from "./task.js";
export { taskSplit, type TaskSplit, type TaskSplitOptions } from "./split.js";
export { rewards, correctness, format, stepAccuracy, type RewardTerm, type RewardSpec, type RewardResult, type RewardFunction } from "./rewards.js";
export { defineTask, type TaskDefinition, type TaskItemInput } from "./define.js";
export { taskFromRows, taskFromJsonl, type TaskRow, type RowTaskOptions } from "./rows.js";
export { taskFromTable, openTaskTable } from "./table.js";
export { countdownTask, verifyCountdown, parseCountdownPrompt, countdownPrompt, type CountdownOptions } from "./countdown.js";
export { completionMode, verifyThinkOrNot, thinkOrNotAnswer, type ThinkOrNotOptions } from "./think-or-not.js";
export { solveCountdown, countdownReachable, type CountdownStep, type SolveOptions } from "./countdown-solver.js";

/** The built-in tasks (see the module doc). */
export const tasks = {
  addition,
  carryAddition,
  multiplication,
  reversal,
  sortDigits,
  sortLetters,
  countChar,
  parity,
  countdown,
  countdownHard,
  countdownTask,
  chainSum,
  thinkOrNot,
  thinkOrNotTask,
  /** Every built-in task object. */
  all: [addition, carryAddition, multiplication, reversal, sortDigits, sortLetters, countChar, parity, countdown, countdownHard, chainSum, thinkOrNot] as readonly Task[],
} as const;
