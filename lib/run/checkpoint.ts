import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { tableFromIPC, tableToIPC } from "apache-arrow";
import type { AlgoState } from "../algos/algorithm.js";
import { algoFromConfig } from "../algos/registry.js";
import { Dataset, openDataset } from "../data/dataset.js";
import { mixOptions, offlineMix, type OfflineMixOptions, type OfflineMixSpec } from "../algos/mix.js";
import type { PolicySpec } from "../policy/spec.js";
import { VERSION } from "../version.js";
import { recoverDir, writeDirAtomic, writeFileSynced } from "./atomic-dir.js";
import { MetricsLog } from "./metrics-log.js";
import { Run, type EnvConfig } from "./run.js";

const FORMAT = "trellis-run";
const FORMAT_VERSION = 1;
const MANIFEST = "run.json";
const ARRAYS = "arrays.bin";
const METRICS = "metrics.arrow";
const DATA = "data.arrow";
const DATASET = "dataset.arrow";
const MIX_DATASET = "mix-dataset.arrow";

type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array;
const DTYPES = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array, float64: Float64Array } as const;
type DType = keyof typeof DTYPES;

function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint8Array) return "uint8";
  return "float64";
}

interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  trellisVersion: string;
  savedAt: string;
  runId: string;
  seed: number;
  env: { id: string; n: number; seed: number; kwargs: Record<string, unknown> };
  policy: PolicySpec;
  algo: { name: string; config: unknown };
  run: unknown;
  /** Recorder counters when the run records its transitions (saved in data.arrow). */
  recording?: unknown;
  /** An offline run's dataset: the file it was opened from, or `dataset.arrow` in the checkpoint; `rows` guards against a changed file. */
  dataset?: { path?: string; file?: string; rows: number };
  /** Offline data mixed into the online run (`.mix(...)`): its options, and the dataset's file as for `dataset`. */
  mix?: { options?: OfflineMixOptions; ratio: number; path?: string; file?: string; rows: number };
  envState: unknown;
  algoState: unknown;
  arrays: Record<string, { dtype: DType; offset: number; length: number }>;
}

/**
 * Saves everything needed to continue `run` with the same numbers: weights,
 * optimizer moments, RNG states, env state, half-filled rollouts, counters,
 * config, metrics and recorded transitions. Layout: `run.json` (manifest),
 * `arrays.bin` (typed arrays, little-endian, 8-byte aligned), `metrics.arrow`
 * and `data.arrow` (Arrow IPC files).
 * The directory is replaced atomically.
 */
export async function saveRun(run: Run, dir: string): Promise<void> {
  if (typeof run.envConfig.id !== "string") {
    throw new Error("this run's env is a custom class or definition, which cannot be written to disk; register it with registerEnv(id, factory) and build the run from that id to make it saveable");
  }
  if (run.policySpec.kind !== "mlp") {
    throw new Error("runs whose policy wraps a tfjs model cannot be saved yet: use rl.mlp(...) or save the model with model.save()");
  }
  const algoState: AlgoState = run.algo.saveState();
  const envState = run.env.saveState();
  const arrays: Record<string, TypedArray> = {};
  for (const [k, v] of Object.entries(algoState.arrays)) arrays[`algo.${k}`] = v;
  const index: Manifest["arrays"] = {};
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    index[name] = { dtype: dtypeOf(a), offset, length: a.length };
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const blob = new Uint8Array(offset);
  for (const [name, a] of Object.entries(arrays)) blob.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), index[name]!.offset);
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
    envState,
    algoState: algoState.json,
    arrays: index,
  };
  const metrics = tableToIPC(run.metrics, "file");
  const data = run.recording ? tableToIPC(run.data, "file") : undefined;
  const datasetBytes = run.dataset && !run.dataset.path ? tableToIPC(run.dataset.table, "file") : undefined;
  const mixBytes = run.mix && !run.mix.dataset.path ? tableToIPC(run.mix.dataset.table, "file") : undefined;
  await writeDirAtomic(dir, async (tmp) => {
    await writeFileSynced(join(tmp, ARRAYS), blob);
    await writeFileSynced(join(tmp, METRICS), metrics);
    if (data) await writeFileSynced(join(tmp, DATA), data);
    if (datasetBytes) await writeFileSynced(join(tmp, DATASET), datasetBytes);
    if (mixBytes) await writeFileSynced(join(tmp, MIX_DATASET), mixBytes);
    await writeFileSynced(join(tmp, MANIFEST), JSON.stringify(manifest, null, 1));
  });
}

