/**
 * Chain sums: add n one-digit numbers in steps, each step adding the next
 * number to the running total, the multi-step task of the step-credit
 * notebook (each step can be judged on its own).
 *
 * Level = n, the count of numbers (3–6). Prompt `"3+4+5="`. Completion: the
 * steps, comma separated, each `total+next=sum` (decimal, no leading zeros,
 * no spaces): `"3+4=7,7+5=12"`. Step k is right when its left operand is the
 * running total (the first number for step 1), its right operand the next
 * number of the prompt, and its sum exact. `correct`: n − 1 steps, all right.
 * A wrong step is judged false but its written sum becomes the running total
 * for the steps after it, so each step is judged on its own
 * (`Verdict.steps`).
 */
import type { Rng } from "../../random/rng.js";
import { checkCompletion, checkLevel, itemId, type Task, type TaskItem, type Verdict } from "./task.js";

const STEP = /^(0|[1-9][0-9]*)\+(0|[1-9][0-9]*)=(0|[1-9][0-9]*)$/;
const PROMPT = /^([0-9](?:\+[0-9])+)=$/;

/** The numbers of a chain-sum prompt. */
export function chainSumNumbers(prompt: string): number[] {
  const m = PROMPT.exec(prompt);
  if (!m) throw new Error(`not a chain-sum prompt ("3+4+5="): ${JSON.stringify(prompt)}`);
  return m[1]!.split("+").map(Number);
}

/** The reference steps of adding `numbers` left to right. */
export function chainSumSteps(numbers: readonly number[]): string[] {
  const steps: string[] = [];
  let total = numbers[0]!;
  for (const x of numbers.slice(1)) {
    steps.push(`${total}+${x}=${total + x}`);
    total += x;
  }
  return steps;
}

/** Judges each written step against the running total and the prompt's next number. */
export function verifyChainSum(completion: string, numbers: readonly number[]): Verdict {
  checkCompletion(completion);
  const parts = completion.length ? completion.split(",") : [];
  let total = numbers[0]!;
  const steps = parts.map((part, k) => {
    const m = STEP.exec(part);
    if (!m) return false;
    const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const ok = k + 1 < numbers.length && a === total && b === numbers[k + 1] && c === a + b;
    total = c;
    return ok;
  });
  const format = parts.length > 0 && parts.every((p) => STEP.test(p));
  const correct = format && parts.length === numbers.length - 1 && steps.every((s) => s);
  return { correct, format, reward: correct ? 1 : 0, steps };
}

export const chainSum: Task = (() => {
  const id = "chain-sum";
  const task: Task = {
    id,
    description: 'Add n one-digit numbers in steps (level = n): prompt "3+4+5=", completion "3+4=7,7+5=12"',
    levels: [3, 4, 5, 6],
    generate(rng: Rng, level: number): TaskItem {
      checkLevel(task, level);
      const numbers = Array.from({ length: level }, () => rng.int(10));
      const prompt = `${numbers.join("+")}=`;
      const steps = chainSumSteps(numbers);
      return { id: itemId(id, level, prompt), prompt, answer: String(numbers.reduce((a, b) => a + b, 0)), solution: steps.join(","), level, steps };
    },
    verify(completion: string, item: TaskItem): Verdict {
      return verifyChainSum(completion, chainSumNumbers(item.prompt));
    },
  };
  return task;
})();
