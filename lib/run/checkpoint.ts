import type { WorkersSpec } from "../workers/pool.js";
import { join } from "node:path";
import type { Table } from "apache-arrow";
import { arrowFileBytes, parseArrowIPC } from "../data/arrow-ipc.js";
import type { AlgoState } from "../algos/algorithm.js";
import { algoFromConfig } from "../algos/registry.js";
import { Dataset, datasetFrom, openDataset } from "../data/dataset.js";
import { mixOptions, offlineMix, type OfflineMixSpec } from "../algos/mix.js";
import { VERSION } from "../version.js";
import { writeDirAtomic, writeFileSynced } from "./atomic-dir.js";
import { checkRunConfig, RunConfigError } from "./builder.js";
import { CheckpointError } from "./checkpoint-error.js";
import {
  ARRAYS,
  DATA,
  DATASET,
  FORMAT,
  FORMAT_VERSION,
  MANIFEST,
  METRICS,
  MIX_DATASET,
  manifestSha256,
  sha256,
  type DType,
  type Manifest,
  type TypedArray,
} from "./checkpoint-manifest.js";
import { readCheckpoint } from "./checkpoint-read.js";
import { MetricsLog } from "./metrics-log.js";
import { Run, type EnvConfig } from "./run.js";

function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint8Array) return "uint8";
  return "float64";
}

function bytesOf(a: TypedArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * Saves everything needed to continue `run` with the same numbers: weights,
 * optimizer moments, RNG states, env state, half-filled rollouts, counters,
 * config, metrics and recorded transitions. Layout: `run.json` (manifest),
 * `arrays.bin` (typed arrays, little-endian, 8-byte aligned, zero padding),
 * `metrics.arrow` and `data.arrow` (Arrow IPC files), and the dataset of an
 * offline or mixed run when it was not opened from a file. The manifest holds
 * a SHA-256 of every array and of every other file, and of itself, so that a
 * load refuses anything changed after the save. The directory is replaced
 * atomically (see `writeDirAtomic`).
 */
export async function saveRun(run: Run, dir: string): Promise<void> {
  if (typeof run.envConfig.id !== "string") {
    throw new Error("this run's env is a custom class or definition, which cannot be written to disk; register it (registerEnv('MyEnv-v0', MyEnv), the class or definition itself) and build the run from that id to make it saveable");
  }
  if (run.policySpec.kind !== "mlp") {
    throw new Error("runs whose policy wraps a tfjs model cannot be saved yet: use rl.mlp(...) or save the model with model.save()");
  }
  const algoState: AlgoState = run.algo.saveState();
  // a run with workers asks its actors for their env copies (they are idle between rollouts)
  const workers = run.workers ? await run.workersSnapshot() : null;
  const envState = workers ? { workers: workers.json } : run.env.saveState();
  const arrays: Record<string, TypedArray> = {};
  for (const [k, v] of Object.entries(algoState.arrays)) arrays[`algo.${k}`] = v;
  if (workers) for (const [k, v] of Object.entries(workers.arrays)) arrays[`workers.${k}`] = v;
  for (const [name, a] of Object.entries(arrays)) {
    if (a instanceof Float32Array || a instanceof Float64Array) {
      const i = a.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) throw new Error(`cannot save ${dir}: the run's array ${name} holds ${a[i]} at index ${i}, and a run cannot continue from non-finite weights or state (was it changed by hand?)`);
    }
  }
  const index: Manifest["arrays"] = {};
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    index[name] = { dtype: dtypeOf(a), offset, length: a.length, sha256: sha256(bytesOf(a)) };
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const blob = new Uint8Array(offset);
  for (const [name, a] of Object.entries(arrays)) blob.set(bytesOf(a), index[name]!.offset);
  const contents = new Map<string, Uint8Array>([[METRICS, arrowFileBytes(run.metrics)]]);
  if (run.recording) contents.set(DATA, arrowFileBytes(run.data));
  if (run.dataset && !run.dataset.path) contents.set(DATASET, arrowFileBytes(run.dataset.table));
  if (run.mix && !run.mix.dataset.path) contents.set(MIX_DATASET, arrowFileBytes(run.mix.dataset.table));
  const files: NonNullable<Manifest["files"]> = { [ARRAYS]: { bytes: blob.byteLength } };
  for (const [name, bytes] of contents) files[name] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
  const manifest: Manifest = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    trellisVersion: VERSION,
    savedAt: new Date().toISOString(),
    runId: run.id,
    seed: run.seed,
    env: { id: run.envConfig.id, n: run.envConfig.n, seed: run.envConfig.seed, kwargs: { ...run.envConfig.kwargs } },
    policy: run.policySpec,
    algo: { name: run.algoSpec.name, config: run.algoSpec.config },
    run: run.runState(),
    ...(run.recording ? { recording: run.recording.recorder.saveCounters() } : {}),
    ...(run.dataset ? { dataset: run.dataset.path ? { path: run.dataset.path, rows: run.dataset.numSteps } : { file: DATASET, rows: run.dataset.numSteps } } : {}),
    ...(run.mix ? { mix: { options: mixOptions(run.mix), ratio: run.mix.ratio, ...(run.mix.dataset.path ? { path: run.mix.dataset.path } : { file: MIX_DATASET }), rows: run.mix.dataset.numSteps } } : {}),
    ...(run.workers ? { workers: withoutPassword(run.workers) } : {}),
    envState,
    algoState: algoState.json,
    arrays: index,
    files,
  };
  // The checksum is of the manifest as a load will parse it (JSON drops undefined and turns NaN into null).
  const parsed = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
  const text = JSON.stringify({ ...parsed, manifestSha256: manifestSha256(parsed) }, null, 1);
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileSynced(join(tmp, ARRAYS), blob);
    for (const [name, bytes] of contents) await writeFileSynced(join(tmp, name), bytes);
    await writeFileSynced(join(tmp, MANIFEST), text);
  });
}

