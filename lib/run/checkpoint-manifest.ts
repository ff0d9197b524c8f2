import { workersSpecProblems, type WorkersSpec } from "../workers/pool.js";
import { createHash } from "node:crypto";
import * as validate from "../algos/validate.js";
import { problemText, type Problem } from "../config/problem.js";
import type { OfflineMixOptions } from "../algos/mix.js";
import { checkPolicySpec, type PolicySpec } from "../policy/spec.js";

// A manifest's problems are lines of a CheckpointError: the shared checks, as text.
const asText =
  <A extends unknown[]>(check: (problems: Problem[], ...args: A) => void) =>
  (problems: string[], ...args: A): void => {
    const found: Problem[] = [];
    check(found, ...args);
    problems.push(...found.map(problemText));
  };
const checkNumber = asText(validate.checkNumber);
const checkBoolean = asText(validate.checkBoolean);

export const FORMAT = "trellis-run";
/**
 * 1: the first layout. 2: adds a SHA-256 of every array (`arrays[name].sha256`),
 * the size and SHA-256 of every other file (`files`), and a SHA-256 of the
 * manifest itself (`manifestSha256`). Version 1 checkpoints still load.
 */
export const FORMAT_VERSION = 2;
export const MANIFEST = "run.json";
export const ARRAYS = "arrays.bin";
export const METRICS = "metrics.arrow";
export const DATA = "data.arrow";
export const DATASET = "dataset.arrow";
export const MIX_DATASET = "mix-dataset.arrow";

export type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array;
export const DTYPES = { float32: Float32Array, int32: Int32Array, uint8: Uint8Array, float64: Float64Array } as const;
export type DType = keyof typeof DTYPES;

export interface ArrayEntry {
  dtype: DType;
  /** Byte offset in arrays.bin (a multiple of 8). */
  offset: number;
  /** Number of elements. */
  length: number;
  /** SHA-256 (hex) of the array's bytes (format 2). */
  sha256?: string;
}

export interface FileEntry {
  bytes: number;
  /** SHA-256 (hex) of the whole file; absent for arrays.bin, whose arrays carry their own. */
  sha256?: string;
}

