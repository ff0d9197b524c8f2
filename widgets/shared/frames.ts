// Frames of an episode, compactly: successive drawings of one env share
// their structure (the same shapes, colours and texts) and differ in
// numbers, so each frame is sent as its numbers only when its structure
// matches the first frame's (the template), whole otherwise.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface EncodedFrames {
  /** The first frame. */
  readonly template: Json;
  /** Per frame: its numbers (depth-first, as in the template) rounded to `digits` decimals, or the whole frame when its structure differs. */
  readonly frames: (number[] | { readonly full: Json })[];
}

function numbers(value: Json, out: number[]): number[] {
  if (typeof value === "number") out.push(value);
  else if (Array.isArray(value)) for (const v of value) numbers(v, out);
  else if (value && typeof value === "object") for (const k of Object.keys(value)) numbers(value[k]!, out);
  return out;
}

/** The frame with every number replaced by 0: equal shapes give equal strings. */
function structure(value: Json): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" ? 0 : v));
}

/** Encodes frames against the first one (numbers rounded to `digits` decimals). */
export function encodeFrames(frames: readonly Json[], digits = 3): EncodedFrames {
  if (frames.length === 0) return { template: null, frames: [] };
  const template = frames[0]!;
  const shape = structure(template);
  const f = 10 ** digits;
  return {
    template,
    frames: frames.map((frame) => (structure(frame) === shape ? numbers(frame, []).map((v) => Math.round(v * f) / f) : { full: frame })),
  };
}

/** Frame `i` of encoded frames. */
export function decodeFrame(encoded: EncodedFrames, i: number): Json {
  const entry = encoded.frames[i];
  if (entry === undefined) throw new RangeError(`decodeFrame: no frame ${i} (there are ${encoded.frames.length})`);
  if (!Array.isArray(entry)) return entry.full;
  let k = 0;
  const fill = (value: Json): Json => {
    if (typeof value === "number") return entry[k++]!;
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === "object") return Object.fromEntries(Object.keys(value).map((key) => [key, fill(value[key]!)]));
    return value;
  };
  return fill(encoded.template);
}
