/**
 * Seeded train/test splits of a task's problems, disjoint by prompt.
 *
 * `taskSplit(task, { seed, levels, train, test })` draws the test items
 * first (from one stream of the seed), then the train items (from another),
 * skipping any prompt already drawn: no test prompt appears in train, and
 * neither part repeats a prompt. The same seed, task and options give the
 * same items; the test part does not depend on `train`. Each item's level is
 * drawn uniformly from `levels`. A task that can list its problems
 * (`enumerate`, as tasks read from tables do) is split exactly: its
 * problems are shuffled and cut, no draws.
 */
import { Rng } from "../../random/rng.js";
import { checkLevel, describe, type Task, type TaskItem } from "./task.js";

export interface TaskSplitOptions {
  /** 32-bit integer seed. */
  seed: number;
  /** One level, or several (each item's level drawn uniformly); default all the task's levels. */
  level?: number;
  levels?: readonly number[];
  /** Items in the train part. */
  train: number;
  /** Items in the test part. */
  test: number;
}

export interface TaskSplit {
  train: TaskItem[];
  test: TaskItem[];
}

function count(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`taskSplit: ${name} must be a non-negative integer (items), got ${describe(value)}`);
  }
  return value;
}

export function taskSplit(task: Task, options: TaskSplitOptions): TaskSplit {
  if (options === null || typeof options !== "object") throw new TypeError(`taskSplit: options must be an object { seed, train, test, level(s)? }, got ${describe(options)}`);
  const train = count("train", options.train);
  const test = count("test", options.test);
  if (options.level !== undefined && options.levels !== undefined) throw new TypeError("taskSplit: give level or levels, not both");
  const levels = options.level !== undefined ? [options.level] : options.levels !== undefined ? [...options.levels] : [...task.levels];
  if (!Array.isArray(levels) || levels.length === 0) throw new TypeError(`taskSplit: levels must be a non-empty array of the task's levels, got ${describe(options.levels)}`);
  for (const l of levels) checkLevel(task, l);
  const root = Rng.fromSeed(options.seed);
  const testRng = root.split();
  const trainRng = root.split();

  if (task.enumerate) {
    const all: TaskItem[] = [];
    const seen = new Set<string>();
    for (const l of new Set(levels)) for (const item of task.enumerate(l)) if (!seen.has(item.prompt)) (seen.add(item.prompt), all.push(item));
    if (all.length < train + test) {
      throw new RangeError(`taskSplit: task ${task.id} has ${all.length} distinct prompts at level(s) ${levels.join(", ")}, fewer than train + test = ${train + test}`);
    }
    testRng.shuffle(all);
    return { test: all.slice(0, test), train: all.slice(test, test + train) };
  }

  const seen = new Set<string>();
  const draw = (rng: Rng, n: number, part: string): TaskItem[] => {
    const out: TaskItem[] = [];
    // Give up after many draws in a row bring only prompts already seen: the levels have too few problems.
    const patience = 1000 + 20 * n;
    let misses = 0;
    while (out.length < n) {
      const item = task.generate(rng, levels[rng.int(levels.length)]!);
      if (seen.has(item.prompt)) {
        if (++misses > patience) {
          throw new RangeError(
            `taskSplit: task ${task.id} at level(s) ${levels.join(", ")} gave only ${seen.size} distinct prompts (${out.length} of ${n} for ${part}) ` +
              `in ${patience} draws in a row; ask for fewer items or a harder level`,
          );
        }
        continue;
      }
      misses = 0;
      seen.add(item.prompt);
      out.push(item);
    }
    return out;
  };
  const testItems = draw(testRng, test, "test");
  const trainItems = draw(trainRng, train, "train");
  return { train: trainItems, test: testItems };
}
