import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { DataType, Message, tableFromIPC, type Schema, type Table, type Vector } from "apache-arrow";
import { Footer } from "apache-arrow/ipc/metadata/file";

/** "ARROW1": the first and last six bytes of an Arrow IPC file. */
const MAGIC = "ARROW1";
/** Ranges closer than this are read with one call (the gap comes along): a page fault costs more than a read call. */
const COALESCE_GAP = 4096;

type Range = [start: number, end: number];

/**
 * Buffers per field in the IPC body, in the order the format lays them out
 * (validity first), children included; undefined for a layout we do not
 * project (the caller then reads the whole file).
 */
function bufferCount(type: DataType): number | undefined {
  if (DataType.isNull(type)) return 0;
  if (DataType.isDictionary(type)) return 2;
  if (DataType.isBinaryView(type) || DataType.isUtf8View(type)) return undefined;
  if (DataType.isUtf8(type) || DataType.isBinary(type) || DataType.isLargeUtf8(type) || DataType.isLargeBinary(type)) return 3;
  const children = (first: number) => {
    let n = first;
    for (const c of type.children ?? []) {
      const k = bufferCount(c.type);
      if (k === undefined) return undefined;
      n += k;
    }
    return n;
  };
  if (DataType.isList(type) || DataType.isLargeList(type) || DataType.isMap(type)) return children(2);
  if (DataType.isFixedSizeList(type) || DataType.isStruct(type)) return children(1);
  if (DataType.isDenseUnion(type)) return children(2);
  if (DataType.isSparseUnion(type)) return children(1);
  const fixedWidth = DataType.isInt(type) || DataType.isFloat(type) || DataType.isBool(type) || DataType.isDecimal(type) || DataType.isDate(type) || DataType.isTime(type) || DataType.isTimestamp(type) || DataType.isInterval(type) || DataType.isDuration(type) || DataType.isFixedSizeBinary(type);
  return fixedWidth ? 2 : undefined;
}

/** Field nodes of a column in a record batch: one per field, children included. */
function nodeCount(type: DataType): number {
  return 1 + (DataType.isDictionary(type) ? 0 : (type.children ?? []).reduce((n, c) => n + nodeCount(c.type), 0));
}

