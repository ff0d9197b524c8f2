// Gathering rows of Arrow columns by index, straight from their buffers:
// a sampler's minibatch columns (gatherColumn), a new table of chosen rows
// (takeRows, for Dataset.filter / select / split), and one shared dictionary
// per dictionary column (unifyDictionaries).
import { DataType, RecordBatch, Struct, Table, makeData, vectorFromArray, type Data, type Field, type Vector } from "apache-arrow";

/** The typed arrays a gathered column comes out as (bools as 0/1 bytes). */
export type SampledArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

/** Chunk start rows of a table or column (length = chunks + 1). */
export function chunkStarts(chunks: readonly { readonly length: number }[]): Int32Array {
  const starts = new Int32Array(chunks.length + 1);
  for (let i = 0; i < chunks.length; i++) starts[i + 1] = starts[i]! + chunks[i]!.length;
  return starts;
}

/** Index of the chunk holding `row` (binary search over `starts`). */
function chunkOf(starts: Int32Array, row: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const bit = (bits: Uint8Array, i: number) => (bits[i >> 3]! >> (i & 7)) & 1;

/** Whether a column type can be gathered by `gatherColumn` (fixed-width numbers and bools, FixedSizeLists of them). */
export function gatherable(type: DataType): boolean {
  if (DataType.isFixedSizeList(type)) return gatherable(type.children[0]!.type) && !DataType.isBool(type.children[0]!.type) && !DataType.isFixedSizeList(type.children[0]!.type);
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isBool(type);
}

/** Values of a gatherable Data: the flat typed array (row 0 at index 0) and values per row. */
function flatValues(data: Data): { values: SampledArray; width: number } {
  if (DataType.isFixedSizeList(data.type)) {
    const child = data.children[0]!;
    return { values: child.values as SampledArray, width: data.type.listSize };
  }
  return { values: data.values as SampledArray, width: 1 };
}

/** Output array type for a gatherable column. */
function outputArray(type: DataType, length: number): SampledArray {
  const leaf = DataType.isFixedSizeList(type) ? type.children[0]!.type : type;
  if (DataType.isBool(leaf)) return new Uint8Array(length);
  const Ctor = (leaf as DataType).ArrayType as unknown as new (n: number) => SampledArray;
  return new Ctor(length);
}

/**
 * Gathers `rows` of one column into one flat typed array (`rows.length × width`;
 * bools as 0/1 bytes) plus a validity byte array when the column has nulls.
 */
export function gatherColumn(column: Vector, starts: Int32Array, rows: Int32Array, indexType?: DataType): { values: SampledArray; width: number; valid?: Uint8Array } {
  // With `indexType`, `column` is a dictionary column and its indices are gathered.
  const type = indexType ?? (column.type as DataType);
  const width = DataType.isFixedSizeList(type) ? type.listSize : 1;
  const out = outputArray(type, rows.length * width);
  const hasNulls = column.nullCount > 0;
  const valid = hasNulls ? new Uint8Array(rows.length) : undefined;
  const chunks = column.data;
  const isBool = DataType.isBool(type);
  const single = chunks.length === 1;
  const chunkValues = chunks.map((d) => (isBool ? (d.values as SampledArray) : flatValues(d).values));
  const chunkOffsets = chunks.map((d) => d.offset);
  const chunkNulls = chunks.map((d) => (d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0 ? d.nullBitmap : undefined));
  for (let k = 0; k < rows.length; k++) {
    const row = rows[k]!;
    const c = single ? 0 : chunkOf(starts, row);
    const values = chunkValues[c]!;
    const local = row - starts[c]!;
    if (isBool) out[k] = bit(values as Uint8Array, chunkOffsets[c]! + local);
    else if (width === 1) out[k] = values[local]!;
    else (out as Float32Array).set((values as Float32Array).subarray(local * width, (local + 1) * width), k * width);
    if (valid) {
      const nulls = chunkNulls[c];
      valid[k] = nulls === undefined ? 1 : bit(nulls, chunkOffsets[c]! + local);
    }
  }
  return valid ? { values: out, width, valid } : { values: out, width };
}

/** Packs 0/1 bytes into a bitmap. */
function packBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array((bytes.length + 7) >> 3);
  for (let i = 0; i < bytes.length; i++) if (bytes[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** One column of `rows` as Arrow Data of the same type. */
function takeColumn(field: Field, column: Vector, starts: Int32Array, rows: Int32Array): Data {
  const type = field.type as DataType;
  const length = rows.length;
  if (gatherable(type)) {
    const { values, valid } = gatherColumn(column, starts, rows);
    let nullCount = 0;
    if (valid) for (let i = 0; i < length; i++) nullCount += 1 - valid[i]!;
    const nulls = valid && nullCount > 0 ? { nullBitmap: packBits(valid), nullCount } : { nullCount: 0 };
    if (DataType.isFixedSizeList(type)) {
      const child = makeData({ type: type.children[0]!.type, length: values.length, data: values as any });
      return makeData({ type, length, child, ...nulls });
    }
    const data = DataType.isBool(type) ? packBits(values as Uint8Array) : values;
    return makeData({ type: type as any, length, data: data as any, ...nulls });
  }
  if (DataType.isDictionary(type)) {
    // Shared dictionary across chunks (as the recorder writes): gather the indices.
    const dicts = column.data.map((d) => d.dictionary);
    const first = dicts[0];
    const same = first !== undefined && dicts.every((d) => d === first || (d !== undefined && d.length === first.length && d.toArray().every((v: unknown, i: number) => v === first.get(i))));
    if (same) {
      const { values, valid } = gatherColumn(column, starts, rows, type.indices);
      let nullCount = 0;
      if (valid) for (let i = 0; i < length; i++) nullCount += 1 - valid[i]!;
      const nulls = valid && nullCount > 0 ? { nullBitmap: packBits(valid), nullCount } : { nullCount: 0 };
      return makeData({ type, length, data: values as any, dictionary: first, ...nulls });
    }
  }
  // Anything else (variable-width columns, differing dictionaries): row by row through a builder.
  const items = Array.from(rows, (r) => column.get(r));
  return vectorFromArray(items, type).data[0]!;
}

/**
 * The table with every dictionary column's chunks sharing one dictionary
 * vector (the union of their values, in first-seen order), so that batches
 * read from different shards or Parquet row groups can be written as one
 * Arrow IPC file (which allows no replacement dictionaries). Unchanged (same
 * object) when they already share one.
 */
export function unifyDictionaries(table: Table): Table {
  const fields = table.schema.fields;
  const replaced = new Map<number, Data[]>();
  fields.forEach((field, f) => {
    const type = field.type as DataType;
    if (!DataType.isDictionary(type)) return;
    const chunks = table.getChildAt(f)!.data;
    const first = chunks[0]?.dictionary;
    if (first === undefined || chunks.every((d) => d.dictionary === first)) return;
    const values: unknown[] = [];
    const position = new Map<unknown, number>();
    const remaps = chunks.map((d) => {
      const dict = d.dictionary!;
      const remap = new Int32Array(dict.length);
      for (let i = 0; i < dict.length; i++) {
        const v = dict.get(i);
        let k = position.get(v);
        if (k === undefined) {
          k = values.length;
          values.push(v);
          position.set(v, k);
        }
        remap[i] = k;
      }
      return remap;
    });
    const maxIndex = 2 ** ((type.indices.bitWidth as number) - 1) - 1;
    if (values.length - 1 > maxIndex) throw new RangeError(`column ${field.name}: ${values.length} distinct values overflow its ${String(type.indices)} dictionary indices`);
    const merged = vectorFromArray(values as string[], type.dictionary);
    replaced.set(
      f,
      chunks.map((d, c) => {
        const remap = remaps[c]!;
        const old = d.values as Int8Array | Int16Array | Int32Array;
        const indices = new (type.indices.ArrayType as unknown as new (n: number) => Int8Array | Int16Array | Int32Array)(d.length);
        for (let i = 0; i < d.length; i++) indices[i] = remap[old[i]!] ?? 0;
        return makeData({ type, length: d.length, data: indices, dictionary: merged, nullCount: d.nullCount, ...(d.nullCount > 0 ? { nullBitmap: d.nullBitmap, offset: d.offset } : {}) });
      }),
    );
  });
  if (replaced.size === 0) return table;
  const batches = table.batches.map((batch, c) => {
    const children = fields.map((_, f) => replaced.get(f)?.[c] ?? batch.data.children[f]!);
    return new RecordBatch(table.schema, makeData({ type: new Struct(fields), length: batch.numRows, children, nullCount: 0 }));
  });
  return new Table(table.schema, batches);
}

/** A new table with `rows` of `table` (in the order given). */
export function takeRows(table: Table, rows: Int32Array): Table {
  const starts = chunkStarts(table.batches.map((b) => ({ length: b.numRows })));
  const fields = table.schema.fields;
  const children = fields.map((f, i) => takeColumn(f, table.getChildAt(i)!, starts, rows));
  const struct = makeData({ type: new Struct(fields), length: rows.length, children, nullCount: 0 });
  return new Table(table.schema, [new RecordBatch(table.schema, struct)]);
}