export interface Manifest {
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
  recording?: { episodeOf: number[]; tOf: number[]; nextEpisode: number; totalRows: number };
  /** An offline run's dataset: the file it was opened from, or `dataset.arrow` in the checkpoint; `rows` guards against a changed file. */
  dataset?: { path?: string; file?: string; rows: number };
  /** Offline data mixed into the online run (`.mix(...)`): its options, and the dataset's file as for `dataset`. */
  mix?: { options?: OfflineMixOptions; ratio: number; path?: string; file?: string; rows: number };
  /** Where the run's env copies live (`.workers(...)`), without a password; its envState is then `{ workers }`. */
  workers?: WorkersSpec;
  envState: unknown;
  algoState: unknown;
  arrays: Record<string, ArrayEntry>;
  /** Every file of the checkpoint but run.json, with its size and checksum (format 2). */
  files?: Record<string, FileEntry>;
  /** SHA-256 of this manifest, see {@link manifestSha256} (format 2). */
  manifestSha256?: string;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The SHA-256 of a parsed manifest: of its JSON without `manifestSha256`
 * itself and without the paths of datasets kept outside the checkpoint
 * (`dataset.path`, `mix.path`), which may be edited when a dataset moves (its
 * row count still guards against another file). Any other change to run.json
 * after the save fails this checksum.
 */
export function manifestSha256(manifest: Record<string, unknown>): string {
  const { manifestSha256: _, ...rest } = manifest;
  const withoutPath = (section: unknown) => {
    if (!isRecord(section)) return section;
    const { path: _path, ...others } = section;
    return others;
  };
  return sha256(JSON.stringify({ ...rest, ...("dataset" in rest ? { dataset: withoutPath(rest.dataset) } : {}), ...("mix" in rest ? { mix: withoutPath(rest.mix) } : {}) }));
}

/** The files inside the checkpoint that a manifest refers to, run.json aside. */
export function checkpointFiles(m: Manifest): string[] {
  return [ARRAYS, METRICS, ...(m.recording ? [DATA] : []), ...(m.dataset?.file ? [m.dataset.file] : []), ...(m.mix?.file ? [m.mix.file] : [])];
}

/** Bytes an array entry takes in arrays.bin. */
export function arrayBytes(entry: ArrayEntry): number {
  return entry.length * DTYPES[entry.dtype].BYTES_PER_ELEMENT;
}

function shown(value: unknown): string {
  if (value === undefined) return "nothing (it is missing)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const HEX64 = /^[0-9a-f]{64}$/;

function checkString(problems: string[], path: string, value: unknown, nonEmpty = false): void {
  if (typeof value !== "string" || (nonEmpty && value === "")) problems.push(`${path}: expected a ${nonEmpty ? "non-empty " : ""}string, got ${shown(value)}`);
}

function checkRecord(problems: string[], path: string, value: unknown): value is Record<string, unknown> {
  if (isRecord(value)) return true;
  problems.push(`${path}: expected an object, got ${shown(value)}`);
  return false;
}

function checkSha(problems: string[], path: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== "string" || !HEX64.test(value)) problems.push(`${path}: expected a SHA-256 (64 lowercase hex digits), got ${shown(value)}`);
}

function checkIntegers(problems: string[], path: string, value: unknown, length: { n: number; what: string } | undefined): void {
  if (!Array.isArray(value) || value.some((v) => !Number.isSafeInteger(v))) {
    problems.push(`${path}: expected a list of integers, got ${shown(value)}`);
  } else if (length !== undefined && value.length !== length.n) {
    problems.push(`${path}: expected ${length.n} entries (${length.what}), got ${value.length}`);
  }
}

const SEED = { integer: true, min: -2147483648, max: 4294967295 };

/** A dataset section: rows, and either `path` (a file outside the checkpoint) or `file` (the given name inside it). */
function checkDatasetSection(problems: string[], path: string, value: unknown, file: string): void {
  if (!checkRecord(problems, path, value)) return;
  checkNumber(problems, `${path}.rows`, value.rows, { integer: true, min: 0 });
  if ((value.path === undefined) === (value.file === undefined)) {
    problems.push(`${path}: expected either path (a dataset file outside the checkpoint) or file ("${file}", inside it), got ${value.path === undefined ? "neither" : "both"}`);
  }
  if (value.path !== undefined) checkString(problems, `${path}.path`, value.path, true);
  // Only the one name: a manifest must not make a load read files outside the checkpoint by a relative path.
  if (value.file !== undefined && value.file !== file) problems.push(`${path}.file: expected "${file}", got ${shown(value.file)}`);
}

/**
 * Problems with a parsed run.json, each with the path of its field, e.g.
 * `arrays["algo.params"].offset: expected an integer ≥ 0, got -8` (empty when
 * valid). Checks every field's type and range, the arrays' layout (aligned,
 * non-overlapping, inside arrays.bin when its size is known) and, from format
 * 2, that the checksums are present. Not checked here: that the env, policy
 * and algorithm make a run (the loader builds it and reports what fails), and
 * the inside of `envState` and `algoState`, which the env and the algorithm
 * check when they load it.
 */
export function manifestProblems(m: unknown): string[] {
  if (!isRecord(m)) return [`expected a JSON object, got ${shown(m)}`];
  if (m.format !== FORMAT) return [`format: expected "${FORMAT}" (this is not a Trellis run), got ${shown(m.format)}`];
  const problems: string[] = [];
  checkNumber(problems, "formatVersion", m.formatVersion, { integer: true, min: 1 });
  if (problems.length) return problems;
  const version = m.formatVersion as number;
  if (version > FORMAT_VERSION) return [`formatVersion: ${version} was written by a newer Trellis (this one reads up to ${FORMAT_VERSION}); upgrade Trellis to load it`];
  const v2 = version >= 2;
  checkString(problems, "trellisVersion", m.trellisVersion);
  checkString(problems, "savedAt", m.savedAt);
  checkString(problems, "runId", m.runId);
  checkNumber(problems, "seed", m.seed, SEED);
  let copies: { n: number; what: string } | undefined;
  if (checkRecord(problems, "env", m.env)) {
    checkString(problems, "env.id", m.env.id, true);
    const before = problems.length;
    checkNumber(problems, "env.n", m.env.n, { integer: true, min: 1 });
    if (problems.length === before) copies = { n: m.env.n as number, what: "one per env copy" };
    checkNumber(problems, "env.seed", m.env.seed, SEED);
    checkRecord(problems, "env.kwargs", m.env.kwargs);
  }
  if (checkRecord(problems, "policy", m.policy)) {
    if (m.policy.kind !== "mlp") problems.push(`policy.kind: expected "mlp" (the only policy a checkpoint holds), got ${shown(m.policy.kind)}`);
    else {
      problems.push(...checkPolicySpec(m.policy as unknown as PolicySpec).map(problemText));
      checkBoolean(problems, "policy.shared", m.policy.shared);
    }
  }
  if (checkRecord(problems, "algo", m.algo)) {
    checkString(problems, "algo.name", m.algo.name, true);
    checkRecord(problems, "algo.config", m.algo.config);
  }
  if (checkRecord(problems, "run", m.run)) {
    const r = m.run;
    for (const key of ["trainSeconds", "lastRowSeconds"]) checkNumber(problems, `run.${key}`, r[key], { min: 0 });
    for (const key of ["lastRowStep", "lastEvalStep"]) checkNumber(problems, `run.${key}`, r[key], { integer: true, min: 0 });
    if (r.lastEvalReturn !== null) checkNumber(problems, "run.lastEvalReturn", r.lastEvalReturn);
    checkIntegers(problems, "run.evalRng", r.evalRng, { n: 4, what: "a generator state" });
    checkRecord(problems, "run.episodes", r.episodes);
  }
  if (m.recording !== undefined && checkRecord(problems, "recording", m.recording)) {
    checkIntegers(problems, "recording.episodeOf", m.recording.episodeOf, copies);
    checkIntegers(problems, "recording.tOf", m.recording.tOf, copies);
    checkNumber(problems, "recording.nextEpisode", m.recording.nextEpisode, { integer: true, min: 0 });
    checkNumber(problems, "recording.totalRows", m.recording.totalRows, { integer: true, min: 0 });
  }
  if (m.dataset !== undefined) checkDatasetSection(problems, "dataset", m.dataset, DATASET);
  if (m.mix !== undefined) {
    checkDatasetSection(problems, "mix", m.mix, MIX_DATASET);
    if (isRecord(m.mix)) {
      checkNumber(problems, "mix.ratio", m.mix.ratio);
      if (m.mix.options !== undefined) checkRecord(problems, "mix.options", m.mix.options);
    }
  }
  for (const key of ["envState", "algoState"]) if (m[key] === undefined) problems.push(`${key}: expected the saved state, got ${shown(undefined)}`);
  if (m.workers !== undefined) {
    for (const p of workersSpecProblems(m.workers)) problems.push(p);
    if (!isRecord(m.envState) || !isRecord(m.envState.workers)) problems.push(`envState: a run with workers saves { workers: { slots, version, replay } }, got ${shown(m.envState)}`);
  }
  let filesOk = false;
  if (v2) {
    checkSha(problems, "manifestSha256", m.manifestSha256, true);
    const before = problems.length;
    if (checkRecord(problems, "files", m.files)) {
      // Which files the manifest needs follows from its sections; those are checked above.
      const wanted = new Set(checkpointFiles(m as unknown as Manifest));
      for (const name of wanted) if (!(name in m.files)) problems.push(`files: expected an entry for ${name}, got none`);
      for (const [name, entry] of Object.entries(m.files)) {
        const path = `files[${JSON.stringify(name)}]`;
        if (!wanted.has(name)) problems.push(`${path}: not a file of this checkpoint (expected ${[...wanted].join(", ")})`);
        else if (checkRecord(problems, path, entry)) {
          checkNumber(problems, `${path}.bytes`, entry.bytes, { integer: true, min: 0 });
          checkSha(problems, `${path}.sha256`, entry.sha256, name !== ARRAYS);
        }
      }
    }
    filesOk = problems.length === before;
  }
  if (checkRecord(problems, "arrays", m.arrays)) {
    const placed: { name: string; start: number; end: number }[] = [];
    const fileBytes = filesOk ? ((m.files as Record<string, FileEntry>)[ARRAYS]?.bytes ?? undefined) : undefined;
    for (const [name, entry] of Object.entries(m.arrays)) {
      const path = `arrays[${JSON.stringify(name)}]`;
      if (!name.startsWith("algo.") && !(name.startsWith("workers.") && m.workers !== undefined)) problems.push(`${path}: unknown array (the arrays of a run are named algo.*, and workers.* with workers)`);
      if (!checkRecord(problems, path, entry)) continue;
      const before = problems.length;
      if (typeof entry.dtype !== "string" || !Object.hasOwn(DTYPES, entry.dtype)) problems.push(`${path}.dtype: expected one of ${Object.keys(DTYPES).join(", ")}, got ${shown(entry.dtype)}`);
      checkNumber(problems, `${path}.offset`, entry.offset, { integer: true, min: 0 });
      if (Number.isSafeInteger(entry.offset) && (entry.offset as number) % 8 !== 0) problems.push(`${path}.offset: expected a multiple of 8 (arrays are 8-byte aligned), got ${entry.offset}`);
      checkNumber(problems, `${path}.length`, entry.length, { integer: true, min: 0, max: 2 ** 31 });
      checkSha(problems, `${path}.sha256`, entry.sha256, v2);
      if (problems.length > before) continue;
      const start = entry.offset as number;
      const end = start + arrayBytes(entry as unknown as ArrayEntry);
      if (fileBytes !== undefined && end > fileBytes) problems.push(`${path}: needs bytes ${start}..${end} of ${ARRAYS}, but files["${ARRAYS}"].bytes is ${fileBytes}`);
      placed.push({ name, start, end });
    }
    placed.sort((a, b) => a.start - b.start || a.end - b.end);
    // Against the array reaching furthest so far, so that one long array is compared with every later one.
    let reach: (typeof placed)[number] | undefined;
    for (const b of placed) {
      if (b.end === b.start) continue;
      if (reach && b.start < reach.end) problems.push(`arrays[${JSON.stringify(b.name)}]: bytes ${b.start}..${b.end} overlap arrays[${JSON.stringify(reach.name)}] (bytes ${reach.start}..${reach.end})`);
      if (!reach || b.end > reach.end) reach = b;
    }
  }
  return problems;
}
