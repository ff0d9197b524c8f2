/**
 * An append-only Arrow IPC stream file for record batches that no longer fit
 * in memory (see `TrajectoryRecorder`'s `memoryLimitRows`). Writes are
 * synchronous and incremental: each `write(batch)` appends that batch's IPC
 * messages (the schema and dictionaries before the first one) to the file;
 * nothing already written is rewritten. The file is removed by `dispose()` or
 * at process exit.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RecordBatchStreamWriter, type RecordBatch } from "apache-arrow";
import { parseArrowIPC } from "./arrow-ipc.js";

/** Paths (files or owned directories) to delete at process exit. */
const pendingCleanup = new Set<string>();
let exitHookInstalled = false;

function removeAtExit(path: string): void {
  pendingCleanup.add(path);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const p of pendingCleanup) {
      try {
        rmSync(p, { recursive: true, force: true });
      } catch {
        // best effort at exit
      }
    }
  });
}

let fileCounter = 0;

/** A stream writer whose bytes go straight to a file descriptor (synchronously) instead of an async queue. */
class FdStreamWriter extends RecordBatchStreamWriter {
  constructor(private readonly fd: number) {
    super({ autoDestroy: false });
  }

  protected override _write(chunk: unknown): this {
    if (!this._started) return this;
    let bytes: Uint8Array;
    if (typeof chunk === "string") bytes = Buffer.from(chunk, "utf8");
    else if (chunk instanceof ArrayBuffer) bytes = new Uint8Array(chunk);
    else if (ArrayBuffer.isView(chunk)) bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError("SpillFile: unexpected chunk from the Arrow writer");
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(this.fd, bytes, off, bytes.byteLength - off);
    this._position += bytes.byteLength;
    return this;
  }

  get position(): number {
    return this._position;
  }
}

export class SpillFile {
  /** The stream file. */
  readonly path: string;
  private readonly ownedDir: string | undefined;
  private fd: number | undefined;
  private writer: FdStreamWriter | undefined;
  private rows = 0;

  /** Creates the file in `dir` (default: a fresh directory under `os.tmpdir()`, owned and removed with the file). */
  constructor(dir?: string) {
    this.ownedDir = dir === undefined ? mkdtempSync(join(tmpdir(), "trellis-spill-")) : undefined;
    const base = dir ?? this.ownedDir!;
    this.path = join(base, `trajectory-${process.pid}-${++fileCounter}-${Date.now().toString(36)}.arrows`);
    this.fd = openSync(this.path, "wx");
    removeAtExit(this.ownedDir ?? this.path);
    this.writer = new FdStreamWriter(this.fd);
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.writer?.position ?? 0;
  }

  /** Rows written so far. */
  get numRows(): number {
    return this.rows;
  }

  /** Appends one batch (its schema must match the earlier batches'). */
  write(batch: RecordBatch): void {
    if (!this.writer) throw new Error("SpillFile: disposed");
    this.writer.write(batch);
    this.rows += batch.numRows;
  }

  /** Every batch written so far, read back from the file into one buffer (the batches are views of it). */
  readBatches(): RecordBatch[] {
    if (!this.writer) throw new Error("SpillFile: disposed");
    if (this.rows === 0) return [];
    // No end-of-stream marker yet: the stream ends with the bytes.
    return parseArrowIPC(readFileSync(this.path), this.path, { openEnded: true }).batches;
  }

  /** Closes and deletes the file (and the owned directory). Idempotent. */
  dispose(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    this.writer = undefined;
    const target = this.ownedDir ?? this.path;
    rmSync(target, { recursive: true, force: true });
    pendingCleanup.delete(target);
  }
}