/** Integer widths and float precisions the format allows, checked down the children. */
function wellFormed(type: DataType): boolean {
  if (DataType.isInt(type) && ![8, 16, 32, 64].includes(type.bitWidth)) return false;
  if (DataType.isFloat(type) && ![0, 1, 2].includes(type.precision)) return false;
  if (DataType.isDictionary(type)) return wellFormed(type.indices) && wellFormed(type.dictionary);
  return (type.children ?? []).every((c) => wellFormed(c.type));
}

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
 * other bytes are never touched, and lets apache-arrow parse it. Sampling six
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
   * Reads the layout of the Arrow IPC file at `path` (whose first bytes are
   * the magic). Throws on a truncated or corrupted footer or batch metadata.
   */
  static open(path: string): ArrowFileColumns | undefined {
    try {
      return ArrowFileColumns.layout(path);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/^(truncated|corrupted) /.test(message)) throw error;
      throw new Error(`corrupted Arrow IPC file: ${message}`, { cause: error });
    }
  }

  private static layout(path: string): ArrowFileColumns | undefined {
    const fd = openSync(path, "r");
    try {
      const { size, mtimeMs } = fstatSync(fd);
      const read = (start: number, length: number): Uint8Array => {
        if (start < 0 || length < 0 || start + length > size) throw new Error(`a block at byte ${start} (+${length}) lies outside the file's ${size} bytes`);
        const out = new Uint8Array(length);
        readFully(fd, out, 0, length, start, "its layout");
        return out;
      };
      if (size < 12 + 8 || new TextDecoder().decode(read(size - 6, 6)) !== MAGIC) {
        throw new Error(`truncated Arrow IPC file (${size} bytes; the footer's closing "ARROW1" magic is missing)`);
      }
      const tail = read(size - 10, 4);
      const footerLength = new DataView(tail.buffer).getInt32(0, true);
      const footerStart = size - 10 - footerLength;
      if (footerLength <= 0 || footerStart < 8) throw new Error(`corrupted Arrow IPC file: footer length ${footerLength}`);
      const footer = Footer.decode(read(footerStart, footerLength));
      const schema = footer.schema;
      // Writers that put the schema message after the magic (pyarrow, arrow-rs) repeat it in the footer: a damaged footer shows as a difference.
      const prefix = new DataView(read(8, 8).buffer);
      const schemaLength = prefix.getUint32(0, true) === 0xffffffff ? prefix.getInt32(4, true) : -1;
      const leading = schemaLength > 0 && 16 + schemaLength <= size ? Message.decode(read(16, schemaLength)) : undefined;
      if (leading?.isSchema()) {
        const fields = leading.header().fields;
        if (fields.length !== schema.fields.length || fields.some((f, i) => f.name !== schema.fields[i]!.name || String(f.type) !== String(schema.fields[i]!.type))) {
          throw new Error("corrupted Arrow IPC file: the footer's schema differs from the schema at the start of the file");
        }
      }
      const badType = schema.fields.find((f) => !wellFormed(f.type));
      if (badType) throw new Error(`corrupted Arrow IPC file: the footer's schema has column ${JSON.stringify(badType.name)} of impossible type ${String(badType.type)}`);
      const counts = schema.fields.map((f) => bufferCount(f.type));
      if (counts.some((c) => c === undefined)) return undefined;
      const metadata: Range[] = [[0, 8], [footerStart, size]];
      let schemaEnd = size;
      const blocks = [...footer.recordBatches()];
      for (const b of [...blocks, ...footer.dictionaryBatches()]) schemaEnd = Math.min(schemaEnd, b.offset);
      metadata.push([8, Math.min(schemaEnd, footerStart)]);
      for (const d of footer.dictionaryBatches()) metadata.push([d.offset, d.offset + d.metaDataLength + d.bodyLength]);
      const buffersNeeded = counts.reduce((a, c) => a! + c!, 0)!;
      const nodesNeeded = schema.fields.reduce((a, f) => a + nodeCount(f.type), 0);
      const batches: BatchLayout[] = [];
      let numRows = 0;
      for (const block of blocks) {
        const meta = read(block.offset, block.metaDataLength);
        const view = new DataView(meta.buffer);
        // Encapsulated message: 0xFFFFFFFF, int32 length, flatbuffer (older files: int32 length, flatbuffer).
        const continuation = view.getUint32(0, true) === 0xffffffff;
        const flatLength = view.getInt32(continuation ? 4 : 0, true);
        const flatStart = continuation ? 8 : 4;
        const message = Message.decode(meta.subarray(flatStart, flatStart + flatLength));
        if (!message.isRecordBatch()) throw new Error(`corrupted Arrow IPC file: the block at byte ${block.offset} is not a record batch`);
        const header = message.header();
        if (header.compression) return undefined;
        metadata.push([block.offset, block.offset + block.metaDataLength]);
        const bodyStart = block.offset + block.metaDataLength;
        if (header.buffers.length !== buffersNeeded || header.nodes.length !== nodesNeeded) {
          throw new Error(`corrupted Arrow IPC file: the record batch at byte ${block.offset} has ${header.nodes.length} nodes and ${header.buffers.length} buffers, its schema needs ${nodesNeeded} and ${buffersNeeded}`);
        }
        const fieldRanges: Range[][] = [];
        let next = 0;
        for (const count of counts) {
          const ranges: Range[] = [];
          for (let k = 0; k < count!; k++, next++) {
            const region = header.buffers[next]!;
            if (region.offset + region.length > block.bodyLength) throw new Error(`corrupted Arrow IPC file: a buffer of the record batch at byte ${block.offset} ends past its body`);
            ranges.push([bodyStart + region.offset, bodyStart + region.offset + region.length]);
          }
          fieldRanges.push(ranges);
        }
        batches.push({ fieldRanges });
        numRows += header.length;
      }
      return new ArrowFileColumns(path, schema, numRows, size, mtimeMs, metadata, batches);
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
    const table = this.parse(this.readRanges(ranges, `columns ${names.join(", ")}`));
    return new Map(names.map((name) => [name, table.getChild(name)!]));
  }

  /** Every column: the whole file, parsed (the file must be unchanged since `open`). */
  readTable(): Table {
    return this.parse(this.readRanges([[0, this.size]], "the table"));
  }

  private parse(bytes: Uint8Array): Table {
    try {
      return tableFromIPC(bytes);
    } catch (error) {
      throw new Error(`${this.path}: corrupted Arrow IPC file: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  /** A buffer of the file's size holding the bytes of `ranges` (others zero and never touched). */
  private readRanges(ranges: Range[], what: string): Uint8Array {
    const fd = openSync(this.path, "r");
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