/** Loads a run saved by {@link saveRun}; `train()` continues as if it had never stopped. */
export async function loadRun(dir: string): Promise<Run> {
  await recoverDir(dir);
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), "utf8");
  } catch (error) {
    throw new Error(`cannot load a run from ${dir}: ${(error as Error).message} (expected a directory written by run.save())`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (error) {
    throw new Error(`cannot load a run from ${dir}: ${MANIFEST} is not valid JSON (${(error as Error).message})`);
  }
  if (m.format !== FORMAT) throw new Error(`${join(dir, MANIFEST)} is not a Trellis run (format ${JSON.stringify(m.format)})`);
  if (m.formatVersion > FORMAT_VERSION) {
    throw new Error(`${dir} was saved by a newer Trellis (run format ${m.formatVersion}, this is ${FORMAT_VERSION}, Trellis ${VERSION}); upgrade Trellis to load it`);
  }
  const blob = await readFile(join(dir, ARRAYS));
  const arrays: Record<string, TypedArray> = {};
  for (const [name, { dtype, offset, length }] of Object.entries(m.arrays)) {
    const Ctor = DTYPES[dtype];
    const bytes = length * Ctor.BYTES_PER_ELEMENT;
    if (offset + bytes > blob.byteLength) throw new Error(`${join(dir, ARRAYS)} is truncated: array ${name} needs bytes ${offset}..${offset + bytes}, the file has ${blob.byteLength}`);
    const copy = new Uint8Array(bytes);
    copy.set(blob.subarray(offset, offset + bytes));
    arrays[name] = new Ctor(copy.buffer);
  }
  const envConfig: EnvConfig = { id: m.env.id, n: m.env.n, seed: m.env.seed, kwargs: m.env.kwargs };
  let dataset: Dataset | undefined;
  if (m.dataset) {
    const where = m.dataset.path ?? join(dir, m.dataset.file ?? DATASET);
    try {
      dataset = await openDataset(where, { validate: false });
    } catch (error) {
      throw new Error(`cannot load the offline run in ${dir}: its dataset ${where} cannot be read (${(error as Error).message})`, { cause: error });
    }
    if (dataset.numSteps !== m.dataset.rows) throw new Error(`cannot load the offline run in ${dir}: its dataset ${where} now has ${dataset.numSteps} rows, the run trained on ${m.dataset.rows}`);
  }
  let mix: OfflineMixSpec | undefined;
  if (m.mix) {
    const where = m.mix.path ?? join(dir, m.mix.file ?? MIX_DATASET);
    let mixed: Dataset;
    try {
      mixed = await openDataset(where, { validate: false });
    } catch (error) {
      throw new Error(`cannot load the run in ${dir}: its mixed-in dataset ${where} cannot be read (${(error as Error).message})`, { cause: error });
    }
    if (mixed.numSteps !== m.mix.rows) throw new Error(`cannot load the run in ${dir}: its mixed-in dataset ${where} now has ${mixed.numSteps} rows, the run trained on ${m.mix.rows}`);
    mix = offlineMix(mixed, m.mix.options ?? { ratio: m.mix.ratio });
  }
  const run = new Run(envConfig, m.policy, algoFromConfig(m.algo.name, m.algo.config), m.seed, m.runId, m.recording !== undefined, dataset, mix);
  if (run.recording) {
    const data = tableFromIPC(await readFile(join(dir, DATA)));
    run.recording.recorder.restore(m.recording as Parameters<typeof run.recording.recorder.restore>[0], data);
  }
  run.env.loadState(m.envState as never);
  const algoArrays: Record<string, TypedArray> = {};
  for (const [k, v] of Object.entries(arrays)) if (k.startsWith("algo.")) algoArrays[k.slice(5)] = v;
  run.algo.loadState({ json: m.algoState, arrays: algoArrays });
  const table = tableFromIPC(await readFile(join(dir, METRICS)));
  run.restoreRunState(m.run, MetricsLog.fromArrow(table));
  return run;
}
