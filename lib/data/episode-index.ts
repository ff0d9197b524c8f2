// Which episode each row of a trajectory table belongs to, and each
// episode's return, length and whether it ended: what Dataset's episode
// views (episodes, summaries, filter, select, split, stats) are built on.
import type { Table } from "apache-arrow";

const TWO32 = 2 ** 32;

export interface EpisodeIndex {
  /** Episode ids, ascending. */
  ids: Float64Array;
  /** Per row: index into `ids`. */
  rowEpisode: Int32Array;
  returns: Float64Array;
  lengths: Int32Array;
  complete: Uint8Array;
}

/** The episode index of a table with `episode_id` and `reward` columns (and optionally `terminated`, `truncated`). */
export function episodeIndex(table: Table): EpisodeIndex {
  const n = table.numRows;
  const episodeCol = table.getChild("episode_id");
  const rewardCol = table.getChild("reward");
  if (!episodeCol || !rewardCol) throw new Error("Dataset: episode views need the episode_id and reward columns");
  const rowIds = new Float64Array(n);
  let r = 0;
  for (const data of episodeCol.data) {
    const v = data.values as BigInt64Array;
    const words = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
    for (let i = 0; i < data.length; i++) rowIds[r++] = (words[2 * i]! >>> 0) + words[2 * i + 1]! * TWO32;
  }
  const firstIndex = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!firstIndex.has(rowIds[i]!)) firstIndex.set(rowIds[i]!, 0);
  const ids = Float64Array.from(firstIndex.keys()).sort();
  ids.forEach((id, k) => firstIndex.set(id, k));
  const rowEpisode = new Int32Array(n);
  for (let i = 0; i < n; i++) rowEpisode[i] = firstIndex.get(rowIds[i]!)!;
  const m = ids.length;
  const returns = new Float64Array(m);
  const lengths = new Int32Array(m);
  const complete = new Uint8Array(m);
  const term = table.getChild("terminated");
  const trunc = table.getChild("truncated");
  r = 0;
  for (let c = 0; c < rewardCol.data.length; c++) {
    const rewards = rewardCol.data[c]!.values as Float32Array;
    const len = rewardCol.data[c]!.length;
    for (let i = 0; i < len; i++, r++) {
      const e = rowEpisode[r]!;
      returns[e]! += rewards[i]!;
      lengths[e]!++;
    }
  }
  // `complete`: the episode's last row present ends it.
  const last = new Int32Array(m).fill(-1);
  for (let i = 0; i < n; i++) last[rowEpisode[i]!] = i;
  for (let e = 0; e < m; e++) {
    const row = last[e]!;
    complete[e] = (term?.get(row) ? 1 : 0) | (trunc?.get(row) ? 1 : 0);
  }
  return { ids, rowEpisode, returns, lengths, complete };
}
