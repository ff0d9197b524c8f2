/**
 * What a record batch of a given schema must hold: the field nodes and
 * buffers of each column in the order the IPC format lays them out (the
 * columnar spec's "buffer layouts"), and the checks of a decoded record
 * batch against them: counts, row counts down the tree, buffer sizes for
 * those row counts, null counts, and buffers aligned, inside the body, in
 * order and apart. A batch that passes can be handed to apache-arrow without
 * it reading past a buffer or inventing rows.
 */
import type { BufferRegion, FieldTable, RecordBatchTable, SchemaTable, TypeTable } from "./arrow-verify.js";

/** More rows than this in one batch are refused: apache-arrow and Trellis index rows with 32-bit integers. */
export const MAX_ROWS = 2 ** 31 - 1;

/** What one buffer of a node must hold for the node's length n. */
export type BufferRule =
  | { kind: "validity" }
  /** n values of `width` bytes (bit-packed when width is 0). */
  | { kind: "values"; width: number }
  /** n + 1 offsets of `width` bytes (or none when n is 0). */
  | { kind: "offsets"; width: number }
  /** Bytes whose size the offsets decide. */
  | { kind: "data" };

/** One field node of a batch: its column's name path, buffers, and how its children's lengths follow from its own. */
export interface NodeSpec {
  readonly name: string;
  /** Top-level column index. */
  readonly column: number;
  readonly buffers: readonly BufferRule[];
  /** Spec indices of its children. */
  readonly children: number[];
  /** Children have its length ("equal"), length × listSize ("times"), or one set by offsets or type ids ("free"). */
  readonly childLength: "equal" | "times" | "free";
  readonly listSize: number;
  /** Binary and string views: variadic data buffers follow (their count is in the batch's variadicBufferCounts). */
  readonly view: boolean;
}

/** Byte width of a fixed-width type's values; 0 for bits (Bool); undefined when the type is not fixed-width. */
function valueWidth(t: TypeTable): number | undefined {
  const p = t as Record<string, number>;
  switch (t.$type) {
    case "Bool":
      return 0;
    case "Int":
    case "Time":
    case "Decimal":
      return p.bitWidth! / 8;
    case "FloatingPoint":
      return [2, 4, 8][p.precision!];
    case "Date":
      return p.unit === 0 ? 4 : 8;
    case "Timestamp":
    case "Duration":
      return 8;
    case "Interval":
      return [4, 8, 16][p.unit!];
    case "FixedSizeBinary":
      return p.byteWidth;
    default:
      return undefined;
  }
}

/** Children each type must have: a count, or undefined for any. */
function childCount(t: TypeTable): number | undefined {
  switch (t.$type) {
    case "List":
    case "LargeList":
    case "FixedSizeList":
    case "Map":
      return 1;
    case "Struct_":
    case "Union":
      return undefined;
    default:
      return 0;
  }
}

const UNREADABLE = new Set(["RunEndEncoded", "ListView", "LargeListView"]);

/**
 * Problems of a schema that would make apache-arrow misread or crash on its
 * batches (the first one found, as a phrase), or undefined: names, types
 * and their parameters, children per type, dictionary ids (unique, as
 * apache-arrow reuses the first field's dictionary for a repeated id),
 * metadata entries with key and value, little-endian data.
 */
