/**
 * A bounded verifier for the flatbuffers of Arrow IPC metadata (the file
 * footer and each message), in the spirit of flatbuffers' C++ `Verifier`,
 * which the JS `flatbuffers` package lacks: apache-arrow's decoders read
 * whatever offsets and lengths the bytes say, so a corrupted vector length
 * makes them loop for minutes or read other bytes as data.
 *
 * Each table is described once (TABLES below, from format/File.fbs,
 * Message.fbs and Schema.fbs); `verifyFooter` and `verifyMessage` walk the
 * bytes from the root and check that every table, vtable, field, vector and
 * string lies inside the buffer and is aligned, that strings end in a zero
 * byte, that enums hold known values, and that the walk stays within a work
 * budget linear in the buffer's size (shared subtables cannot blow it up). They
 * return the metadata decoded into plain objects (absent fields as their
 * defaults), which the layout checks read and which compare two schemas
 * field by field.
 */

/** A flatbuffer field's scalar types and their sizes in bytes. */
const SCALAR_SIZE = { bool: 1, int8: 1, uint8: 1, int16: 2, int32: 4, int64: 8 } as const;
type Scalar = keyof typeof SCALAR_SIZE;

/** A struct stored inline in a vector: its size, alignment and members (name, type, byte offset). */
interface StructSpec {
  readonly size: number;
  readonly members: readonly (readonly [name: string, type: Scalar, offset: number])[];
}

/** What one field of a table holds. A union takes two field ids: its type (uint8) and its table. */
/** A table's name in the .fbs files (and in TABLES). */
type TableName = string;

type Slot =
  | { readonly kind: "scalar"; readonly type: Scalar; readonly default: number; readonly allowed?: readonly number[] }
  | { readonly kind: "string" }
  | { readonly kind: "table"; readonly table: TableName }
  | { readonly kind: "union"; readonly tables: Readonly<Record<number, TableName>> }
  | { readonly kind: "structs"; readonly struct: StructSpec }
  | { readonly kind: "tables"; readonly table: TableName }
  | { readonly kind: "scalars"; readonly type: "int32" | "int64" };

const scalar = (type: Scalar, def = 0, allowed?: readonly number[]): Slot => ({ kind: "scalar", type, default: def, ...(allowed ? { allowed } : {}) });
const bool = (def = 0): Slot => scalar("bool", def, [0, 1]);
const string: Slot = { kind: "string" };
const table = (name: TableName): Slot => ({ kind: "table", table: name });
const tables = (name: TableName): Slot => ({ kind: "tables", table: name });

/** Enum values of Schema.fbs / Message.fbs. */
const METADATA_VERSIONS = [0, 1, 2, 3, 4];
const TIME_UNITS = [0, 1, 2, 3];

/** The Type union of Schema.fbs, by type id. */
export const ARROW_TYPES = {
  1: "Null", 2: "Int", 3: "FloatingPoint", 4: "Binary", 5: "Utf8", 6: "Bool", 7: "Decimal", 8: "Date", 9: "Time", 10: "Timestamp",
  11: "Interval", 12: "List", 13: "Struct_", 14: "Union", 15: "FixedSizeBinary", 16: "FixedSizeList", 17: "Map", 18: "Duration",
  19: "LargeBinary", 20: "LargeUtf8", 21: "LargeList", 22: "RunEndEncoded", 23: "BinaryView", 24: "Utf8View", 25: "ListView", 26: "LargeListView",
} as const;
export type ArrowTypeName = (typeof ARROW_TYPES)[keyof typeof ARROW_TYPES];

/** The MessageHeader union of Message.fbs (Tensor and SparseTensor are not read: a message holding one is refused). */
const MESSAGE_HEADERS = { 1: "Schema", 2: "DictionaryBatch", 3: "RecordBatch" } as const;

const BLOCK: StructSpec = { size: 24, members: [["offset", "int64", 0], ["metaDataLength", "int32", 8], ["bodyLength", "int64", 16]] };
const FIELD_NODE: StructSpec = { size: 16, members: [["length", "int64", 0], ["null_count", "int64", 8]] };
const BUFFER: StructSpec = { size: 16, members: [["offset", "int64", 0], ["length", "int64", 8]] };

