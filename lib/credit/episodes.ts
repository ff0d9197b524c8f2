/**
 * Episode-major layout for the credit functions of this folder.
 *
 * The recorder writes one row per env step with the copies of a vector env
 * interleaved (time-major), so the rows of one episode are usually not
 * contiguous. The credit functions (`returns.ts`, `td.ts`, `vtrace.ts`) work on
 * EPISODE-MAJOR arrays instead: the rows of episode `k` are
 * `offsets[k] .. offsets[k + 1] − 1`, ordered by `t`. {@link episodeLayout}
 * finds that layout (a row permutation `order` and the `offsets`) from an
 * `episode_id` column, {@link gatherRows} / {@link scatterRows} move columns
 * between table order and episode order, and {@link episodeArrays} gathers the
 * columns of an Arrow trajectory table into fresh episode-major typed arrays.
 */
import type { Table, Vector } from "apache-arrow";

/** An `episode_id` (or `group_id`) column as typed array: Arrow's int64 reads as `BigInt64Array`. */
export type IdArray = Int32Array | BigInt64Array | Float64Array;

export interface EpisodeLayout {
  /** `order[j]` is the table row at episode-major position `j` (a permutation of `0 .. n − 1`). */
  readonly order: Int32Array;
  /** `numEpisodes + 1` offsets into the episode-major positions; episode `k` is `offsets[k] .. offsets[k + 1] − 1`. */
  readonly offsets: Int32Array;
  /** The episode id of each episode, in order of first appearance in the table. */
  readonly ids: readonly (number | bigint)[];
  /** True when `order` is the identity (the input was already episode-major). */
  readonly identity: boolean;
}

/**
 * The episode-major layout of rows with the given episode ids: episodes in
 * order of first appearance, rows of an episode in table order, or sorted by
 * `t` when `t` is given. With `t`, an episode's steps must be consecutive
 * integers (a repeated or missing step throws a `RangeError`), since returns
 * over a gap would silently skip rewards.
 */
export function episodeLayout(episodeIds: IdArray, t?: Int32Array): EpisodeLayout {
  const n = episodeIds.length;
  if (t !== undefined && t.length !== n) throw new RangeError(`episodeLayout: t has ${t.length} rows, episode ids ${n}`);
  const index = new Map<number | bigint, number>();
  const ids: (number | bigint)[] = [];
  const counts: number[] = [];
  const episodeOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const id = episodeIds[i]!;
    if (typeof id === "number" && !Number.isFinite(id)) throw new RangeError(`episodeLayout: episode id at row ${i} is ${id}`);
    let k = index.get(id);
    if (k === undefined) {
      k = ids.length;
      index.set(id, k);
      ids.push(id);
      counts.push(0);
    }
    counts[k]!++;
    episodeOf[i] = k;
  }
  const offsets = new Int32Array(ids.length + 1);
  for (let k = 0; k < ids.length; k++) offsets[k + 1] = offsets[k]! + counts[k]!;
  const cursor = offsets.slice(0, ids.length);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[cursor[episodeOf[i]!]!++] = i; // stable counting sort
  if (t !== undefined) {
    for (let k = 0; k < ids.length; k++) {
      const start = offsets[k]!;
      const end = offsets[k + 1]!;
      let sorted = true;
      for (let j = start + 1; j < end; j++) if (t[order[j]!]! < t[order[j - 1]!]!) sorted = false;
      if (!sorted) order.subarray(start, end).sort((a, b) => t[a]! - t[b]!);
      for (let j = start + 1; j < end; j++) {
        const prev = t[order[j - 1]!]!;
        const cur = t[order[j]!]!;
        if (cur !== prev + 1) {
          throw new RangeError(`episodeLayout: episode ${String(ids[k])} has t = ${prev} then t = ${cur} (steps must be consecutive)`);
        }
      }
    }
  }
  let identity = true;
  for (let j = 0; j < n && identity; j++) identity = order[j] === j;
  return { order, offsets, ids, identity };
}

/** Episode offsets of rows that are already episode-major, found from where the id changes (no sorting). */
export function contiguousEpisodeOffsets(episodeIds: IdArray): Int32Array {
  const starts = [0];
  for (let i = 1; i < episodeIds.length; i++) if (episodeIds[i] !== episodeIds[i - 1]) starts.push(i);
  if (episodeIds.length === 0) return Int32Array.of(0);
  starts.push(episodeIds.length);
  return Int32Array.from(starts);
}

type NumArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** `out[j] = src[order[j]]`: a table-order column to episode-major (allocates `out` like `src` when absent). */
export function gatherRows<T extends NumArray>(src: T, order: Int32Array, out?: T): T {
  const dst = out ?? (new (src.constructor as new (n: number) => T)(order.length));
  for (let j = 0; j < order.length; j++) dst[j] = src[order[j]!]!;
  return dst;
}

/** `out[order[j]] = src[j]`: an episode-major column back to table order. */
export function scatterRows<T extends NumArray>(src: T, order: Int32Array, out?: T): T {
  const dst = out ?? (new (src.constructor as new (n: number) => T)(order.length));
  for (let j = 0; j < order.length; j++) dst[order[j]!] = src[j]!;
  return dst;
}

/** The column `name` of `table`, or a `TypeError` naming it. */
function column(table: Table, name: string): Vector {
  const v = table.getChild(name);
  if (v === null) throw new TypeError(`trajectory table has no "${name}" column`);
  return v as Vector;
}

/** Throws a `RangeError` naming the column and the first null row when `v` has nulls. */
export function assertNoNulls(v: Vector, name: string): void {
  if (v.nullCount === 0) return;
  for (let i = 0; i < v.length; i++) {
    if (!v.isValid(i)) throw new RangeError(`column "${name}" has ${v.nullCount} null value(s), the first at row ${i}`);
  }
}

/** A numeric column as a fresh Float32Array in table order (copies). */
export function float32Column(table: Table, name: string): Float32Array {
  const v = column(table, name);
  assertNoNulls(v, name);
  const out = new Float32Array(v.length);
  let at = 0;
  for (const data of v.data) {
    const values = data.values as ArrayLike<number>;
    for (let i = 0; i < data.length; i++) out[at++] = Number(values[i]!);
  }
  return out;
}

/** A Bool column as a fresh Uint8Array (1 = true) in table order (copies). */
export function boolColumn(table: Table, name: string): Uint8Array {
  const v = column(table, name);
  assertNoNulls(v, name);
  const out = new Uint8Array(v.length);
  let at = 0;
  for (const data of v.data) {
    const bits = data.values as Uint8Array;
    for (let i = 0; i < data.length; i++) {
      const b = data.offset + i;
      out[at++] = (bits[b >> 3]! >> (b & 7)) & 1;
    }
  }
  return out;
}

/** An integer id column (int32 / int64 / float64) as a typed array in table order (copies). */
export function idColumn(table: Table, name: string): IdArray {
  const v = column(table, name);
  assertNoNulls(v, name);
  const arr = v.toArray() as unknown;
  if (arr instanceof BigInt64Array) return arr.slice();
  if (arr instanceof Int32Array || arr instanceof Float64Array) return arr.slice();
  if (ArrayBuffer.isView(arr)) return Float64Array.from(arr as unknown as ArrayLike<number>);
  throw new TypeError(`column "${name}" is not an integer id column (got ${String(v.type)})`);
}

/** Episode-major arrays of a trajectory table, as the credit functions take them. */
export interface EpisodeArrays {
  readonly layout: EpisodeLayout;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** Present when asked for (`values: true`); a null `value` throws. */
  readonly values?: Float32Array;
  /** Present when asked for (`behaviorLogp: true`). */
  readonly behaviorLogp?: Float32Array;
}

/**
 * Gathers `reward`, `terminated`, `truncated` (and optionally `value`,
 * `behavior_logp`) of a table in the trajectory schema into new episode-major
 * typed arrays (always copies; the table is not touched). Episodes are found
 * from `episode_id` and ordered by `t`.
 */
export function episodeArrays(table: Table, options: { values?: boolean; behaviorLogp?: boolean } = {}): EpisodeArrays {
  const t = column(table, "t").toArray() as unknown;
  const layout = episodeLayout(idColumn(table, "episode_id"), t instanceof Int32Array ? t : Int32Array.from(t as ArrayLike<number>));
  const { order } = layout;
  return {
    layout,
    rewards: gatherRows(float32Column(table, "reward"), order),
    terminated: gatherRows(boolColumn(table, "terminated"), order),
    truncated: gatherRows(boolColumn(table, "truncated"), order),
    ...(options.values ? { values: gatherRows(float32Column(table, "value"), order) } : {}),
    ...(options.behaviorLogp ? { behaviorLogp: gatherRows(float32Column(table, "behavior_logp"), order) } : {}),
  };
}
