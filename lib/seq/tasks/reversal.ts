/**
 * String reversal. Level = length (2–12) of a string of lowercase letters a–z.
 * Prompt `"reverse:abcde="`; completion the reversed string, nothing else
 * (`"edcba"`); any character other than a–z (spaces included) has format false.
 */
import type { Rng } from "../../random/rng.js";
import { checkCompletion, checkLevel, exactVerdict, itemId, type Task, type TaskItem, type Verdict } from "./task.js";
import { LOWERCASE, onlyFrom, randomString } from "./random-text.js";

export const reversal: Task = {
  id: "reversal",
  description: 'Reverse a string of n lowercase letters (level = n): prompt "reverse:abc=", completion "cba"',
  levels: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  generate(rng: Rng, level: number): TaskItem {
    checkLevel(reversal, level);
    const text = randomString(rng, LOWERCASE, level);
    const prompt = `reverse:${text}=`;
    const answer = [...text].reverse().join("");
    return { id: itemId(reversal.id, level, prompt), prompt, answer, solution: answer, level };
  },
  verify(completion: string, item: TaskItem): Verdict {
    checkCompletion(completion);
    return exactVerdict(onlyFrom(completion, LOWERCASE), completion, item.answer);
  },
};