export function schemaProblem(schema: SchemaTable): string | undefined {
  if (schema.endianness !== 0) return "the schema says big-endian data, which apache-arrow does not read";
  const ids = new Set<number>();
  const metadata = (kvs: readonly { key: string | null; value: string | null }[], where: string) => (kvs.some((kv) => kv.key === null || kv.value === null) ? `${where} has a metadata entry without a key or value` : undefined);
  const field = (f: FieldTable, path: string, depth: number): string | undefined => {
    if (f.name === null) return `${path} has no name`;
    const where = `${path} ${JSON.stringify(f.name)}`;
    const t = f.type;
    if (!t) return `${where} has no type`;
    const p = t as Record<string, unknown>;
    if (UNREADABLE.has(t.$type)) return `${where} has type ${t.$type}, which apache-arrow does not read`;
    if (t.$type === "Int" && ![8, 16, 32, 64].includes(p.bitWidth as number)) return `${where} has an Int type of ${String(p.bitWidth)} bits`;
    if (t.$type === "Time" && (p.bitWidth as number) !== ((p.unit as number) < 2 ? 32 : 64)) return `${where} has a Time type of unit ${String(p.unit)} and ${String(p.bitWidth)} bits`;
    if ((t.$type === "FixedSizeBinary" && (p.byteWidth as number) < 0) || (t.$type === "FixedSizeList" && (p.listSize as number) < 0)) return `${where} has a negative size`;
    if (t.$type === "Decimal" && !((p.precision as number) >= 1)) return `${where} has a Decimal type of precision ${String(p.precision)}`;
    const n = childCount(t);
    if (n !== undefined && f.children.length !== n) return `${where} (${t.$type}) has ${f.children.length} children, expected ${n}`;
    if (t.$type === "Map" && !(f.children[0]!.type?.$type === "Struct_" && f.children[0]!.children.length === 2)) return `${where} (Map) needs a struct child of key and value`;
    if (t.$type === "Union" && (p.typeIds as number[]).length > 0 && (p.typeIds as number[]).length !== f.children.length) return `${where} (Union) has ${f.children.length} children for ${(p.typeIds as number[]).length} type ids`;
    const d = f.dictionary;
    if (d) {
      if (ids.has(d.id)) return `${where} uses dictionary id ${d.id}, as does another column`;
      ids.add(d.id);
      if (d.indexType && ![8, 16, 32, 64].includes(d.indexType.bitWidth)) return `${where} has dictionary indices of ${d.indexType.bitWidth} bits`;
    }
    const bad = metadata(f.custom_metadata, where);
    if (bad) return bad;
    if (depth > 32) return `${where} nests more than 32 levels deep`;
    for (const [i, c] of f.children.entries()) {
      const problem = field(c, `${where}.children[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  };
  for (const [i, f] of schema.fields.entries()) {
    const problem = field(f, `column ${i}`, 0);
    if (problem) return problem;
  }
  return metadata(schema.custom_metadata, "the schema");
}

/** The dictionary-encoded fields of a schema by dictionary id, each as the field of its dictionary's values. */
export function dictionaryFields(schema: SchemaTable): Map<number, FieldTable> {
  const out = new Map<number, FieldTable>();
  const visit = (f: FieldTable) => {
    if (f.dictionary) out.set(f.dictionary.id, { ...f, dictionary: null });
    f.children.forEach(visit);
  };
  schema.fields.forEach(visit);
  return out;
}

/**
 * The nodes of a batch of `fields`, in the format's depth-first order.
 * `version` is the metadata version: before V5 unions had a validity buffer.
 */
export function nodeSpecs(fields: readonly FieldTable[], version: number): NodeSpec[] {
  const specs: NodeSpec[] = [];
  const visit = (f: FieldTable, name: string, column: number): number => {
    const index = specs.length;
    const t = f.type!;
    const p = t as Record<string, number>;
    let buffers: BufferRule[];
    let childLength: NodeSpec["childLength"] = "free";
    let view = false;
    if (f.dictionary) {
      buffers = [{ kind: "validity" }, { kind: "values", width: (f.dictionary.indexType?.bitWidth ?? 32) / 8 }];
    } else {
      switch (t.$type) {
        case "Null":
          buffers = [];
          break;
        case "Binary":
        case "Utf8":
          buffers = [{ kind: "validity" }, { kind: "offsets", width: 4 }, { kind: "data" }];
          break;
        case "LargeBinary":
        case "LargeUtf8":
          buffers = [{ kind: "validity" }, { kind: "offsets", width: 8 }, { kind: "data" }];
          break;
        case "BinaryView":
        case "Utf8View":
          buffers = [{ kind: "validity" }, { kind: "values", width: 16 }];
          view = true;
          break;
        case "List":
        case "Map":
          buffers = [{ kind: "validity" }, { kind: "offsets", width: 4 }];
          break;
        case "LargeList":
          buffers = [{ kind: "validity" }, { kind: "offsets", width: 8 }];
          break;
        case "FixedSizeList":
          buffers = [{ kind: "validity" }];
          childLength = "times";
          break;
        case "Struct_":
          buffers = [{ kind: "validity" }];
          childLength = "equal";
          break;
        case "Union": {
          const dense = p.mode === 1;
          buffers = [...(version < 4 ? [{ kind: "validity" } as const] : []), { kind: "values", width: 1 }, ...(dense ? [{ kind: "values", width: 4 } as const] : [])];
          childLength = dense ? "free" : "equal";
          break;
        }
        default:
          buffers = [{ kind: "validity" }, { kind: "values", width: valueWidth(t)! }];
      }
    }
    const spec: NodeSpec = { name, column, buffers, children: [], childLength, listSize: p.listSize ?? 0, view };
    specs.push(spec);
    if (!f.dictionary) for (const c of f.children) spec.children.push(visit(c, `${name}.${c.name ?? "?"}`, column));
    return index;
  };
  fields.forEach((f, column) => visit(f, f.name ?? "?", column));
  return specs;
}

/** Bytes a buffer needs for a node of length n. */
function needed(rule: BufferRule, n: number, nullCount: number): number {
  switch (rule.kind) {
    case "validity":
      return nullCount > 0 ? Math.ceil(n / 8) : 0;
    case "values":
      return rule.width === 0 ? Math.ceil(n / 8) : n * rule.width;
    case "offsets":
      return n === 0 ? 0 : (n + 1) * rule.width;
    case "data":
      return 0;
  }
}

/**
 * Checks a decoded record batch against the nodes its schema gives, with a
 * body of `bodyLength` bytes; returns the first problem as a phrase about
 * the batch (its column named), or undefined. Buffer sizes are not checked
 * in compressed batches (they hold the compressed bytes).
 */
export function batchProblem(batch: RecordBatchTable, specs: readonly NodeSpec[], bodyLength: number): string | undefined {
  const { length, nodes, buffers } = batch;
  if (length < 0 || length > MAX_ROWS) return `says ${length} rows`;
  if (nodes.length !== specs.length) return `has ${nodes.length} field nodes, its schema needs ${specs.length}`;
  const views = specs.filter((s) => s.view).length;
  if (batch.variadicBufferCounts.length !== views) return `has ${batch.variadicBufferCounts.length} variadic buffer counts, its schema has ${views} view columns`;
  if (batch.variadicBufferCounts.some((c) => c < 0)) return "has a negative variadic buffer count";
  const bufferCount = specs.reduce((a, s) => a + s.buffers.length, 0) + batch.variadicBufferCounts.reduce((a, c) => a + c, 0);
  if (buffers.length !== bufferCount) return `has ${buffers.length} buffers, its schema needs ${bufferCount}`;
  const compressed = batch.compression !== null;
  let end = 0;
  for (const [i, b] of buffers.entries()) {
    // Compressed buffers are copied out when decoded: apache-arrow's writer leaves them unaligned.
    if (b.offset < 0 || b.length < 0 || (!compressed && b.offset % 8 !== 0)) return `has buffer ${i} at offset ${b.offset} (${b.length} bytes): offsets must be non-negative multiples of 8`;
    if (b.offset < end) return `has buffer ${i} at offset ${b.offset}, overlapping the buffer before it (which ends at ${end})`;
    end = b.offset + b.length;
    if (end > bodyLength) return `has buffer ${i} ending at byte ${end} of its ${bodyLength}-byte body`;
  }
  const isChild = new Uint8Array(specs.length);
  for (const s of specs) for (const c of s.children) isChild[c] = 1;
  const buffersOf = batchBuffers(batch, specs);
  for (const [i, s] of specs.entries()) {
    const node = nodes[i]!;
    const n = node.length;
    const column = `column ${s.name}`;
    if (n < 0 || n > MAX_ROWS) return `says its ${column} has ${n} values`;
    if (!isChild[i] && n !== length) return `says ${length} rows, its ${column} has ${n}`;
    if (node.null_count < 0 || node.null_count > n) return `says its ${column} has ${node.null_count} nulls in ${n} values`;
    for (const { rule, buffer: b } of compressed ? [] : buffersOf[i]!) {
      const need = needed(rule, n, node.null_count);
      if (b.length < need) return `says its ${column} has ${n} values${rule.kind === "validity" ? ` and ${node.null_count} nulls` : ""}, its ${rule.kind === "data" ? "data" : rule.kind} buffer holds ${b.length} bytes (needs ${need})`;
      if (rule.kind === "validity" && b.length > 0 && b.length < Math.ceil(n / 8)) return `says its ${column} has ${n} values, its validity buffer holds ${b.length} bytes`;
    }
    for (const c of s.children) {
      const m = nodes[c]!.length;
      const want = s.childLength === "equal" ? n : s.childLength === "times" ? n * s.listSize : undefined;
      if (want !== undefined && m !== want) return `says its ${column} has ${n} values${s.childLength === "times" ? ` of ${s.listSize}` : ""}, its child ${specs[c]!.name} has ${m} (needs ${want})`;
    }
  }
  return undefined;
}

/**
 * The buffers of a batch whose counts passed {@link batchProblem}, grouped
 * by node (index as in `specs`), each with the rule it follows; a view
 * column's variadic data buffers come after its own.
 */
export function batchBuffers(batch: RecordBatchTable, specs: readonly NodeSpec[]): { rule: BufferRule; buffer: BufferRegion }[][] {
  let next = 0;
  let variadic = 0;
  return specs.map((s) => {
    const rules: readonly BufferRule[] = s.view ? [...s.buffers, ...Array.from({ length: batch.variadicBufferCounts[variadic++]! }, () => ({ kind: "data" }) as const)] : s.buffers;
    return rules.map((rule) => ({ rule, buffer: batch.buffers[next++]! }));
  });
}
