/**
 * Preference lists from a task's own samples: a policy completes each of
 * `prompts` problems `completions` times, and each completion is scored by
 * the task's verifier (its reward) or by a given `score` (a graded label, a
 * reward model's output).
 *
 * ```ts
 * const lists = rl.preferences.fromTask(policy, tokenizer, rl.tasks.addition, { level: 2, prompts: 256, completions: 4, maxNewTokens: 5, seed: 1 });
 * ```
 */
import { PreferenceData, type PreferenceList } from "../data/preferences.js";
import { Rng } from "../random/rng.js";
import { sampleBatch } from "./policies/sample.js";
import type { TokenPolicy } from "./policies/token-policy.js";
import { describe, type Task, type TaskItem } from "./tasks/task.js";
import type { Tokenizer } from "./tokenizers/tokenizer.js";

export interface PreferencesFromTaskOptions {
  /** Problems drawn (or the length of `items`). */
  readonly prompts?: number;
  /** The problems to complete, in order, instead of drawing `prompts` of them (with `keepTies`, list i is item i's). */
  readonly items?: readonly TaskItem[];
  /** Completions per problem (the list's length, ≥ 2). */
  readonly completions: number;
  /** The most tokens of a completion (its end token included). */
  readonly maxNewTokens: number;
  /** Level(s) problems are drawn at (default the task's lowest). */
  readonly level?: number;
  readonly levels?: readonly number[];
  /** Sampling temperature. Default 1. */
  readonly temperature?: number;
  /** A completion's graded label, higher is better (default: the verifier's reward). Must return a finite number. */
  readonly score?: (completion: string, item: TaskItem) => number;
  /** Keep lists whose scores are all equal (they carry no preference). Default false. */
  readonly keepTies?: boolean;
  /** Seeds the problems and the samples. Default 0. */
  readonly seed?: number;
}

/** Graded lists of `policy`'s completions of `task`'s problems (see the module doc); lists of all-equal scores are dropped unless `keepTies`. */
export function preferencesFromTask(policy: TokenPolicy, tokenizer: Tokenizer, task: Task, options: PreferencesFromTaskOptions): PreferenceData {
  const { completions, maxNewTokens, temperature = 1, keepTies = false, seed = 0 } = options;
  const where = "rl.preferences.fromTask";
  const given = options.items;
  if (given !== undefined && (!Array.isArray(given) || given.length === 0 || given.some((x) => typeof x?.prompt !== "string"))) throw new TypeError(`${where}: items must be a non-empty array of task items`);
  const prompts = given ? given.length : options.prompts;
  if (!Number.isInteger(prompts) || prompts! < 1) throw new RangeError(`${where}: prompts must be a positive integer (or give items), got ${describe(prompts)}`);
  if (!Number.isInteger(completions) || completions < 2) throw new RangeError(`${where}: completions must be an integer ≥ 2 (a list compares them), got ${describe(completions)}`);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new RangeError(`${where}: maxNewTokens must be a positive integer, got ${describe(maxNewTokens)}`);
  if (options.score !== undefined && typeof options.score !== "function") throw new TypeError(`${where}: score must be a function (completion, item) => number, got ${describe(options.score)}`);
  const levels = options.levels ?? (options.level !== undefined ? [options.level] : [task.levels[0]!]);
  for (const l of levels) if (!task.levels.includes(l)) throw new RangeError(`${where}: level ${l} is not one of the task's levels ${task.levels.join(", ")}`);
  const rng = Rng.fromSeed(seed);
  const items = given ?? Array.from({ length: prompts! }, () => task.generate(rng, levels[rng.int(levels.length)]!));
  const contexts: Int32Array[] = [];
  for (const item of items) {
    const p = tokenizer.encode(item.prompt);
    for (let c = 0; c < completions; c++) contexts.push(p);
  }
  const done = sampleBatch(policy, contexts, { maxNewTokens, temperature, stopToken: tokenizer.eos, rng });
  const score = options.score ?? ((completion: string, item: TaskItem) => task.verify(completion, item).reward);
  const lists: PreferenceList[] = [];
  items.forEach((item, i) => {
    const texts = done.slice(i * completions, (i + 1) * completions).map((d) => tokenizer.decode(d.finish === "stop" ? d.tokens.subarray(0, d.tokens.length - 1) : d.tokens, { skipSpecial: true }));
    const scores = texts.map((t, k) => {
      const s = score(t, item);
      if (typeof s !== "number" || !Number.isFinite(s)) throw new RangeError(`${where}: score(${JSON.stringify(t)}, item ${JSON.stringify(item.id)}) of completion ${k} returned ${describe(s)}, expected a finite number`);
      return s;
    });
    if (keepTies || scores.some((s) => s !== scores[0])) lists.push({ prompt: item.prompt, completions: texts, scores });
  });
  if (lists.length === 0) throw new RangeError(`${where}: every one of the ${prompts} lists has equal scores (no preference to learn); sample more prompts, more completions, a higher temperature, or pass keepTies`);
  return PreferenceData.lists(lists);
}
