/**
 * Think or not: a mix of easy and hard sums where a scratchpad ("thinking")
 * helps only on the hard ones and always costs tokens, the task of the
 * hybrid-thinking notebook (HGPO, arXiv 2505.14631).
 *
 * Level 0 (easy): two one-digit numbers, `"3+4="`. Level 1 (hard): four,
 * `"3+4+5+1="`. A completion starts with its mode character:
 * - think: `"t"`, the chain steps (comma separated, `total+next=sum`), `";"`,
 *   the answer: `"t3+4=7,7+5=12,12+1=13;13"` (easy: `"t3+4=7;7"`);
 * - direct: `"d"` and the answer: `"d13"`.
 *
 * `correct` iff the completion is well-formed and its final answer is the
 * sum: the steps are a scratchpad, judged only for their shape (each is
 * also judged as a chain-sum step, in `Verdict.steps`, for inspection; a
 * direct completion has no steps). Items carry
 * `solution` = the think form and `solutions` = [the direct form].
 */
import type { Rng } from "../../random/rng.js";
import { chainSumNumbers, chainSumSteps, verifyChainSum } from "./chain-sum.js";
import { checkCompletion, checkLevel, itemId, type Task, type TaskItem, type Verdict } from "./task.js";

/** The mode character that starts a thinking completion. */
export const THINK_MARK = "t";
/** The mode character that starts a direct completion. */
export const DIRECT_MARK = "d";

const NUMBER = /^(0|[1-9][0-9]*)$/;
const STEP = /^(0|[1-9][0-9]*)\+(0|[1-9][0-9]*)=(0|[1-9][0-9]*)$/;


/** The mode a completion was written in, by its first character: "think", "no_think", or null when it starts with neither mark. */
export function completionMode(text: string): "think" | "no_think" | null {
  checkCompletion(text);
  if (text.startsWith(THINK_MARK)) return "think";
  if (text.startsWith(DIRECT_MARK)) return "no_think";
  return null;
}

/** The final answer a completion writes, or null when it is not well-formed (bad mark, steps or number). */
export function thinkOrNotAnswer(text: string): string | null {
  const mode = completionMode(text);
  const body = text.slice(1);
  if (mode === "no_think") return NUMBER.test(body) ? body : null;
  if (mode !== "think") return null;
  const parts = body.split(";");
  if (parts.length !== 2) return null;
  const [scratch, answer] = parts as [string, string];
  if (scratch.length === 0 || !scratch.split(",").every((s) => STEP.test(s))) return null;
  return NUMBER.test(answer) ? answer : null;
}

/** The judgment of a think-or-not completion of `item`: correct iff well-formed with the right sum; `steps` judges a thinking completion's scratchpad steps. */
export function verifyThinkOrNot(completion: string, item: Pick<TaskItem, "answer" | "prompt">): Verdict {
  checkCompletion(completion);
  const numbers = chainSumNumbers(item.prompt);
  const answer = thinkOrNotAnswer(completion);
  const format = answer !== null;
  const correct = format && answer === item.answer;
  const steps = completionMode(completion) === "think" ? verifyChainSum(completion.slice(1).split(";")[0]!, numbers).steps! : [];
  return { correct, format, reward: correct ? 1 : 0, steps };
}

/** Numbers of the easy (level 0) and hard (level 1) sums of a think-or-not task. */
export interface ThinkOrNotOptions {
  /** Default 2. */
  readonly easy?: number;
  /** Default 4. */
  readonly hard?: number;
}

/** A think-or-not task whose easy and hard sums add `easy` and `hard` one-digit numbers (2 ≤ easy < hard ≤ 8). */
export function thinkOrNotTask(options: ThinkOrNotOptions = {}): Task {
  const easy = options.easy ?? 2, hard = options.hard ?? 4;
  if (!(Number.isInteger(easy) && Number.isInteger(hard) && easy >= 2 && easy < hard && hard <= 8)) {
    throw new RangeError(`thinkOrNotTask: need integers 2 ≤ easy < hard ≤ 8 (numbers per sum), got easy ${easy}, hard ${hard}`);
  }
  const numbersPerLevel: Readonly<Record<number, number>> = { 0: easy, 1: hard };
  const id = easy === 2 && hard === 4 ? "think-or-not" : `think-or-not-${easy}-${hard}`;
  const task: Task = {
    id,
    description: `Easy (level 0, ${easy} numbers: "3+4=") and hard (level 1, ${hard} numbers: "3+4+5+1=") sums answered directly ("d13") or after thinking in steps ("t3+4=7,7+5=12,12+1=13;13")`,
    levels: [0, 1],
    generate(rng: Rng, level: number): TaskItem {
      checkLevel(task, level);
      const numbers = Array.from({ length: numbersPerLevel[level]! }, () => rng.int(10));
      const prompt = `${numbers.join("+")}=`;
      const answer = String(numbers.reduce((a, b) => a + b, 0));
      const steps = chainSumSteps(numbers);
      return { id: itemId(id, level, prompt), prompt, answer, solution: `${THINK_MARK}${steps.join(",")};${answer}`, solutions: [`${DIRECT_MARK}${answer}`], level, steps };
    },
    verify(completion: string, item: TaskItem): Verdict {
      return verifyThinkOrNot(completion, item);
    },
  };
  return task;
}

export const thinkOrNot: Task = thinkOrNotTask();
