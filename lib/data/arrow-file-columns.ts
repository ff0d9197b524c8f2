import { closeSync, fstatSync, readSync } from "node:fs";
import type { Schema, Table, Vector } from "apache-arrow";
import { batchBuffers } from "./arrow-buffers.js";
import { parseArrowIPC } from "./arrow-ipc.js";
import { ArrowFormatError, readArrowLayout, type ByteSource } from "./arrow-layout.js";
import { openRegularFileSync } from "./regular-file.js";

/** Ranges closer than this are read with one call (the gap comes along): a page fault costs more than a read call. */
const COALESCE_GAP = 4096;

type Range = [start: number, end: number];

/**
 * Reads file bytes [position, position + length) into `into` at `offset`
 * (readSync may return fewer bytes than asked); returns `length`.
 */
function readFully(fd: number, into: Uint8Array, offset: number, length: number, position: number, what: string): number {
  for (let done = 0; done < length; ) {
    const n = readSync(fd, into, offset + done, length - done, position + done);
    if (n === 0) throw new Error(`the file ended at byte ${position + done} while reading ${what}`);
    done += n;
  }
  return length;
}

/** Sorts and merges ranges that overlap or lie within `gap` bytes of each other. */
function coalesce(ranges: Range[], gap: number): Range[] {
  const sorted = ranges.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + gap) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** One record batch of the file: each top-level field's byte ranges in it. */
interface BatchLayout {
  /** Per top-level field: absolute file ranges of its buffers. */
  readonly fieldRanges: Range[][];
}

/**
 * Column-projected reads of an uncompressed Arrow IPC file: `open` reads only
 * the footer and each record batch's metadata; `read(names)` reads just those
 * columns' buffers (plus the metadata) into a buffer of the file's size whose
 * other bytes are never touched, and parses it with `parseArrowIPC` (which
 * checks the metadata again, and the columns read). Sampling six
 * columns of a sixteen-column file thus reads and pages in about half of it.
 * `open` returns undefined for files it cannot project (compressed bodies,
 * view types); read those whole.
 */
export class ArrowFileColumns {
  /** Bytes read from the file so far by `read` and `readTable` (the layout's own reads not counted). */
  bytesRead = 0;

  private constructor(
    readonly path: string,
    readonly schema: Schema,
    readonly numRows: number,
    private readonly size: number,
    private readonly mtimeMs: number,
    /** Magic, schema and dictionary messages, every batch's metadata, the footer. */
    private readonly metadata: Range[],
    private readonly batches: BatchLayout[],
  ) {}

  /**
   * Reads and checks the layout of the Arrow IPC file at `path` (whose first
   * bytes are the magic; see arrow-layout.ts); undefined for a file whose
   * columns cannot be read alone (compressed bodies, view types). Throws an
   * Error naming the file for anything but a regular file, and for a
   * truncated or corrupted footer or batch metadata.
   */
  static open(path: string): ArrowFileColumns | undefined {
    const fd = openRegularFileSync(path);
    try {
      const { size, mtimeMs } = fstatSync(fd);
      const source: ByteSource = {
        size,
        read: (start, length) => {
          if (start < 0 || length < 0 || start + length > size) throw new ArrowFormatError(`${path}: corrupted Arrow IPC file: a block at byte ${start} (+${length}) lies outside the file's ${size} bytes`);
          const out = new Uint8Array(length);
          readFully(fd, out, 0, length, start, `the layout of ${path}`);
          return out;
        },
      };
      const layout = readArrowLayout(source, path);
      if (layout.format !== "file" || layout.compressed || layout.views) return undefined;
      const metadata: Range[] = [[0, 8 + (layout.schemaMessage?.metaDataLength ?? 0)]];
      for (const d of layout.dictionaries) metadata.push([d.offset, d.offset + d.metaDataLength + d.bodyLength]);
      const batches: BatchLayout[] = [];
      for (const b of layout.batches) {
        const bodyStart = b.offset + b.metaDataLength;
        metadata.push([b.offset, bodyStart]);
        const fieldRanges: Range[][] = layout.schema.fields.map(() => []);
        batchBuffers(b.batch, layout.nodes).forEach((buffers, i) => {
          for (const { buffer } of buffers) fieldRanges[layout.nodes[i]!.column]!.push([bodyStart + buffer.offset, bodyStart + buffer.offset + buffer.length]);
        });
        batches.push({ fieldRanges });
      }
      // The end-of-stream marker and the footer, after the last message.
      const messagesEnd = [...layout.dictionaries, ...layout.batches].reduce((end, b) => Math.max(end, b.offset + b.metaDataLength + b.bodyLength), metadata[0]![1]);
      metadata.push([messagesEnd, size]);
      return new ArrowFileColumns(path, layout.schema, layout.numRows, size, mtimeMs, metadata, batches);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The named columns (each a Vector over every record batch), reading only
   * their bytes; the file must be unchanged since `open`.
   */
  read(names: readonly string[]): Map<string, Vector> {
    const indices = names.map((name) => {
      const i = this.schema.fields.findIndex((f) => f.name === name);
      if (i < 0) throw new Error(`${this.path}: no column ${name}`);
      return i;
    });
    const ranges: Range[] = [...this.metadata];
    for (const b of this.batches) for (const i of indices) ranges.push(...b.fieldRanges[i]!);
    // The metadata is read again and checked again with the columns: what is parsed is what was read, whatever happened to the file.
    const table = parseArrowIPC(this.readRanges(ranges, `columns ${names.join(", ")}`), this.path, { columns: indices });
    return new Map(names.map((name) => [name, table.getChild(name)!]));
  }

  /** Every column: the whole file, parsed and checked (the file must be unchanged since `open`). */
  readTable(): Table {
    return parseArrowIPC(this.readRanges([[0, this.size]], "the table"), this.path);
  }

  /** A buffer of the file's size holding the bytes of `ranges` (others zero and never touched). */
  private readRanges(ranges: Range[], what: string): Uint8Array {
    const fd = openRegularFileSync(this.path);
    try {
      const { size, mtimeMs } = fstatSync(fd);
      if (size !== this.size || mtimeMs !== this.mtimeMs) throw new Error(`${this.path} changed on disk since the dataset was opened; open it again`);
      // Untouched pages of a fresh buffer cost nothing: only the ranges read are paged in.
      const bytes = new Uint8Array(size);
      for (const [start, end] of coalesce(ranges, COALESCE_GAP)) this.bytesRead += readFully(fd, bytes, start, end - start, start, `${what} of ${this.path}`);
      return bytes;
    } finally {
      closeSync(fd);
    }
  }
}
