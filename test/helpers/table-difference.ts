import { DataType, type Field, type Table, type Vector } from "apache-arrow";

/** A value of a column as plain, comparable data (nested vectors as arrays, -0 and NaN kept apart from 0 and null). */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : Number.isNaN(v) ? "NaN" : v;
  if (typeof v === "object" && Symbol.iterator in v) return Array.from(v as Iterable<unknown>, plain);
  if (typeof v === "object" && "toJSON" in v) return plain((v as { toJSON(): unknown }).toJSON());
  if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** A type with every parameter the format carries (String(type) leaves out dictionary ids and ordering). */
function describeType(type: DataType): string {
  const t = type as DataType & { id?: number; isOrdered?: boolean; indices?: DataType; dictionary?: DataType };
  const own = DataType.isDictionary(type) ? ` id=${t.id} ordered=${t.isOrdered} indices=${describeType(t.indices!)} values=${describeType(t.dictionary!)}` : "";
  const children = (type.children ?? []).map((c: Field) => describeField(c)).join(", ");
  return `${String(type)}${own}${children ? ` <${children}>` : ""}`;
}

function describeField(f: Field): string {
  return `${f.name}: ${describeType(f.type)} nullable=${f.nullable} metadata=${JSON.stringify([...f.metadata])}`;
}

/**
 * The first difference between two tables, or undefined when they are the
 * same: the schema (names, types with every parameter, nullability, field
 * and schema metadata), then each column's null count and values.
 */
export function tableDifference(expected: Table, actual: Table): string | undefined {
  const a = expected.schema;
  const b = actual.schema;
  if (JSON.stringify([...a.metadata]) !== JSON.stringify([...b.metadata])) return `schema metadata ${JSON.stringify([...b.metadata])}, expected ${JSON.stringify([...a.metadata])}`;
  if (a.fields.length !== b.fields.length) return `${b.fields.length} columns, expected ${a.fields.length}`;
  for (let i = 0; i < a.fields.length; i++) {
    const x = describeField(a.fields[i]!);
    const y = describeField(b.fields[i]!);
    if (x !== y) return `column ${i} is ${y}, expected ${x}`;
  }
  if (actual.numRows !== expected.numRows) return `${actual.numRows} rows, expected ${expected.numRows}`;
  for (let i = 0; i < a.fields.length; i++) {
    const name = a.fields[i]!.name;
    const difference = columnDifference(name, expected.getChild(name)!, actual.getChild(name));
    if (difference) return difference;
  }
  return undefined;
}

/** The first difference between two versions of column `name` (length, null count, then values), or undefined. */
export function columnDifference(name: string, x: Vector, y: Vector | null): string | undefined {
  if (!y) return `no column ${name}`;
  if (y.length !== x.length) return `column ${name} has ${y.length} rows, expected ${x.length}`;
  if (y.nullCount !== x.nullCount) return `column ${name} has ${y.nullCount} nulls, expected ${x.nullCount}`;
  for (let r = 0; r < x.length; r++) {
    const p = JSON.stringify(plain(x.get(r)));
    const q = JSON.stringify(plain(y.get(r)));
    if (p !== q) return `column ${name} row ${r} is ${q}, expected ${p}`;
  }
  return undefined;
}
