/**
 * Counting tasks.
 *
 * `countChar`: how many times a letter occurs in a string of n letters from
 * a–d (level = n). Prompt `"count b:abbcab="`, completion the count in
 * decimal with no leading zeros (`"3"`; `"03"` or `"3 "` have format false).
 *
 * `parity`: the parity of the number of 1s in a string of n bits (level = n).
 * Prompt `"parity:10110="`, completion `"1"` for odd, `"0"` for even; any
 * other completion has format false.
 */
import type { Rng } from "../../random/rng.js";
import { checkCompletion, checkLevel, exactVerdict, itemId, type Task, type TaskItem, type Verdict } from "./task.js";
import { randomString } from "./random-text.js";
import { NATURAL } from "./arithmetic.js";

const COUNT_ALPHABET = "abcd";

export const countChar: Task = {
  id: "count-char",
  description: 'Count a letter in n letters from a–d (level = n): prompt "count b:abbcab=", completion "3"',
  levels: [4, 6, 8, 10, 12, 16, 20],
  generate(rng: Rng, level: number): TaskItem {
    checkLevel(countChar, level);
    const letter = COUNT_ALPHABET[rng.int(COUNT_ALPHABET.length)]!;
    const text = randomString(rng, COUNT_ALPHABET, level);
    const prompt = `count ${letter}:${text}=`;
    const answer = String([...text].filter((c) => c === letter).length);
    return { id: itemId(countChar.id, level, prompt), prompt, answer, solution: answer, level };
  },
  verify(completion: string, item: TaskItem): Verdict {
    checkCompletion(completion);
    return exactVerdict(NATURAL.test(completion), completion, item.answer);
  },
};

export const parity: Task = {
  id: "parity",
  description: 'Parity of the count of 1s in n bits (level = n): prompt "parity:10110=", completion "1" (odd) or "0" (even)',
  levels: [2, 4, 6, 8, 12, 16, 24, 32],
  generate(rng: Rng, level: number): TaskItem {
    checkLevel(parity, level);
    const bits = randomString(rng, "01", level);
    const prompt = `parity:${bits}=`;
    const answer = String([...bits].filter((c) => c === "1").length % 2);
    return { id: itemId(parity.id, level, prompt), prompt, answer, solution: answer, level };
  },
  verify(completion: string, item: TaskItem): Verdict {
    checkCompletion(completion);
    return exactVerdict(completion === "0" || completion === "1", completion, item.answer);
  },
};