/** Every table read, its fields in field-id order ([name, slot]; a union's two ids are one entry here). */
const TABLES: Readonly<Record<TableName, readonly (readonly [string, Slot])[]>> = {
  Footer: [["version", scalar("int16", 0, METADATA_VERSIONS)], ["schema", table("Schema")], ["dictionaries", { kind: "structs", struct: BLOCK }], ["recordBatches", { kind: "structs", struct: BLOCK }], ["custom_metadata", tables("KeyValue")]],
  Message: [["version", scalar("int16", 0, METADATA_VERSIONS)], ["header", { kind: "union", tables: MESSAGE_HEADERS }], ["bodyLength", scalar("int64")], ["custom_metadata", tables("KeyValue")]],
  Schema: [["endianness", scalar("int16", 0, [0, 1])], ["fields", tables("Field")], ["custom_metadata", tables("KeyValue")], ["features", { kind: "scalars", type: "int64" }]],
  Field: [["name", string], ["nullable", bool()], ["type", { kind: "union", tables: ARROW_TYPES }], ["dictionary", table("DictionaryEncoding")], ["children", tables("Field")], ["custom_metadata", tables("KeyValue")]],
  KeyValue: [["key", string], ["value", string]],
  DictionaryEncoding: [["id", scalar("int64")], ["indexType", table("Int")], ["isOrdered", bool()], ["dictionaryKind", scalar("int16", 0, [0])]],
  RecordBatch: [["length", scalar("int64")], ["nodes", { kind: "structs", struct: FIELD_NODE }], ["buffers", { kind: "structs", struct: BUFFER }], ["compression", table("BodyCompression")], ["variadicBufferCounts", { kind: "scalars", type: "int64" }]],
  DictionaryBatch: [["id", scalar("int64")], ["data", table("RecordBatch")], ["isDelta", bool()]],
  BodyCompression: [["codec", scalar("int8", 0, [0, 1])], ["method", scalar("int8", 0, [0])]],
  Null: [],
  Int: [["bitWidth", scalar("int32")], ["is_signed", bool()]],
  FloatingPoint: [["precision", scalar("int16", 0, [0, 1, 2])]],
  Binary: [],
  Utf8: [],
  Bool: [],
  Decimal: [["precision", scalar("int32")], ["scale", scalar("int32")], ["bitWidth", scalar("int32", 128, [32, 64, 128, 256])]],
  Date: [["unit", scalar("int16", 1, [0, 1])]],
  Time: [["unit", scalar("int16", 1, TIME_UNITS)], ["bitWidth", scalar("int32", 32, [32, 64])]],
  Timestamp: [["unit", scalar("int16", 0, TIME_UNITS)], ["timezone", string]],
  Interval: [["unit", scalar("int16", 0, [0, 1, 2])]],
  List: [],
  Struct_: [],
  Union: [["mode", scalar("int16", 0, [0, 1])], ["typeIds", { kind: "scalars", type: "int32" }]],
  FixedSizeBinary: [["byteWidth", scalar("int32")]],
  FixedSizeList: [["listSize", scalar("int32")]],
  Map: [["keysSorted", bool()]],
  Duration: [["unit", scalar("int16", 1, TIME_UNITS)]],
  LargeBinary: [],
  LargeUtf8: [],
  LargeList: [],
  RunEndEncoded: [],
  BinaryView: [],
  Utf8View: [],
  ListView: [],
  LargeListView: [],
};

/** Flatbuffers' own limit on nesting; Arrow's Field children nest far less. */
const MAX_DEPTH = 64;

