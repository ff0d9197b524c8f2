/**
 * Discounted returns over an EPISODE-MAJOR batch (see `episodes.ts`): the rows
 * of episode `k` are `offsets[k] .. offsets[k + 1] − 1`, ordered by `t`.
 *
 *   G_t = r_t + γ G_{t+1},   G_T = 0 after a terminated last step,
 *                            G_T = bootstrap[k] otherwise
 *
 * An episode's last row decides how it ends: `terminated` (a terminal state,
 * nothing follows; it wins when both flags are set), `truncated` (a time
 * limit) or neither (the batch stopped mid-episode). The last two bootstrap
 * from `bootstrap[k]`, the value estimate V(s_T) of the observation after the
 * last step; pass zeros for undiscounted-tail Monte-Carlo returns. A flag on
 * a row that is not its episode's last throws.
 */

/** Per-row flags: nonzero / true means set. */
export type Flags = Uint8Array | Float32Array | Float64Array | Int32Array | readonly boolean[];

/** An episode-major batch: what every function in `returns.ts`, `td.ts` and `vtrace.ts` reads. */
export interface EpisodeBatch {
  readonly rewards: Float32Array | Float64Array;
  readonly terminated: Flags;
  readonly truncated: Flags;
  /** `numEpisodes + 1` offsets, from 0 to the row count (see `episodeLayout`). */
  readonly offsets: Int32Array;
  /**
   * V(s_T) after each episode's last step, one per episode; read only for
   * episodes that do not end terminated (may be omitted when all do).
   */
  readonly bootstrap?: ArrayLike<number>;
}

/** Checks the layout and returns the value that follows each episode's last step (0 after termination). */
export function episodeTailValues(batch: EpisodeBatch, fn: string): Float64Array {
  const { rewards, terminated, truncated, offsets, bootstrap } = batch;
  const n = rewards.length;
  const numEpisodes = offsets.length - 1;
  if (numEpisodes < 0 || offsets[0] !== 0 || offsets[numEpisodes] !== n) {
    throw new RangeError(`${fn}: offsets must run from 0 to the row count ${n}, got [${offsets[0]} … ${offsets[numEpisodes]}]`);
  }
  if (terminated.length !== n || truncated.length !== n) {
    throw new RangeError(`${fn}: rewards, terminated and truncated need equal lengths, got ${n}, ${terminated.length}, ${truncated.length}`);
  }
  if (bootstrap !== undefined && bootstrap.length !== numEpisodes) {
    throw new RangeError(`${fn}: bootstrap needs one value per episode (${numEpisodes}), got ${bootstrap.length}`);
  }
  const tail = new Float64Array(numEpisodes);
  for (let k = 0; k < numEpisodes; k++) {
    const start = offsets[k]!;
    const end = offsets[k + 1]!;
    if (end <= start) throw new RangeError(`${fn}: episode ${k} is empty (offsets ${start}, ${end})`);
    for (let i = start; i < end - 1; i++) {
      if (terminated[i] || truncated[i]) {
        throw new RangeError(`${fn}: row ${i} of episode ${k} is flagged ${terminated[i] ? "terminated" : "truncated"} but is not the episode's last row`);
      }
    }
    if (terminated[end - 1]) continue;
    const b = bootstrap?.[k];
    if (b === undefined || Number.isNaN(b)) {
      throw new RangeError(
        `${fn}: episode ${k} ends ${truncated[end - 1] ? "truncated" : "unfinished"} and needs a bootstrap value, got ${String(b)}`,
      );
    }
    tail[k] = b;
  }
  return tail;
}

/** Discounted returns G_t of each row (float64 accumulation); allocates `out` when absent. */
export function episodeReturns(
  batch: EpisodeBatch & { readonly gamma: number },
  out: Float32Array = new Float32Array(batch.rewards.length),
): Float32Array {
  const tail = episodeTailValues(batch, "episodeReturns");
  const { rewards, offsets, gamma } = batch;
  if (out.length !== rewards.length) throw new RangeError(`episodeReturns: out has ${out.length} rows, rewards ${rewards.length}`);
  for (let k = 0; k < tail.length; k++) {
    let g = tail[k]!;
    for (let i = offsets[k + 1]! - 1; i >= offsets[k]!; i--) {
      g = rewards[i]! + gamma * g;
      out[i] = g;
    }
  }
  return out;
}
