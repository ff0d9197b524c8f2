/**
 * Opening files that must be regular files. A FIFO named like a data file
 * would block `open` until a writer comes, a directory fails with a bare
 * EISDIR: both are refused here with the path and what it is. The file is
 * opened non-blocking and checked with fstat on the same descriptor, so
 * nothing can swap it between the check and the read.
 */
import { closeSync, constants, fstatSync, openSync, statSync, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";

const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What a non-regular file is, in words. */
function kindOf(s: Stats): string {
  if (s.isDirectory()) return "a directory";
  if (s.isFIFO()) return "a FIFO (named pipe)";
  if (s.isSocket()) return "a socket";
  if (s.isCharacterDevice()) return "a character device";
  if (s.isBlockDevice()) return "a block device";
  return "not a regular file";
}

function notRegular(path: string, s: Stats): Error {
  return new Error(`${path}: ${kindOf(s)}, not a regular file (data files are read from regular files only)`);
}

/** Opening a socket fails with ENXIO: say what the path is instead. */
function openError(path: string, error: unknown, s: Stats | undefined): unknown {
  return s && !s.isFile() ? notRegular(path, s) : error;
}

/** A file descriptor of the regular file at `path` (symbolic links followed); throws naming the path for anything else. */
export function openRegularFileSync(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (error) {
    throw openError(path, error, statSync(path, { throwIfNoEntry: false }));
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw notRegular(path, s);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** The bytes of the regular file at `path`; throws naming the path for a directory, FIFO, socket or device. */
export async function readRegularFile(path: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, FLAGS);
  } catch (error) {
    throw openError(path, error, await stat(path).catch(() => undefined));
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw notRegular(path, s);
    const buf = await handle.readFile();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } finally {
    await handle.close();
  }
}
