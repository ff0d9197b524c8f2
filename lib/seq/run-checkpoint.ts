/**
 * Checkpoints of sequence runs: everything `train()` needs to continue bit
 * for bit, and every recorded completion. A directory written atomically:
 *
 *   run.json           format, ids, seeds' states, levels, evaluation schedule,
 *                      the method's engine configuration, the held-out and
 *                      fixed training problems, the policy's kind and config
 *   state.safetensors  params, Adam's moments, the reference's params
 *   tokenizer.json     the tokenizer (`loadTokenizer` reads it)
 *   metrics.arrow      the metrics rows
 *   completions.arrow  every sampled completion (the sequence trajectory schema)
 *
 * The task and a custom reward are code, not data: `loadSequenceRun(dir, { task })`
 * takes them again (the task's id must match the saved one).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { tableFromIPC, type Table } from "apache-arrow";
import { arrowFileBytes } from "../data/arrow-ipc.js";
import { writeDirAtomic, writeFileSynced } from "../run/atomic-dir.js";
import { MetricsLog } from "../run/metrics-log.js";
import { PgSpec, pgConfigFromJSON } from "../pg/spec.js";
import { sequenceSpecProblems } from "../pg/seq/problems.js";
import { checkItem } from "./tasks/define.js";
import type { SequenceRow } from "../data/sequence-table.js";
import { readSafetensors, writeSafetensors, type SafeTensor } from "./policies/safetensors.js";
import { policyFromRecord, policyRecord } from "./policies/policy-record.js";
import { loadTokenizer } from "./tokenizers/load.js";
import type { RewardFunction } from "./tasks/rewards.js";
import type { Task, TaskItem } from "./tasks/task.js";
import { evalScheduleProblems, SequenceRun, type SequenceEvalSchedule } from "./run.js";

export const SEQUENCE_RUN_FORMAT = "trellis.sequence-run";

interface RunJson {
  format: typeof SEQUENCE_RUN_FORMAT;
  version: 1;
  id: string;
  taskId: string;
  seed: number;
  levels: number[];
  schedule: SequenceEvalSchedule;
  algo: unknown;
  policy: { kind: string; config: unknown; fast?: boolean; threads?: 1 | 2; engine?: "tfjs" };
  test: TaskItem[];
  train: TaskItem[] | null;
  run: unknown;
  learner: Record<string, unknown>;
}

/** Writes `run` into `dir` (atomically: a reader sees the old checkpoint or the new one). */
export async function saveSequenceRun(run: SequenceRun, dir: string): Promise<void> {
  if (run.isTraining) throw new Error("run.save: the run is training; await train() (or stop it) first");
  const state = run.learner.saveState();
  const json: RunJson = {
    format: SEQUENCE_RUN_FORMAT,
    version: 1,
    id: run.id,
    taskId: run.task.id,
    seed: run.seed,
    levels: [...run.levels],
    schedule: run.schedule,
    algo: run.spec.toJSON(),
    policy: policyRecord(run.policy, "run.save"),
    test: [...run.test],
    train: run.options.train ? [...run.options.train] : null,
    run: run.runState(),
    learner: state.json,
  };
  const tensors = new Map<string, SafeTensor>(Object.entries(state.arrays).map(([k, v]) => [k, { shape: [v.length], data: v }]));
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileSynced(join(tmp, "run.json"), JSON.stringify(json, null, 1));
    await writeFileSynced(join(tmp, "state.safetensors"), writeSafetensors(tensors));
    await writeFileSynced(join(tmp, "tokenizer.json"), JSON.stringify(run.tokenizer.toJSON()));
    await writeFileSynced(join(tmp, "metrics.arrow"), arrowFileBytes(run.metrics));
    await writeFileSynced(join(tmp, "completions.arrow"), arrowFileBytes(run.completions()));
  });
}

const optionalList = (name: "tokenLogp" | "tokenAdv", v: ArrayLike<number> | undefined) => (v ? { [name]: Float32Array.from(v) } : {});

/** Rows of a completions table as the run records them. */
function rowsFromTable(table: Table): SequenceRow[] {
  const col = (name: string) => table.getChild(name);
  const list = (name: string, i: number) => {
    const v = col(name)?.get(i) as { toArray(): ArrayLike<number> } | null | undefined;
    return v ? v.toArray() : undefined;
  };
  return Array.from({ length: table.numRows }, (_, i) => {
    const clipped = col("token_clipped")?.get(i) as { toArray(): ArrayLike<boolean> } | null | undefined;
    const promptId = col("prompt_id")?.get(i) as string | null | undefined;
    return {
      episodeId: Number(col("episode_id")!.get(i)),
      groupId: Number(col("group_id")!.get(i)),
      tokens: Int32Array.from(list("tokens", i)!),
      ...optionalList("tokenLogp", list("token_logp", i)),
      ...optionalList("tokenAdv", list("token_adv", i)),
      ...(clipped ? { tokenClipped: Uint8Array.from(Array.from(clipped.toArray(), (b) => (b ? 1 : 0))) } : {}),
      reward: col("reward")!.get(i) as number,
      prompt: Int32Array.from(list("obs", i) ?? []),
      policyVersion: col("policy_version")!.get(i) as number,
      ...(promptId ? { promptId } : {}),
    };
  });
}

