type TypedArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
const TYPED: Record<string, new (values: number[]) => TypedArray> = {
  Float32Array, Float64Array, Int8Array, Int16Array, Int32Array, Uint8Array, Uint16Array, Uint32Array,
};

/**
 * Encodes a user's env state as plain JSON data (a deep copy): numbers,
 * strings, booleans, null, arrays, plain objects, plus typed arrays and
 * non-finite numbers in tagged form. Anything else (a Map, a class instance,
 * a function inside an object) throws a TypeError naming its path, so a
 * checkpoint never silently loses part of the state.
 */
export function encodeState(value: unknown, path = "state"): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : { $number: String(value) };
  if (ArrayBuffer.isView(value) && TYPED[value.constructor.name]) {
    return { $typed: value.constructor.name, data: Array.from(value as TypedArray, (v) => encodeState(v)) };
  }
  if (Array.isArray(value)) return value.map((v, i) => encodeState(v, `${path}[${i}]`));
  if (typeof value === "object" && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeState(v, `${path}.${k}`);
    return out;
  }
  const kind = typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
  throw new TypeError(`${path} holds a ${kind}, which a checkpoint cannot store; keep env state in numbers, strings, booleans, arrays, typed arrays and plain objects`);
}

/** Inverse of {@link encodeState} (returns fresh objects). */
export function decodeState(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeState);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  if (typeof obj.$number === "string") return Number(obj.$number);
  if (typeof obj.$typed === "string" && Array.isArray(obj.data) && TYPED[obj.$typed]) {
    return new TYPED[obj.$typed]!(obj.data.map(decodeState) as number[]);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = decodeState(v);
  return out;
}