// Decoded shapes (absent scalars as their defaults, absent vectors as [], absent strings and tables as null).
export interface Block { offset: number; metaDataLength: number; bodyLength: number }
export interface FieldNode { length: number; null_count: number }
export interface BufferRegion { offset: number; length: number }
export interface KeyValue { key: string | null; value: string | null }
export interface IntTable { bitWidth: number; is_signed: boolean }
/** A Field's type: the union's member name and that table's fields. */
export type TypeTable = { $type: ArrowTypeName } & Record<string, unknown>;
export interface DictionaryEncodingTable { id: number; indexType: IntTable | null; isOrdered: boolean; dictionaryKind: number }
export interface FieldTable { name: string | null; nullable: boolean; type: TypeTable | null; dictionary: DictionaryEncodingTable | null; children: FieldTable[]; custom_metadata: KeyValue[] }
export interface SchemaTable { endianness: number; fields: FieldTable[]; custom_metadata: KeyValue[]; features: number[] }
export interface BodyCompressionTable { codec: number; method: number }
export interface RecordBatchTable { length: number; nodes: FieldNode[]; buffers: BufferRegion[]; compression: BodyCompressionTable | null; variadicBufferCounts: number[] }
export interface DictionaryBatchTable { id: number; data: RecordBatchTable | null; isDelta: boolean }
export type MessageHeaderTable = ({ $type: "Schema" } & SchemaTable) | ({ $type: "DictionaryBatch" } & DictionaryBatchTable) | ({ $type: "RecordBatch" } & RecordBatchTable);
export interface MessageTable { version: number; header: MessageHeaderTable | null; bodyLength: number; custom_metadata: KeyValue[] }
export interface FooterTable { version: number; schema: SchemaTable | null; dictionaries: Block[]; recordBatches: Block[]; custom_metadata: KeyValue[] }

/** Where in the metadata a check is, rendered only for an error message (building it for every field costs more than the checks). */
type Path = () => string;
const at_ = (path: Path, key: string | number): Path => () => {
  const p = path();
  return typeof key === "number" ? `${p}[${key}]` : p ? `${p}.${key}` : key;
};
const ROOT: Path = () => "";