/**
 * Loads a run saved by {@link saveRun}; `train()` continues as if it had never
 * stopped. Every file comes from one saved version of `dir`, even while
 * another process saves over it, and is checked against the manifest; a
 * {@link CheckpointError} names each file, array or field that is wrong.
 */
/** A workers spec as a checkpoint keeps it: a password is not written to disk. */
function withoutPassword(spec: WorkersSpec): WorkersSpec {
  if (spec.kind !== "nats" || spec.pass === undefined) return spec;
  const { pass: _, ...rest } = spec;
  return rest as WorkersSpec;
}

/** Options of {@link loadRun}. */
export interface LoadRunOptions {
  /** Where the loaded run's env copies live: replaces the saved `.workers(...)` (a NATS password is not saved: give it here). */
  workers?: WorkersSpec;
}

export async function loadRun(dir: string, options: LoadRunOptions = {}): Promise<Run> {
  const { manifest: m, arrays, files } = await readCheckpoint(dir);
  const manifestPath = join(dir, MANIFEST);
  const fail = (problems: string[]): never => {
    throw new CheckpointError(dir, problems);
  };
  const table = (name: string): Table => {
    try {
      return parseArrowIPC(files.get(name)!, join(dir, name));
    } catch (error) {
      // parseArrowIPC's messages start with the file's path and say what is wrong.
      return fail([error instanceof Error ? error.message : String(error)]);
    }
  };
  let metrics: MetricsLog;
  try {
    metrics = MetricsLog.fromArrow(table(METRICS));
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    fail([`${join(dir, METRICS)}: not a metrics table (${error instanceof Error ? error.message : String(error)})`]);
  }
  const data = m.recording ? table(DATA) : undefined;
  if (data && data.numRows !== m.recording!.totalRows) fail([`${join(dir, DATA)}: has ${data.numRows} rows, ${MANIFEST} says recording.totalRows ${m.recording!.totalRows}`]);
  const envConfig: EnvConfig = { id: m.env.id, n: m.env.n, seed: m.env.seed, kwargs: m.env.kwargs };
  const dataset = m.dataset ? await savedDataset(dir, m.dataset, "dataset", table) : undefined;
  let mix: OfflineMixSpec | undefined;
  if (m.mix) {
    const mixed = await savedDataset(dir, m.mix, "mix", table);
    try {
      mix = offlineMix(mixed, m.mix.options ?? { ratio: m.mix.ratio });
    } catch (error) {
      fail([`${manifestPath}: mix: ${error instanceof Error ? error.message : String(error)}`]);
    }
  }
  let algo;
  try {
    algo = algoFromConfig(m.algo.name, m.algo.config);
    checkRunConfig({ env: envConfig, policy: m.policy, algo, seed: m.seed, id: m.runId, record: m.recording !== undefined, ...(dataset ? { dataset } : {}), ...(mix ? { mix } : {}) });
  } catch (error) {
    if (error instanceof RunConfigError) fail(error.lines.map((p) => `${manifestPath}: ${p}`));
    fail([`${manifestPath}: env, policy and algo do not make a run: ${error instanceof Error ? error.message : String(error)}`]);
  }
  let run: Run;
  try {
    const workers = options.workers ?? m.workers;
    if (m.workers && !options.workers && m.workers.kind === "nats" && m.workers.user !== undefined) {
      throw new Error(`the run's actors are reached as user ${m.workers.user}, whose password is not saved: rl.load(dir, { workers: rl.workers.nats({ ...,  pass }) })`);
    }
    if (m.workers && !workers) throw new Error("the run was saved with workers");
    if (!m.workers && options.workers) throw new Error("the run was saved without workers: its env copies are in the checkpoint, not with actors; load it without { workers }");
    run = new Run({ env: envConfig, policy: m.policy, algo: algo!, seed: m.seed, id: m.runId, record: m.recording !== undefined, dataset, mix, ...(workers ? { workers } : {}) });
  } catch (error) {
    return fail([`${manifestPath}: env, policy and algo do not make a run: ${error instanceof Error ? error.message : String(error)}`]);
  }
  // Each saved state goes back into the part it came from; what a part refuses is named by its section of run.json.
  const restore = (section: string, apply: () => void) => {
    try {
      apply();
    } catch (error) {
      run.dispose();
      fail([`${manifestPath}: ${section} does not fit this run (${error instanceof Error ? error.message : String(error)})`]);
    }
  };
  if (run.recording && data) restore("recording", () => run.recording!.recorder.restore(m.recording!, data));
  if (m.workers) {
    const workerArrays: Record<string, TypedArray> = {};
    for (const [k, v] of Object.entries(arrays)) if (k.startsWith("workers.")) workerArrays[k.slice(8)] = v;
    restore("envState.workers", () => run.restoreWorkers((m.envState as { workers: never }).workers, workerArrays as never));
  } else restore("envState", () => run.env.loadState(m.envState as never));
  const algoArrays: Record<string, TypedArray> = {};
  for (const [k, v] of Object.entries(arrays)) if (k.startsWith("algo.")) algoArrays[k.slice(5)] = v;
  restore("algoState (with the arrays of arrays.bin)", () => run.algo.loadState({ json: m.algoState, arrays: algoArrays }));
  restore("run", () => run.restoreRunState(m.run, metrics!));
  return run;
}

/**
 * The dataset of an offline or mixed run: the file it was opened from, or
 * the copy inside the checkpoint. The copy is used from memory (it was in
 * memory when saved, and its bytes were just verified): a dataset opened by
 * path would read a later save's file, or none once the directory is
 * replaced, and saving the loaded run would point into the directory it
 * replaces.
 */
async function savedDataset(dir: string, section: { path?: string; file?: string; rows: number }, name: "dataset" | "mix", table: (file: string) => Table): Promise<Dataset> {
  const what = name === "dataset" ? "its dataset" : "its mixed-in dataset";
  let dataset: Dataset;
  const where = section.path ?? join(dir, section.file!);
  if (section.path !== undefined) {
    try {
      dataset = await openDataset(section.path, { validate: false });
    } catch (error) {
      throw new CheckpointError(dir, [`${section.path}: ${what} (${MANIFEST} ${name}.path) cannot be read (${error instanceof Error ? error.message : String(error)})`]);
    }
  } else {
    dataset = datasetFrom(table(section.file!), { validate: false });
  }
  if (dataset.numSteps !== section.rows) throw new CheckpointError(dir, [`${where}: ${what} now has ${dataset.numSteps} rows, the run trained on ${section.rows}`]);
  return dataset;
}
