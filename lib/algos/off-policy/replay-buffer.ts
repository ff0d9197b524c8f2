import type { Rng } from "../../random/rng.js";

/** A sampled minibatch of transitions (reusable buffers owned by the caller). */
export class ReplayBatch {
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Int32Array | Float32Array;
  readonly rewards: Float32Array;
  /** 1 where s' is a true terminal state (no bootstrap); truncations are 0. */
  readonly terminated: Float32Array;
  /** Row of the buffer each sample came from. */
  readonly indices: Int32Array;

  constructor(readonly size: number, obsSize: number, actionSize: number, discrete: boolean) {
    this.obs = new Float32Array(size * obsSize);
    this.nextObs = new Float32Array(size * obsSize);
    this.actions = discrete ? new Int32Array(size) : new Float32Array(size * actionSize);
    this.rewards = new Float32Array(size);
    this.terminated = new Float32Array(size);
    this.indices = new Int32Array(size);
  }
}

const INITIAL_ROWS = 1024;

/**
 * Uniform experience replay (Lin 1992; Mnih et al. 2015) as a ring buffer of
 * typed arrays: once `capacity` transitions are stored, each new one
 * overwrites the oldest. Stores (s, a, r, s', terminated) — s' is the real
 * next observation (the env's `finalObs` row for copies that just finished),
 * and only termination is stored: a truncated episode's last transition
 * still bootstraps from Q(s').
 *
 * Lifecycle: `addBatch` after every vector-env step → `sample(batch, rng, out)`
 * draws `batch` rows uniformly with replacement (SB3/CleanRL's
 * `randint(0, size)`) → `saveState`/`loadState` for checkpoints (copies of
 * the filled rows only). Storage grows by doubling up to `capacity`, so a
 * 1e6-transition buffer costs memory only for what it holds.
 */
export class ReplayBuffer {
  private rows = 0;
  /** Next row to write. */
  private pos = 0;
  /** Transitions stored (≤ capacity). */
  private count = 0;
  obs = new Float32Array(0);
  nextObs = new Float32Array(0);
  actions: Int32Array | Float32Array;
  rewards = new Float32Array(0);
  terminated = new Uint8Array(0);

