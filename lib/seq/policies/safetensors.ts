// A small safetensors reader/writer (https://github.com/huggingface/safetensors):
// 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}},
// then the tensors' raw little-endian bytes, offsets relative to the data
// start. Only F32 tensors are read or written. (npm's `safetensors` is a
// single 0.0.1 release without a description, so Trellis keeps its own.)

/** One F32 tensor: row-major data of `shape`. */
export interface SafeTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

/** Every failure to read a file is one of these (never a RangeError from a typed array, never a hang). */
export class SafetensorsError extends Error {
  override name = "SafetensorsError";
  constructor(message: string) {
    super(`safetensors: ${message}`);
  }
}

const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
/** Headers larger than this are refused (the Rust implementation's limit). */
const MAX_HEADER = 100_000_000;

/** Parses a safetensors file; throws {@link SafetensorsError} on any malformed input or a dtype other than F32. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError("expected the file's bytes as a Uint8Array");
  if (bytes.length < 8) throw new SafetensorsError(`file of ${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) throw new SafetensorsError(`header length ${n} runs past the end of the ${bytes.length}-byte file`);
  if (n > BigInt(MAX_HEADER)) throw new SafetensorsError(`header length ${n} exceeds the limit of ${MAX_HEADER} bytes`);
  const headerLen = Number(n);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    throw new SafetensorsError("the header is not valid UTF-8");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new SafetensorsError("the header is not a JSON object");
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SafetensorsError("__metadata__ must be an object of strings");
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string") throw new SafetensorsError(`__metadata__.${k} must be a string`);
        metadata[k] = v;
      }
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SafetensorsError(`tensor ${JSON.stringify(name)}: expected {dtype, shape, data_offsets}`);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== "string" || !(dtype in DTYPE_BYTES)) throw new SafetensorsError(`tensor ${JSON.stringify(name)}: unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor ${JSON.stringify(name)}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor ${JSON.stringify(name)}: data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLen) throw new SafetensorsError(`tensor ${JSON.stringify(name)}: data_offsets [${begin}, ${end}] are not within the ${dataLen} data bytes`);
    let count = 1;
    for (const d of shape as number[]) count *= d;
    if (count * DTYPE_BYTES[dtype]! !== end - begin) {
      throw new SafetensorsError(`tensor ${JSON.stringify(name)}: shape ${JSON.stringify(shape)} of ${dtype} needs ${count * DTYPE_BYTES[dtype]!} bytes, data_offsets give ${end - begin}`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // as the reference implementation: the tensors tile the data exactly, without overlaps or holes
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.begin < cursor) throw new SafetensorsError(`tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap another tensor`);
    if (e.begin > cursor) throw new SafetensorsError(`tensor ${JSON.stringify(e.name)}: a hole of unused bytes [${cursor}, ${e.begin}) precedes it`);
    cursor = e.end;
  }
  if (cursor !== dataLen) throw new SafetensorsError(`the tensors cover ${cursor} of the ${dataLen} data bytes`);
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    if (e.dtype !== "F32") throw new SafetensorsError(`tensor ${JSON.stringify(e.name)} has dtype ${e.dtype}; only F32 is supported (convert the checkpoint to float32)`);
    const count = (e.end - e.begin) / 4;
    const data = new Float32Array(count);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + dataStart + e.begin, e.end - e.begin);
    for (let i = 0; i < count; i++) data[i] = dv.getFloat32(4 * i, true);
    tensors.set(e.name, { shape: [...e.shape], data });
  }
  return { tensors, metadata };
}

/**
 * The bytes of a safetensors file holding `tensors` (F32, in the given order)
 * and `metadata`. The header is padded with spaces to a multiple of 8 bytes
 * (as the reference writer) so the data is aligned.
 */
export function writeSafetensors(tensors: ReadonlyMap<string, SafeTensor> | Iterable<[string, SafeTensor]>, metadata: Record<string, string> = {}): Uint8Array {
  const list = [...tensors];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, { shape, data }] of list) {
    if (name === "__metadata__") throw new SafetensorsError("a tensor may not be named __metadata__");
    if (name in header) throw new SafetensorsError(`duplicate tensor name ${JSON.stringify(name)}`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || count !== data.length) {
      throw new SafetensorsError(`tensor ${JSON.stringify(name)}: shape ${JSON.stringify(shape)} does not match its ${data.length} values`);
    }
    header[name] = { dtype: "F32", shape: [...shape], data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, { data }] of list) {
    for (let i = 0; i < data.length; i++) dv.setFloat32(at + 4 * i, data[i]!, true);
    at += 4 * data.length;
  }
  return out;
}
