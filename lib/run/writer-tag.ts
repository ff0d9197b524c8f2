import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";

/**
 * The process that wrote a temporary sibling (`.name.tmp-<tag>`,
 * `.name.old-<tag>`), as far as its tag tells: its pid and, where known,
 * its start time, the machine (host and pid namespace) and the boot it ran
 * in. The pid alone is not enough to tell a dead writer: pids are reused
 * (pid_max is often 32768), and restart from 1 after a reboot; and a pid
 * means nothing on another machine or container sharing the directory.
 */
export interface Writer {
  readonly pid: number;
  /** Start time in clock ticks since boot (Linux, field 22 of /proc/<pid>/stat). */
  readonly start?: string;
  /** 8 hex digits of SHA-256(host name, pid namespace): where the pid means something. */
  readonly machine?: string;
  /** The first 8 hex digits of the kernel's boot id (Linux). */
  readonly boot?: string;
}

interface ProcessInfo {
  readonly state: string;
  readonly start: string;
}

/** State and start time of a process from its /proc/<pid>/stat (Linux); undefined where it cannot tell. */
function parseProcStat(text: string): ProcessInfo | undefined {
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const start = fields[19];
  return state && start && /^\d+$/.test(start) ? { state, start } : undefined;
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

const OWN_START = attempt(() => parseProcStat(readFileSync(`/proc/${process.pid}/stat`, "utf8"))?.start);
const BOOT = attempt(() => /^[0-9a-f]{8}/.exec(readFileSync("/proc/sys/kernel/random/boot_id", "utf8"))?.[0]);
const MACHINE = createHash("sha256")
  .update(`${hostname()}\0${attempt(() => readlinkSync("/proc/self/ns/pid")) ?? ""}`)
  .digest("hex")
  .slice(0, 8);

/** A fresh tag naming this process as the writer: `<pid>-s<start>-m<machine>-b<boot>-<8 hex digits>` (0 for what is unknown). */
export function newWriterTag(): string {
  return `${process.pid}-s${OWN_START ?? "0"}-m${MACHINE}-b${BOOT ?? "0"}-${randomBytes(4).toString("hex")}`;
}

/**
 * The writer named by a tag of {@link newWriterTag}, or by a tag that starts
 * with `<pid>-` (earlier versions: the pid only); undefined for anything
 * else, which is then not ours to touch.
 */
export function writerOf(tag: string): Writer | undefined {
  const full = /^(\d+)-s(\d+)-m([0-9a-f]{8})-b([0-9a-f]{8}|0)-[0-9a-f]{8}$/.exec(tag);
  if (full) {
    const pid = Number(full[1]);
    if (!(pid > 0 && Number.isSafeInteger(pid))) return undefined;
    return { pid, ...(full[2] !== "0" ? { start: full[2]! } : {}), machine: full[3]!, ...(full[4] !== "0" ? { boot: full[4]! } : {}) };
  }
  const legacy = /^(\d+)(?:-[^.]*)?$/.exec(tag);
  if (!legacy) return undefined;
  const pid = Number(legacy[1]);
  return pid > 0 && Number.isSafeInteger(pid) ? { pid } : undefined;
}

/**
 * Whether the writer may still be running. Where it cannot be told (another
 * machine or container, no /proc, another user's process), a writer counts
 * as alive: its files are then left alone, which is the safe side.
 */
export async function writerAlive(writer: Writer): Promise<boolean> {
  if (writer.machine !== undefined && writer.machine !== MACHINE) return true;
  if (writer.boot !== undefined && BOOT !== undefined && writer.boot !== BOOT) return false;
  if (writer.pid === process.pid) return writer.start === undefined || OWN_START === undefined || writer.start === OWN_START;
  try {
    process.kill(writer.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  // Without /proc (not Linux), the pid is all there is to go by.
  if (OWN_START === undefined) return true;
  let info: ProcessInfo | undefined;
  try {
    info = parseProcStat(await readFile(`/proc/${writer.pid}/stat`, "utf8"));
  } catch (error) {
    // The process ended between the two looks.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    return true;
  }
  if (!info) return true;
  if (info.state === "Z" || info.state === "X") return false;
  return writer.start === undefined || info.start === writer.start;
}