/** Reads one flatbuffer, checking each thing before it is used; `fail` says where and what. */
class Verifier {
  private readonly view: DataView;
  private readonly size: number;
  /** Tables, vector elements and string bytes visited so far, against a budget linear in the size. */
  private work = 0;
  private readonly budget: number;
  /** Byte ranges of every object read: start, end, where, what. */
  private readonly claims: [number, number, Path, string][] = [];
  // Not fatal: pyarrow lets metadata values hold any bytes, and apache-arrow decodes them the same lossy way.
  private readonly utf8 = new TextDecoder("utf-8");

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.size = bytes.length;
    // Arrow's C++ reader allows 8 tables per byte; every table, element and string byte counts here.
    this.budget = 8 * bytes.length + 1024;
  }

  fail(path: Path, problem: string): never {
    throw new Error(`${this.what}: ${path() || "root"}: ${problem}`);
  }

  private spend(path: Path, units: number): void {
    this.work += units;
    if (this.work > this.budget) this.fail(path, `the metadata refers to the same bytes over and over (more than ${this.budget} reads in ${this.size} bytes)`);
  }

  /** Checks [at, at + size) lies in the buffer and `at` is a multiple of `align`. */
  private check(path: Path, at: number, size: number, align: number, what: string): void {
    if (at >= 0 && size >= 0 && at + size <= this.size && at % align === 0) return;
    if (at % align === 0) this.fail(path, `${what} at byte ${at} (${size} bytes) lies outside the ${this.size}-byte buffer`);
    this.fail(path, `${what} at byte ${at} is not aligned to ${align} bytes`);
  }

  /** A 64-bit integer as a number; NaN beyond ±2^53 (callers say where). */
  private int64(at: number): number {
    const hi = this.view.getInt32(at + 4, true);
    if (hi > 0x1fffff || hi < -0x200000) return NaN;
    return hi * 2 ** 32 + this.view.getUint32(at, true);
  }

  private scalarAt(path: Path, type: Scalar, at: number): number {
    switch (type) {
      case "bool":
      case "uint8":
        return this.view.getUint8(at);
      case "int8":
        return this.view.getInt8(at);
      case "int16":
        return this.view.getInt16(at, true);
      case "int32":
        return this.view.getInt32(at, true);
      case "int64": {
        const v = this.int64(at);
        if (Number.isNaN(v)) this.fail(path, `64-bit value ${this.view.getBigInt64(at, true)} is out of range`);
        return v;
      }
    }
  }

  /** The target of the uoffset at `at` (itself checked to lie inside the buffer). */
  private follow(path: Path, at: number): number {
    this.check(path, at, 4, 4, "offset");
    const target = at + this.view.getUint32(at, true);
    if (target >= this.size) this.fail(path, `offset at byte ${at} points to byte ${target}, past the end of the ${this.size}-byte buffer`);
    return target;
  }

  /** The root table. */
  root(name: TableName): Record<string, unknown> {
    this.claims.push([0, 4, ROOT, "the root offset"]);
    const out = this.table(ROOT, name, this.follow(ROOT, 0), 0);
    this.checkApart();
    return out;
  }

  /**
   * Builders give each table, vtable, vector and string bytes of its own
   * (a shared one is the very same range): two ranges that partly overlap
   * mean an offset or a length was changed to point into something else.
   */
  private checkApart(): void {
    const sorted = this.claims.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let i = 1; i < sorted.length; i++) {
      const [s0, e0, p0, w0] = sorted[i - 1]!;
      const [s1, e1, p1, w1] = sorted[i]!;
      if (s1 < e0 && !(s1 === s0 && e1 === e0)) this.fail(p1, `${w1} at bytes ${s1}–${e1} overlaps ${w0} at bytes ${s0}–${e0} (${p0() || "root"})`);
    }
  }

  private table(path: Path, name: TableName, at: number, depth: number): Record<string, unknown> {
    if (depth > MAX_DEPTH) this.fail(path, `tables nested more than ${MAX_DEPTH} deep`);
    this.spend(path, 1);
    this.check(path, at, 4, 4, "a table");
    const vtable = at - this.view.getInt32(at, true);
    this.check(path, vtable, 4, 2, "a vtable");
    const vtableSize = this.view.getUint16(vtable, true);
    const inlineSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0) this.fail(path, `vtable of ${name} at byte ${vtable} has impossible size ${vtableSize}`);
    this.check(path, vtable, vtableSize, 2, "a vtable");
    if (inlineSize < 4) this.fail(path, `${name} table at byte ${at} has impossible size ${inlineSize}`);
    this.check(path, at, inlineSize, 4, "a table");
    this.claims.push([vtable, vtable + vtableSize, path, "a vtable"], [at, at + inlineSize, path, "a table"]);
    /** Byte position of field `id`, or 0 when absent; checked to lie inside the table. */
    const field = (id: number, size: number, label: Path): number => {
      const slot = 4 + 2 * id;
      const offset = slot + 2 <= vtableSize ? this.view.getUint16(vtable + slot, true) : 0;
      if (offset === 0) return 0;
      if (offset < 4 || offset + size > inlineSize) this.fail(label, `field at table byte ${offset} (${size} bytes) lies outside its ${inlineSize}-byte ${name} table`);
      this.check(label, at + offset, size, Math.min(size, 8), "a field");
      return at + offset;
    };
    const out: Record<string, unknown> = {};
    let id = 0;
    for (const [key, slot] of TABLES[name]!) {
      const label = at_(path, key);
      if (slot.kind === "union") {
        const typeAt = field(id, 1, label);
        const valueAt = field(id + 1, 4, label);
        id += 2;
        const typeId = typeAt ? this.view.getUint8(typeAt) : 0;
        if (typeId === 0 && valueAt === 0) {
          out[key] = null;
          continue;
        }
        const member = slot.tables[typeId];
        if (member === undefined) this.fail(label, `unknown ${name === "Message" ? "message header" : "type"} ${typeId}`);
        if (valueAt === 0) this.fail(label, `${member} is missing its table`);
        out[key] = { $type: member, ...this.table(label, member, this.follow(label, valueAt), depth + 1) };
        continue;
      }
      const here = field(id++, slot.kind === "scalar" ? SCALAR_SIZE[slot.type] : 4, label);
      out[key] = this.value(label, slot, here, depth);
    }
    return out;
  }

  private value(path: Path, slot: Exclude<Slot, { kind: "union" }>, at: number, depth: number): unknown {
    switch (slot.kind) {
      case "scalar": {
        if (at === 0) return slot.type === "bool" ? slot.default === 1 : slot.default;
        const v = this.scalarAt(path, slot.type, at);
        if (slot.allowed && !slot.allowed.includes(v)) this.fail(path, `value ${v} is not one of ${slot.allowed.join(", ")}`);
        return slot.type === "bool" ? v === 1 : v;
      }
      case "string":
        return at === 0 ? null : this.string(path, this.follow(path, at));
      case "table":
        return at === 0 ? null : this.table(path, slot.table, this.follow(path, at), depth + 1);
      case "structs": {
        if (at === 0) return [];
        const { start, length } = this.vector(path, this.follow(path, at), slot.struct.size, 8);
        const out: Record<string, number>[] = [];
        for (let i = 0; i < length; i++) {
          const base = start + i * slot.struct.size;
          const item: Record<string, number> = {};
          for (const [name, type, offset] of slot.struct.members) {
            const v = type === "int64" ? this.int64(base + offset) : this.view.getInt32(base + offset, true);
            if (Number.isNaN(v)) this.fail(at_(at_(path, i), name), `64-bit value ${this.view.getBigInt64(base + offset, true)} is out of range`);
            item[name] = v;
          }
          out.push(item);
        }
        return out;
      }
      case "scalars": {
        if (at === 0) return [];
        const size = SCALAR_SIZE[slot.type];
        const { start, length } = this.vector(path, this.follow(path, at), size, size);
        return Array.from({ length }, (_, i) => this.scalarAt(at_(path, i), slot.type, start + i * size));
      }
      case "tables": {
        if (at === 0) return [];
        const { start, length } = this.vector(path, this.follow(path, at), 4, 4);
        return Array.from({ length }, (_, i) => {
          const element = at_(path, i);
          return this.table(element, slot.table, this.follow(element, start + 4 * i), depth + 1);
        });
      }
    }
  }

  /** A vector's elements: where they start and how many, all inside the buffer. */
  private vector(path: Path, at: number, elementSize: number, align: number): { start: number; length: number } {
    this.check(path, at, 4, 4, "a vector's length");
    const length = this.view.getUint32(at, true);
    if (length * elementSize > this.size - at - 4) this.fail(path, `vector of ${length} elements of ${elementSize} bytes at byte ${at} runs past the end of the ${this.size}-byte buffer`);
    // An empty vector's elements are not aligned by every builder (pyarrow's empty block lists are not), and nothing reads them.
    this.check(path, at + 4, length * elementSize, length > 0 ? align : 1, "a vector");
    this.spend(path, length);
    this.claims.push([at, at + 4 + length * elementSize + (elementSize === 1 ? 1 : 0), path, elementSize === 1 ? "a string" : "a vector"]);
    return { start: at + 4, length };
  }

  private string(path: Path, at: number): string {
    const { start, length } = this.vector(path, at, 1, 1);
    if (start + length >= this.size || this.bytes[start + length] !== 0) this.fail(path, `string of ${length} bytes at byte ${at} has no terminating zero byte`);
    return this.utf8.decode(this.bytes.subarray(start, start + length));
  }
}

/**
 * The footer of an Arrow IPC file (the flatbuffer before its length and the
 * closing magic), verified and decoded; throws an Error naming the part that
 * is out of bounds or impossible. `what` starts each message.
 */
export function verifyFooter(bytes: Uint8Array, what = "footer"): FooterTable {
  return new Verifier(bytes, what).root("Footer") as unknown as FooterTable;
}

/** An IPC message's flatbuffer (after its length prefix), verified and decoded as {@link verifyFooter} does. */
export function verifyMessage(bytes: Uint8Array, what = "message"): MessageTable {
  return new Verifier(bytes, what).root("Message") as unknown as MessageTable;
}
