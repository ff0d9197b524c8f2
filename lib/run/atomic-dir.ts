import { lstat, mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { newWriterTag, writerAlive, writerOf, type Writer } from "./writer-tag.js";

/**
 * Temporary siblings of a path `dir`: `.name.tmp-<tag>` (being written, or
 * claimed for removal) and `.name.old-<tag>` (the previous version, moved
 * aside for a moment by {@link writeDirAtomic}). The tag names the writing
 * process, so leftovers of dead writers can be told from a live writer's.
 */
type SiblingKind = "tmp" | "old";

interface Sibling {
  readonly path: string;
  readonly kind: SiblingKind;
  readonly writer: Writer;
}

function siblingPath(path: string, kind: SiblingKind, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${kind}-${tag}`);
}

async function siblingsOf(path: string): Promise<Sibling[]> {
  const parent = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return [];
  }
  const out: Sibling[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(tmp|old)-(.+)$/.exec(name.slice(prefix.length));
    const writer = m ? writerOf(m[2]!) : undefined;
    if (m && writer) out.push({ path: join(parent, name), kind: m[1] as SiblingKind, writer });
  }
  return out;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

export function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** How often a save moves aside a directory that other saves keep putting back before it gives up. */
const MAX_PLACE_ATTEMPTS = 100;

/**
 * Writes a directory atomically: `fill` writes into a fresh temporary sibling,
 * every file is fsynced, then the temporary directory replaces `dir`: `dir`
 * is renamed to an `.old-*` sibling and the new one renamed into place
 * (POSIX cannot rename a directory over a non-empty one). A crash at any
 * point leaves either the old complete `dir` or the new one, never a
 * half-written one; if it falls between the two renames, `dir` is missing and
 * {@link recoverDir} (called by readers, and by the next save) moves the old
 * one back. Leftovers of writers that died are removed by the next save.
 *
 * Several processes may save the same `dir` at once: each succeeds, the last
 * rename wins, and a reader sees one whole version (a reader that finds
 * `dir` missing while a live writer is between its renames waits for it).
 */
export async function writeDirAtomic(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  await recoverDir(dir);
  const current = await stat(dir).catch((error: unknown) => {
    if (code(error) === "ENOENT") return undefined;
    throw error;
  });
  if (current && !current.isDirectory()) throw new Error(`cannot save to ${dir}: it exists and is not a directory`);
  await removeDeadSiblings(dir);
  const tmp = siblingPath(dir, "tmp", newWriterTag());
  await mkdir(tmp);
  const movedAside: string[] = [];
  try {
    await fill(tmp);
    await fsyncPath(tmp);
    for (let attempt = 1; ; attempt++) {
      const old = siblingPath(dir, "old", newWriterTag());
      try {
        await rename(dir, old);
        movedAside.push(old);
      } catch (error) {
        if (code(error) !== "ENOENT") throw error;
      }
      try {
        await rename(tmp, dir);
        break;
      } catch (error) {
        // Another save (or a load's recovery) put a directory there since it was moved aside: move that one aside too.
        if ((code(error) !== "ENOTEMPTY" && code(error) !== "EEXIST") || attempt >= MAX_PLACE_ATTEMPTS) throw error;
      }
    }
    await fsyncPath(parent);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    // Put back the version that was in place, so that a failed save loses nothing.
    const last = movedAside.pop();
    if (last) await rename(last, dir).catch(() => movedAside.push(last));
    await removeAll(movedAside);
    throw error;
  }
  await removeAll(movedAside);
}

async function removeAll(paths: readonly string[]): Promise<void> {
  for (const p of paths) await rm(p, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Removes the temporary siblings of `path` whose writers are dead: `.tmp-*`
 * always, `.old-*` only while `path` itself exists (otherwise the newest one
 * is the only copy, for {@link recoverDir}). Each is first claimed by an
 * atomic rename to this process's own `.tmp-*` name, so that two cleaners, or
 * a cleaner and a reader recovering the same `.old-*`, never both act on it.
 * Best effort: what cannot be removed stays for the next save.
 */
export async function removeDeadSiblings(path: string): Promise<void> {
  const present = await exists(path);
  for (const s of await siblingsOf(path)) {
    if (s.kind === "old" && !present) continue;
    if (await writerAlive(s.writer)) continue;
    const claimed = siblingPath(path, "tmp", newWriterTag());
    try {
      await rename(s.path, claimed);
    } catch {
      continue;
    }
    await rm(claimed, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Writes one file and fsyncs it. */
export async function writeFileSynced(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, "w");
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` to `path` atomically: a temp sibling is written and fsynced,
 * then renamed over `path`, then the directory fsynced. Temp files left by
 * writers that died are removed first.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await removeDeadSiblings(path);
  const tmp = siblingPath(path, "tmp", newWriterTag());
  try {
    await writeFileSynced(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await fsyncPath(dir);
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    await fh.close();
  }
}

/**
 * Where `dir` stands for a reader:
 * - `present`: it exists;
 * - `recovered`: it was missing because a writer died between its two
 *   renames, and that writer's `.old-*` copy (the newest, if several) was
 *   moved back into place;
 * - `saving`: it is missing because a live writer is between its two renames
 *   (or is writing the first version): it will be back in a moment;
 * - `missing`: nothing was ever saved there (or everything was removed).
 *
 * Only a dead writer's copy is moved back: moving a live writer's `.old-*`
 * back would undo its save midway (its own rename would then find `dir`
 * taken, and a reader would see the version it was replacing).
 */
export type DirState = "present" | "recovered" | "saving" | "missing";

/** The previous versions (`.name.old-*`) a writer left beside `dir`, which a load waits for while their writer may be alive. */
export async function previousVersions(dir: string): Promise<string[]> {
  return (await siblingsOf(dir)).filter((s) => s.kind === "old").map((s) => s.path);
}

export async function recoverDir(dir: string): Promise<DirState> {
  // A few rounds: a concurrent save or recovery can change the picture while we look.
  let sawNothing = false;
  for (let round = 0; round < 5; round++) {
    if (await exists(dir)) return "present";
    const siblings = await siblingsOf(dir);
    const alive = new Map<Sibling, boolean>();
    for (const s of siblings) alive.set(s, await writerAlive(s.writer));
    if (siblings.some((s) => s.kind === "old" && alive.get(s))) return "saving";
    const dead = siblings.filter((s) => s.kind === "old" && !alive.get(s));
    if (dead.length === 0) {
      if (siblings.some((s) => s.kind === "tmp" && alive.get(s))) return "saving";
      // A save can finish both renames and delete its old copy between the exists() above and the listing: look once more.
      if (sawNothing) return "missing";
      sawNothing = true;
      continue;
    }
    let newest: Sibling | undefined;
    let newestTime = -Infinity;
    for (const s of dead) {
      // The directory's mtime is when its last file was written: the most recent save's copy is the newest.
      const t = await stat(s.path).then((st) => st.mtimeMs, () => -Infinity);
      if (t > newestTime) [newest, newestTime] = [s, t];
    }
    if (!newest) continue;
    try {
      await rename(newest.path, dir);
      return "recovered";
    } catch (error) {
      if (!["ENOENT", "ENOTEMPTY", "EEXIST"].includes(code(error) ?? "")) throw error;
    }
  }
  return (await exists(dir)) ? "present" : "saving";
}
