/**
 * Countdown: reach a target from given numbers with + − × ÷, in steps.
 *
 * Prompt: `"reach 97 from 25,4,3,7:"`. Completion: the steps, comma
 * separated, each `a<op>b=c` with op one of `+ - * /` (ASCII), natural
 * numbers in decimal without leading zeros, no spaces:
 * `"25*4=100,100-3=97"`. The last step's result must be the target.
 *
 * Rules (checked per step): the arithmetic is exact (subtraction never
 * below 0, division without remainder, no division by 0); each given number
 * is used at most once; a result of an earlier step may be used in later
 * steps once, as in the TV game (the default), or any number of times with
 * `countdownTask({ reuse: true })`. A step that breaks a rule is judged
 * false but its result still counts for the steps after it, so each step is
 * judged on its own (`Verdict.steps`, one per written step; a malformed step
 * is false too). `correct`: well formed, every step true, and the last
 * result equals the target.
 *
 * Levels: the count of numbers (3, 4, 5), drawn Countdown-style (1–10, or
 * 25/50/75/100 with probability 1/4); the target (10–999, not one of the
 * numbers) needs at least 2 operations. Only solvable instances are made:
 * `solution`/`steps` are the brute-force solver's shortest classic solution
 * (valid under either rule). `countdownTask({ hard: true })` (`countdownHard`)
 * has one level, 5 numbers, and targets 100–999 that need at least 4
 * operations under the task's rule: a tiny model almost never solves these.
 */
import type { Rng } from "../../random/rng.js";
import { checkCompletion, checkLevel, itemId, type Task, type TaskItem, type Verdict } from "./task.js";
import { countdownReachable } from "./countdown-solver.js";

export interface CountdownOptions {
  /** Results of earlier steps can be operands any number of times (true), or once, as in the TV game (false, the default). */
  reuse?: boolean;
  /** Five numbers and targets that need at least 4 operations (default false). */
  hard?: boolean;
}

const LARGE = [25, 50, 75, 100];
const PROMPT = /^reach (0|[1-9][0-9]*) from ((?:0|[1-9][0-9]*)(?:,(?:0|[1-9][0-9]*))*):$/;
const NUM = "(0|[1-9][0-9]*)";
const STEP = new RegExp(`^${NUM}([+\\-*/])${NUM}=${NUM}$`);

/** The target and numbers of a Countdown prompt. */
export function parseCountdownPrompt(prompt: string): { target: number; numbers: number[] } {
  const m = PROMPT.exec(prompt);
  if (!m) throw new Error(`not a Countdown prompt ("reach <target> from <n>,<n>,…:"): ${JSON.stringify(prompt)}`);
  return { target: Number(m[1]), numbers: m[2]!.split(",").map(Number) };
}

/** The prompt for `numbers` and `target`. */
export function countdownPrompt(numbers: readonly number[], target: number): string {
  return `reach ${target} from ${numbers.join(",")}:`;
}

function apply(a: number, op: string, b: number): number | undefined {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a >= b ? a - b : undefined;
    case "*":
      return a * b;
    case "/":
      return b !== 0 && a % b === 0 ? a / b : undefined;
  }
  return undefined;
}

/** Judges a Countdown completion against `numbers` and `target` (see the module doc). */
export function verifyCountdown(completion: string, numbers: readonly number[], target: number, reuse = false): Verdict {
  checkCompletion(completion);
  const parts = completion.length === 0 ? [] : completion.split(",");
  const unused = [...numbers];
  const made: number[] = [];
  const steps: boolean[] = [];
  let format = parts.length > 0;
  let last: number | undefined;
  for (const part of parts) {
    const m = STEP.exec(part);
    if (!m) {
      format = false;
      steps.push(false);
      last = undefined;
      continue;
    }
    const a = Number(m[1]);
    const b = Number(m[3]);
    const c = Number(m[4]);
    // Take each operand from earlier results first (free with reuse), else from the unused given numbers.
    const take = (v: number): boolean => {
      const k = made.indexOf(v);
      if (k >= 0) {
        if (!reuse) made.splice(k, 1);
        return true;
      }
      const g = unused.indexOf(v);
      if (g < 0) return false;
      unused.splice(g, 1);
      return true;
    };
    const haveA = take(a);
    const haveB = take(b);
    const exact = [a, b, c].every(Number.isSafeInteger) && apply(a, m[2]!, b) === c;
    steps.push(haveA && haveB && exact);
    made.push(c);
    last = c;
  }
  const correct = format && steps.every((s) => s) && last === target;
  return { correct, format, reward: correct ? 1 : 0, steps };
}

