import { open, readFile, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { code, previousVersions, recoverDir } from "./atomic-dir.js";
import { ARROW_MAGIC } from "../data/arrow-layout.js";
import { CheckpointError } from "./checkpoint-error.js";
import { ARRAYS, DTYPES, MANIFEST, arrayBytes, checkpointFiles, manifestProblems, manifestSha256, sha256, type Manifest, type TypedArray } from "./checkpoint-manifest.js";

/** A checkpoint's content, all read from one saved version of its directory and verified. */
export interface CheckpointContent {
  readonly manifest: Manifest;
  /** The arrays of arrays.bin by name (aligned copies). */
  readonly arrays: Record<string, TypedArray>;
  /** Every other file the manifest names (metrics.arrow, data.arrow, dataset files), whole. */
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** Reads of a directory that another process keeps replacing, before a load gives up. */
export const MAX_READ_ATTEMPTS = 20;
const backoffMs = (retry: number) => Math.min(250, 5 * 2 ** (retry - 1));

type Attempt = { readonly kind: "ok"; readonly content: CheckpointContent } | { readonly kind: "replaced" } | { readonly kind: "problems"; readonly problems: string[] };
const REPLACED: Attempt = { kind: "replaced" };


function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const short = (hex: string) => hex.slice(0, 12);

/**
 * What tells one version of a directory from the next: a save replaces the
 * whole directory (a new inode), and the renames change its ctime. Undefined
 * when it is missing.
 */
async function identity(dir: string): Promise<{ key: string; isDirectory: boolean } | undefined> {
  try {
    const s = await stat(dir, { bigint: true });
    return { key: `${s.dev}:${s.ino}:${s.ctimeNs}:${s.birthtimeNs}`, isDirectory: s.isDirectory() };
  } catch (error) {
    if (code(error) === "ENOENT" || code(error) === "ENOTDIR") return undefined;
    throw new CheckpointError(dir, [`${dir}: cannot be read (${message(error)})`]);
  }
}

/**
 * Reads the checkpoint in `dir`: the manifest, then every file it names, all
 * from one saved version, each checked against the manifest (sizes and
 * SHA-256 checksums from format 2, Arrow framing, non-finite numbers).
 *
 * A save by another process replaces the directory at any moment. Every file
 * is opened while the directory keeps its identity (checked before and
 * after), so that all of them come from one version; files inside a saved
 * directory are never changed, so reading them afterwards is safe. When the
 * directory was replaced meanwhile, or is missing because a live writer is
 * between its two renames, the read starts over after a short pause, at most
 * {@link MAX_READ_ATTEMPTS} times. Problems found twice in a row in an
 * unchanged directory are corruption: a {@link CheckpointError} names every
 * file, array or field and what is wrong.
 */
export async function readCheckpoint(dir: string): Promise<CheckpointContent> {
  let previous: string | undefined;
  let lastWait = "";
  const t0 = performance.now();
  for (let attempt = 1; attempt <= MAX_READ_ATTEMPTS; attempt++) {
    if (attempt > 1) await sleep(backoffMs(attempt - 1));
    let state;
    try {
      state = await recoverDir(dir);
    } catch (error) {
      throw new CheckpointError(dir, [`${dir}: cannot be read or recovered (${message(error)})`]);
    }
    if (state === "missing") throw new CheckpointError(dir, [`${dir}: no such directory (expected a directory written by run.save())`]);
    if (state === "saving") {
      lastWait = "another process was saving to it (the directory was missing between the two renames of its save)";
      continue;
    }
    const r = await readOnce(dir);
    if (r.kind === "ok") return r.content;
    if (r.kind === "replaced") {
      lastWait = "another process replaced it while it was read";
      continue;
    }
    // The same problems in an unchanged directory twice: the files are damaged, not in the middle of a save.
    const key = r.problems.join("\n");
    if (key === previous) throw new CheckpointError(dir, r.problems);
    previous = key;
    lastWait = `the files did not match their manifest (${r.problems[0]})`;
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  // A writer whose liveness cannot be told (another machine or container) keeps its previous version beside the directory.
  const left = (await identity(dir)) ? [] : await previousVersions(dir);
  const hint = left.length ? `; if no save is running, move its previous version back by hand: mv ${left[0]} ${dir}` : "; try again, or load a copy";
  throw new CheckpointError(dir, [`${dir}: no whole checkpoint could be read in ${MAX_READ_ATTEMPTS} attempts over ${seconds} s: ${lastWait}${hint}`]);
}

async function readOnce(dir: string): Promise<Attempt> {
  const before = await identity(dir);
  if (!before) return REPLACED;
  if (!before.isDirectory) throw new CheckpointError(dir, [`${dir}: not a directory (expected a directory written by run.save())`]);
  const manifestPath = join(dir, MANIFEST);
  let text: string;
  try {
    text = await readFile(manifestPath, "utf8");
  } catch (error) {
    if (code(error) === "ENOENT" && (await identity(dir))?.key !== before.key) return REPLACED;
    throw new CheckpointError(dir, [
      code(error) === "ENOENT" ? `${manifestPath}: missing, so this is not a checkpoint (expected a directory written by run.save())` : `${manifestPath}: cannot be read (${message(error)})`,
    ]);
  }
  const manifest = parseManifest(dir, text);
  const handles = new Map<string, FileHandle>();
  try {
    const missing: string[] = [];
    for (const name of checkpointFiles(manifest)) {
      try {
        handles.set(name, await open(join(dir, name), "r"));
      } catch (error) {
        if (code(error) !== "ENOENT") throw new CheckpointError(dir, [`${join(dir, name)}: cannot be read (${message(error)})`]);
        missing.push(name);
      }
    }
    if ((await identity(dir))?.key !== before.key) return REPLACED;
    const bytes = new Map<string, Uint8Array>();
    for (const [name, fh] of handles) {
      try {
        bytes.set(name, await fh.readFile());
      } catch (error) {
        throw new CheckpointError(dir, [`${join(dir, name)}: cannot be read (${message(error)})`]);
      }
    }
    const problems = missing.map((name) => `${join(dir, name)}: missing (${MANIFEST} lists it)`);
    const content = verify(dir, manifest, bytes, problems);
    return problems.length ? { kind: "problems", problems } : { kind: "ok", content };
  } finally {
    for (const fh of handles.values()) await fh.close().catch(() => undefined);
  }
}

/** Parses and validates run.json; a manifest is written whole, so whatever is wrong with it is final. */
function parseManifest(dir: string, text: string): Manifest {
  const path = join(dir, MANIFEST);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(dir, [`${path}: not valid JSON (${message(error)})`]);
  }
  const problems = manifestProblems(value);
  if (problems.length) throw new CheckpointError(dir, problems.map((p) => `${path}: ${p}`));
  const m = value as Manifest;
  if (m.manifestSha256 !== undefined) {
    const found = manifestSha256(value as Record<string, unknown>);
    if (found !== m.manifestSha256) {
      throw new CheckpointError(dir, [
        `${path}: fails its checksum (manifestSha256 is ${short(m.manifestSha256)}…, the content hashes to ${short(found)}…): it was changed after it was saved (only dataset.path and mix.path may be edited)`,
      ]);
    }
  }
  return m;
}


/** Why `bytes` cannot be a whole Arrow IPC file (which starts and ends with "ARROW1"), or undefined. */
function arrowFramingProblem(bytes: Uint8Array): string | undefined {
  const at = (offset: number) => [...ARROW_MAGIC].every((c, i) => bytes[offset + i] === c.charCodeAt(0));
  if (bytes.length < 12 || !at(0)) return `not an Arrow IPC file (it should start with "ARROW1"; it has ${bytes.length} bytes)`;
  if (!at(bytes.length - 6)) return `not a whole Arrow IPC file (it should end with "ARROW1"): it is truncated`;
  return undefined;
}

function verify(dir: string, m: Manifest, bytes: ReadonlyMap<string, Uint8Array>, problems: string[]): CheckpointContent {
  const files = new Map<string, Uint8Array>();
  for (const [name, data] of bytes) {
    const path = join(dir, name);
    const entry = m.files?.[name];
    if (entry && data.byteLength !== entry.bytes) {
      problems.push(`${path}: has ${data.byteLength} bytes, ${MANIFEST} says ${entry.bytes}: ${data.byteLength < entry.bytes ? "the file is truncated" : "the file was changed after it was saved"}`);
      continue;
    }
    if (entry?.sha256 !== undefined) {
      const found = sha256(data);
      if (found !== entry.sha256) {
        problems.push(`${path}: fails its checksum (expected sha256 ${short(entry.sha256)}…, found ${short(found)}…): the file was changed after it was saved`);
        continue;
      }
    }
    if (name.endsWith(".arrow")) {
      const framing = arrowFramingProblem(data);
      if (framing) {
        problems.push(`${path}: ${framing}`);
        continue;
      }
    }
    if (name !== ARRAYS) files.set(name, data);
  }
  const arrays: Record<string, TypedArray> = {};
  const blob = bytes.get(ARRAYS);
  if (!blob || (m.files?.[ARRAYS] && blob.byteLength !== m.files[ARRAYS].bytes)) return { manifest: m, arrays, files };
  const path = join(dir, ARRAYS);
  const covered: [number, number][] = [];
  for (const [name, entry] of Object.entries(m.arrays)) {
    const end = entry.offset + arrayBytes(entry);
    if (end > blob.byteLength) {
      problems.push(`${path}: array ${name} needs bytes ${entry.offset}..${end}, the file has ${blob.byteLength}: it is truncated`);
      continue;
    }
    covered.push([entry.offset, end]);
    const raw = blob.subarray(entry.offset, end);
    if (entry.sha256 !== undefined) {
      const found = sha256(raw);
      if (found !== entry.sha256) {
        problems.push(`${path}: array ${name} fails its checksum (expected sha256 ${short(entry.sha256)}…, found ${short(found)}…): the file was changed after it was saved`);
        continue;
      }
    }
    // A copy: Buffer.slice would share (and expose) the whole read buffer.
    const array = new DTYPES[entry.dtype](new Uint8Array(raw).buffer);
    if (array instanceof Float32Array || array instanceof Float64Array) {
      const i = array.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) {
        problems.push(`${path}: array ${name} holds ${array[i]} at index ${i}${entry.sha256 !== undefined ? " (its checksum matches, so it was saved that way)" : ""}: a run cannot continue from non-finite weights or state`);
        continue;
      }
    }
    arrays[name] = array;
  }
  // From format 2 every byte of arrays.bin is accounted for: the arrays have checksums, the padding between them must be zero.
  if (m.formatVersion >= 2) {
    covered.sort((a, b) => a[0] - b[0]);
    let from = 0;
    for (const [start, end] of [...covered, [blob.byteLength, blob.byteLength] as [number, number]]) {
      for (let i = from; i < start; i++) {
        if (blob[i] !== 0) {
          problems.push(`${path}: byte ${i} lies between arrays and should be 0 (padding), found ${blob[i]}: the file was changed after it was saved`);
          break;
        }
      }
      from = Math.max(from, end);
    }
  }
  return { manifest: m, arrays, files };
}
