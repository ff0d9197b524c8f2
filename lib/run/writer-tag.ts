import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";

/**
 * The process that wrote a temporary sibling (`.name.tmp-<tag>`,
 * `.name.old-<tag>`): its pid and, where known, its start time. The pid
 * alone is not enough to tell a dead writer: pids are reused (pid_max is
 * often 32768), and a later process with a dead writer's pid would otherwise
 * keep its leftovers alive, or make loads wait for a save that never ends.
 */
export interface Writer {
  readonly pid: number;
  /** Start time in clock ticks since boot (Linux, field 22 of /proc/<pid>/stat); undefined when unknown. */
  readonly start?: string;
}

interface ProcessInfo {
  readonly state: string;
  readonly start: string;
}

/** State and start time of a process from /proc (Linux); undefined where /proc cannot tell. */
function parseProcStat(text: string): ProcessInfo | undefined {
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const start = fields[19];
  return state && start && /^\d+$/.test(start) ? { state, start } : undefined;
}

function ownStart(): string | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${process.pid}/stat`, "utf8"))?.start;
  } catch {
    return undefined;
  }
}

const OWN_START = ownStart();

/** A fresh tag naming this process as the writer: `<pid>-s<start>-<8 hex digits>` (start 0 where unknown). */
export function newWriterTag(): string {
  return `${process.pid}-s${OWN_START ?? "0"}-${randomBytes(4).toString("hex")}`;
}

/**
 * The writer named by a tag: `<pid>-s<start>-<hex>` (this version), or a
 * tag that starts with `<pid>-` (earlier versions: pid only); undefined for
 * anything else, which is then not ours to touch.
 */
export function writerOf(tag: string): Writer | undefined {
  const full = /^(\d+)-s(\d+)-[0-9a-f]{8}$/.exec(tag);
  if (full) {
    const pid = Number(full[1]);
    return pid > 0 ? { pid, ...(full[2] !== "0" ? { start: full[2]! } : {}) } : undefined;
  }
  const legacy = /^(\d+)(?:-[^.]*)?$/.exec(tag);
  if (!legacy) return undefined;
  const pid = Number(legacy[1]);
  return pid > 0 && Number.isSafeInteger(pid) ? { pid } : undefined;
}

/**
 * Whether the writer may still be running. Where it cannot be told (no
 * /proc, another user's process), a writer counts as alive: its files are
 * then left alone, which is the safe side.
 */
export async function writerAlive(writer: Writer): Promise<boolean> {
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