  constructor(
    readonly capacity: number,
    readonly obsSize: number,
    readonly actionSize: number,
    readonly discrete: boolean,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReplayBuffer: capacity must be an integer ≥ 1, got ${capacity}`);
    this.actions = discrete ? new Int32Array(0) : new Float32Array(0);
    this.grow(Math.min(capacity, INITIAL_ROWS));
  }

  /** Transitions currently stored. */
  get size(): number {
    return this.count;
  }

  /** Row that the next transition will be written to. */
  get position(): number {
    return this.pos;
  }

  private grow(rows: number): void {
    const o = this.obsSize;
    const a = this.discrete ? 1 : this.actionSize;
    const copy = <T extends Float32Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T, width: number): T => {
      const next = make(rows * width);
      next.set(old.subarray(0, this.rows * width));
      return next;
    };
    this.obs = copy(this.obs, (n) => new Float32Array(n), o);
    this.nextObs = copy(this.nextObs, (n) => new Float32Array(n), o);
    this.actions = this.discrete ? copy(this.actions as Int32Array, (n) => new Int32Array(n), 1) : copy(this.actions as Float32Array, (n) => new Float32Array(n), a);
    this.rewards = copy(this.rewards, (n) => new Float32Array(n), 1);
    this.terminated = copy(this.terminated, (n) => new Uint8Array(n), 1);
    this.rows = rows;
  }

  /**
   * Appends one transition per env copy: rows of `obs`, `actions`, `nextObs`
   * (`n × obsSize`, `n × actionSize`), `rewards` and `terminated` (`n`).
   */
  addBatch(
    obs: Float32Array,
    actions: Int32Array | Float32Array,
    rewards: Float32Array,
    nextObs: Float32Array,
    terminated: ArrayLike<number>,
    n: number,
  ): void {
    const o = this.obsSize;
    const a = this.discrete ? 1 : this.actionSize;
    for (let e = 0; e < n; e++) {
      const i = this.pos;
      if (i >= this.rows) this.grow(Math.min(this.capacity, Math.max(this.rows * 2, i + 1)));
      this.obs.set(obs.subarray(e * o, e * o + o), i * o);
      this.nextObs.set(nextObs.subarray(e * o, e * o + o), i * o);
      if (a === 1) this.actions[i] = actions[e]!;
      else this.actions.set(actions.subarray(e * a, e * a + a), i * a);
      this.rewards[i] = rewards[e]!;
      this.terminated[i] = terminated[e] ? 1 : 0;
      this.pos = (i + 1) % this.capacity;
      if (this.count < this.capacity) this.count++;
    }
  }

  /** Draws `rows` (default `out.size`) transitions uniformly with replacement (one `rng.int(size)` per row) into the first rows of `out`. */
  sample(rng: Rng, out: ReplayBatch, rows: number = out.size): ReplayBatch {
    if (this.count === 0) throw new Error("ReplayBuffer.sample: the buffer is empty; add transitions first (learningStarts must be ≥ 1)");
    const o = this.obsSize;
    const a = this.discrete ? 1 : this.actionSize;
    for (let r = 0; r < rows; r++) {
      const i = rng.int(this.count);
      out.indices[r] = i;
      out.obs.set(this.obs.subarray(i * o, i * o + o), r * o);
      out.nextObs.set(this.nextObs.subarray(i * o, i * o + o), r * o);
      if (a === 1) out.actions[r] = this.actions[i]!;
      else out.actions.set(this.actions.subarray(i * a, i * a + a), r * a);
      out.rewards[r] = this.rewards[i]!;
      out.terminated[r] = this.terminated[i]!;
    }
    return out;
  }

  /** Copies of the filled rows plus the write position, for checkpoints. */
  saveState(): { json: { pos: number; count: number }; arrays: Record<string, Float32Array | Int32Array | Uint8Array> } {
    const n = this.count;
    const o = this.obsSize;
    const a = this.discrete ? 1 : this.actionSize;
    return {
      json: { pos: this.pos, count: n },
      arrays: {
        obs: this.obs.slice(0, n * o),
        nextObs: this.nextObs.slice(0, n * o),
        actions: this.actions.slice(0, n * a),
        rewards: this.rewards.slice(0, n),
        terminated: this.terminated.slice(0, n),
      },
    };
  }

  loadState(state: { json: unknown; arrays: Record<string, unknown> }): void {
    const { pos, count } = state.json as { pos: number; count: number };
    if (!Number.isInteger(count) || count < 0 || count > this.capacity || !Number.isInteger(pos) || pos < 0 || pos >= this.capacity) {
      throw new RangeError(`ReplayBuffer.loadState: saved size ${count} / position ${pos} do not fit a buffer of capacity ${this.capacity}; was it saved with another bufferSize?`);
    }
    const arr = state.arrays as Record<string, Float32Array | Int32Array | Uint8Array>;
    if (count > this.rows) this.grow(Math.min(this.capacity, Math.max(count, INITIAL_ROWS)));
    this.obs.set(arr.obs!);
    this.nextObs.set(arr.nextObs!);
    this.actions.set(arr.actions!);
    this.rewards.set(arr.rewards!);
    this.terminated.set(arr.terminated!);
    this.pos = pos;
    this.count = count;
  }
}

/** The `replay.*` arrays of a saved state, without the prefix. */
export function replayArrays(arrays: Record<string, Float32Array | Int32Array | Uint8Array | Float64Array>): Record<string, Float32Array | Int32Array | Uint8Array | Float64Array> {
  const out: Record<string, Float32Array | Int32Array | Uint8Array | Float64Array> = {};
  for (const [k, v] of Object.entries(arrays)) if (k.startsWith("replay.")) out[k.slice(7)] = v;
  return out;
}
