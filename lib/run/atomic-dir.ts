import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes a directory atomically: `fill` writes into a fresh temporary sibling,
 * every file is fsynced, then the temporary directory replaces `dir` by
 * rename. A crash at any point leaves either the old complete `dir` or the new
 * one, never a half-written one (plus, at worst, a stray `.tmp-*` sibling).
 * The one moment between the two renames, when `dir` is briefly absent, is
 * covered by {@link recoverDir}, which readers call first.
 */
export async function writeDirAtomic(dir: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = join(parent, `.${basename(dir)}.tmp-${tag}`);
  const old = join(parent, `.${basename(dir)}.old-${tag}`);
  await mkdir(tmp);
  try {
    await fill(tmp);
    await fsyncPath(tmp);
    let hadOld = false;
    try {
      if ((await stat(dir)).isDirectory()) {
        await rename(dir, old);
        hadOld = true;
      } else {
        throw new Error(`cannot save to ${dir}: it exists and is not a directory`);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    await rename(tmp, dir);
    await fsyncPath(parent);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
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

/** Writes `data` to `path` atomically: a temp sibling is written and fsynced, then renamed over `path`, then the directory fsynced. */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
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
 * Makes `dir` present again after a crash between the two renames of
 * {@link writeDirAtomic}: when `dir` is missing but a complete previous
 * version (`.name.old-*`) exists, the newest one is moved back. Returns
 * whether anything was recovered.
 */
export async function recoverDir(dir: string): Promise<boolean> {
  try {
    await stat(dir);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const parent = dirname(dir);
  const prefix = `.${basename(dir)}.old-`;
  let names: string[];
  try {
    names = (await readdir(parent)).filter((n) => n.startsWith(prefix));
  } catch {
    return false;
  }
  if (names.length === 0) return false;
  let newest = names[0]!;
  let newestTime = -Infinity;
  for (const n of names) {
    const t = (await stat(join(parent, n))).mtimeMs;
    if (t > newestTime) {
      newest = n;
      newestTime = t;
    }
  }
  await rename(join(parent, newest), dir);
  return true;
}
