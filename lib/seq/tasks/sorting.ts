/**
 * Sorting the characters of a string, ascending. Level = length (2–12).
 * `sortDigits`: prompt `"sort:3142="`, completion `"1234"`;
 * `sortLetters` (a–z): prompt `"sort:dbca="`, completion `"abcd"`.
 * Duplicates are kept (`"sort:2212="` → `"1222"`). A completion with any
 * character outside the alphabet (spaces, commas) has format false.
 */
import type { Rng } from "../../random/rng.js";
import { checkCompletion, checkLevel, exactVerdict, itemId, type Task, type TaskItem, type Verdict } from "./task.js";
import { DIGITS, LOWERCASE, onlyFrom, randomString } from "./random-text.js";

function sortingTask(id: string, alphabet: string, what: string, example: string): Task {
  const task: Task = {
    id,
    description: `Sort n ${what} ascending (level = n): ${example}`,
    levels: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    generate(rng: Rng, level: number): TaskItem {
      checkLevel(task, level);
      const text = randomString(rng, alphabet, level);
      const prompt = `sort:${text}=`;
      const answer = [...text].sort().join("");
      return { id: itemId(id, level, prompt), prompt, answer, solution: answer, level };
    },
    verify(completion: string, item: TaskItem): Verdict {
      checkCompletion(completion);
      return exactVerdict(onlyFrom(completion, alphabet), completion, item.answer);
    },
  };
  return task;
}

/** Sort n digits: `"sort:3142="` → `"1234"`. */
export const sortDigits: Task = sortingTask("sort-digits", DIGITS, "digits", 'prompt "sort:3142=", completion "1234"');

/** Sort n lowercase letters: `"sort:dbca="` → `"abcd"`. */
export const sortLetters: Task = sortingTask("sort-letters", LOWERCASE, "lowercase letters", 'prompt "sort:dbca=", completion "abcd"');