function drawNumbers(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => (rng.int(4) === 0 ? LARGE[rng.int(LARGE.length)]! : 1 + rng.int(10)));
}

/** A Countdown task (see the module doc); `countdown` and `countdownHard` are the two default ones. */
export function countdownTask(options: CountdownOptions = {}): Task {
  const reuse = options.reuse ?? false;
  const hard = options.hard ?? false;
  const id = (hard ? "countdown-hard" : "countdown") + (reuse ? "-reuse" : "");
  const task: Task = {
    id,
    description: hard
      ? 'Countdown, hard: reach a target 100–999 from 5 numbers in at least 4 steps; completion "25*4=100,100-3=97"'
      : 'Countdown: reach the target from n numbers (level = n) with + - * /, steps "a*b=c" comma separated: "25*4=100,100-3=97"',
    levels: hard ? [5] : [3, 4, 5],
    generate(rng: Rng, level: number): TaskItem {
      checkLevel(task, level);
      for (let attempt = 0; attempt < 1000; attempt++) {
        const numbers = drawNumbers(rng, level);
        // Solutions: the classic rule's shortest (valid under both rules, and cheap to search).
        const reach = countdownReachable(numbers, { reuse: false });
        const minOps = hard ? 4 : 2;
        // Values made in fewer than minOps operations under the task's own rule are not targets.
        const tooEasy = hard ? countdownReachable(numbers, { reuse, maxOps: minOps - 1 }) : undefined;
        const [low, high] = hard ? [100, 999] : [10, 999];
        const candidates = [...reach.entries()]
          .filter(([v, steps]) => v >= low && v <= high && steps.length >= minOps && !numbers.includes(v) && !tooEasy?.has(v))
          .sort((x, y) => x[0] - y[0]);
        if (candidates.length === 0) continue;
        const [target, steps] = candidates[rng.int(candidates.length)]!;
        const prompt = countdownPrompt(numbers, target);
        const solution = steps.join(",");
        const solutions = [...new Set(["smaller", "larger"].map((order) => countdownStyle(steps, order as "smaller" | "larger")))].filter((s) => s !== solution);
        return { id: itemId(id, level, prompt), prompt, answer: String(target), solution, level, steps: [...steps], ...(solutions.length ? { solutions } : {}) };
      }
      throw new Error(`task ${id}: no solvable instance found at level ${level} in 1000 draws`);
    },
    verify(completion: string, item: TaskItem): Verdict {
      const { numbers, target } = parseCountdownPrompt(item.prompt);
      return verifyCountdown(completion, numbers, target, reuse);
    },
  };
  return task;
}

/**
 * A solution's steps in another style: the operands of each + and × step
 * written smaller first or larger first (the same arithmetic, so the
 * verifier accepts it). The styles stand for teachers that write alike.
 */
export function countdownStyle(steps: readonly string[], order: "smaller" | "larger"): string {
  return steps
    .map((step) => {
      const m = STEP.exec(step);
      if (!m || (m[2] !== "+" && m[2] !== "*")) return step;
      const [a, b] = [Number(m[1]), Number(m[3])];
      const swap = order === "smaller" ? a > b : a < b;
      return swap ? `${m[3]}${m[2]}${m[1]}=${m[4]}` : step;
    })
    .join(",");
}

/** Countdown with levels 3, 4, 5 numbers; earlier results reusable. */
export const countdown: Task = countdownTask();

/** 5 numbers, targets 100–999 needing at least 4 operations. */
export const countdownHard: Task = countdownTask({ hard: true });
