/**
 * Finding fields in the flatbuffers of Arrow IPC bytes, to damage them on
 * purpose in tests: a few steps of the flatbuffer format (root offset,
 * vtable, field slot, offset to a subtable or vector), trusting the bytes.
 */
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Position of field `id` of the table at `table` (undefined when absent). */
export function fieldAt(b: Uint8Array, table: number, id: number): number | undefined {
  const vtable = table - view(b).getInt32(table, true);
  const slot = 4 + 2 * id;
  if (slot >= view(b).getUint16(vtable, true)) return undefined;
  const offset = view(b).getUint16(vtable + slot, true);
  return offset ? table + offset : undefined;
}

/** The table, vector or string an offset field at `at` points to. */
export function follow(b: Uint8Array, at: number): number {
  return at + view(b).getUint32(at, true);
}

/** The root table of the flatbuffer starting at `start`. */
export function root(b: Uint8Array, start: number): number {
  return follow(b, start);
}

/** Where an Arrow IPC file's footer flatbuffer starts. */
export function footerStart(b: Uint8Array): number {
  return b.length - 10 - view(b).getInt32(b.length - 10, true);
}

/** One IPC message: where it starts, its header's type (1 schema, 2 dictionary batch, 3 record batch) and header table. */
export interface MessageAt {
  offset: number;
  headerType: number;
  /** Position of the header table (Schema, DictionaryBatch or RecordBatch). */
  header: number;
}

/** The messages of the IPC stream starting at `start` (0 in a stream, 8 in a file), up to its end-of-stream marker. */
export function streamMessages(b: Uint8Array, start: number): MessageAt[] {
  const out: MessageAt[] = [];
  for (let pos = start; pos + 8 <= b.length; ) {
    const length = view(b).getInt32(pos + 4, true);
    if (length === 0) break;
    const message = root(b, pos + 8);
    const headerType = b[fieldAt(b, message, 1)!]!;
    const header = follow(b, fieldAt(b, message, 2)!);
    const bodyAt = fieldAt(b, message, 3);
    const body = bodyAt === undefined ? 0 : Number(view(b).getBigInt64(bodyAt, true));
    out.push({ offset: pos, headerType, header });
    pos += 8 + length + body;
  }
  return out;
}

/** Position of the `index`-th element of the vector an offset field at `at` points to (elements of `size` bytes). */
export function vectorElement(b: Uint8Array, at: number, index: number, size: number): number {
  return follow(b, at) + 4 + index * size;
}

/** Position of the length of the vector an offset field at `at` points to. */
export function vectorLength(b: Uint8Array, at: number): number {
  return follow(b, at);
}