const isInt = (v: unknown, min = 0): v is number => Number.isInteger(v) && (v as number) >= min;
const isRngState = (v: unknown) => Array.isArray(v) && v.length === 4 && v.every((w) => Number.isInteger(w));
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** What is wrong with a run.json's fields (one line each; empty when nothing). */
export function sequenceRunJsonProblems(json: Record<string, unknown>, task: Task): string[] {
  const p: string[] = [];
  const want = (ok: boolean, field: string, expected: string, got: unknown) => {
    if (!ok) p.push(`${field}: expected ${expected}, got ${JSON.stringify(got)?.slice(0, 80) ?? String(got)}`);
  };
  want(typeof json.id === "string" && json.id.length > 0, "id", "a non-empty string", json.id);
  want(Number.isInteger(json.seed), "seed", "an integer", json.seed);
  const levels = json.levels;
  const levelsOk = Array.isArray(levels) && levels.length > 0 && levels.every((l) => task.levels.includes(l as number));
  want(levelsOk, "levels", `a non-empty array of the task's levels (${task.levels.join(", ")})`, levels);
  for (const q of evalScheduleProblems(json.schedule)) p.push(`schedule: ${q.message}`);
  const policy = json.policy;
  want(isObject(policy) && (policy.kind === "transformer" || policy.kind === "gru") && isObject(policy.config) && (policy.fast === undefined || typeof policy.fast === "boolean") && (policy.threads === undefined || policy.threads === 1 || policy.threads === 2) && (policy.engine === undefined || policy.engine === "tfjs"), "policy", '{ kind: "transformer" | "gru", config: {...}, fast?: boolean, threads?: 1 | 2, engine?: "tfjs" }', policy);
  for (const name of ["test", "train"] as const) {
    const items = json[name];
    if (name === "train" && items === null) continue;
    if (!Array.isArray(items) || items.length === 0) {
      want(false, name, name === "train" ? "null or a non-empty array of task items" : "a non-empty array of task items", items);
      continue;
    }
    items.forEach((item, i) => {
      try {
        const level = (item as { level?: unknown })?.level;
        if (!task.levels.includes(level as number)) throw new Error(`level must be one of the task's levels, got ${JSON.stringify(level)}`);
        checkItem(item, `${name}[${i}]`, task.id, level as number);
      } catch (e) {
        p.push(`${name}[${i}]: ${(e as Error).message}`);
      }
    });
  }
  const learner = json.learner;
  want(isObject(learner) && ["updates", "sampled", "groups", "adamT"].every((k) => isInt(learner[k])) && (learner.sampledTokens === undefined || isInt(learner.sampledTokens)), "learner", "{ updates, sampled, groups, adamT, sampledTokens?: integers ≥ 0 }", learner);
  const run = json.run;
  want(
    isObject(run) && typeof run.trainSeconds === "number" && Number.isFinite(run.trainSeconds) && run.trainSeconds >= 0 && isRngState(run.promptRng) && isRngState(run.evalRng) && (run.lastEval === null || (isObject(run.lastEval) && typeof run.lastEval.pass1 === "number")),
    "run",
    "{ trainSeconds: a number ≥ 0, promptRng, evalRng: 4 integers each, lastEval: null or an evaluation }",
    run,
  );
  return p;
}

/** Loads a run saved by {@link saveSequenceRun}; `task` (and a custom `reward`) as the run was built with. */
export async function loadSequenceRun(dir: string, options: { task: Task; reward?: RewardFunction }): Promise<SequenceRun> {
  const text = await readFile(join(dir, "run.json"), "utf8").catch((e: Error) => {
    throw new Error(`${dir}: not a sequence run checkpoint (${e.message})`);
  });
  let json: RunJson;
  try {
    json = JSON.parse(text) as RunJson;
  } catch (e) {
    throw new Error(`${join(dir, "run.json")}: not JSON (${(e as Error).message})`);
  }
  if (json?.format !== SEQUENCE_RUN_FORMAT || json.version !== 1) throw new Error(`${join(dir, "run.json")}: expected format "${SEQUENCE_RUN_FORMAT}" version 1, got ${JSON.stringify(json?.format)} ${JSON.stringify(json?.version)}`);
  if (options?.task?.id !== json.taskId) throw new Error(`loadSequenceRun: the checkpoint was trained on task "${json.taskId}", got ${options?.task ? `"${options.task.id}"` : "no task"}: pass { task } as the run was built with`);
  const runJson = join(dir, "run.json");
  const problems = sequenceRunJsonProblems(json as unknown as Record<string, unknown>, options.task);
  if (problems.length) throw new Error(`${runJson}: ${problems.join("; ")}`);
  const state = readSafetensors(new Uint8Array(await readFile(join(dir, "state.safetensors"))));
  const arrays = Object.fromEntries([...state.tensors].map(([k, t]) => [k, t.data]));
  if (!arrays.params) throw new Error(`${join(dir, "state.safetensors")}: no "params" tensor`);
  const tokenizer = loadTokenizer(JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8")));
  let run: SequenceRun;
  try {
    const policy = policyFromRecord(json.policy, arrays.params.slice());
    const spec = new PgSpec(pgConfigFromJSON(json.algo));
    const specProblems = sequenceSpecProblems(spec);
    if (specProblems.length) throw new Error(`algo: ${specProblems.map((q) => q.message).join("; ")}`);
    run = new SequenceRun(options.task, { policy, tokenizer, levels: json.levels, seed: json.seed, id: json.id, test: json.test, ...(json.train ? { train: json.train } : {}), ...(options.reward ? { reward: options.reward } : {}) }, spec, json.schedule, json.levels);
    run.learner.loadState({ json: json.learner, arrays });
  } catch (e) {
    throw new Error(`${runJson} with ${join(dir, "state.safetensors")}: ${(e as Error).message}`);
  }
  const metrics = MetricsLog.fromArrow(tableFromIPC(await readFile(join(dir, "metrics.arrow"))));
  const completions = rowsFromTable(tableFromIPC(await readFile(join(dir, "completions.arrow"))));
  run.restoreRunState(json.run, metrics, completions);
  return run;
}
