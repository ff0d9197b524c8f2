import { discountedReturns } from "../../credit/gae.js";

type Arr = Float32Array | Int32Array;

function grown<T extends Arr>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, 64));
  next.set(a);
  return next;
}

/**
 * Per-copy episode buffers for the engine's episodes collector (REINFORCE): each env copy
 * appends (s, a, r) to its open episode; when the episode ends, its discounted
 * returns G_t = r_t + γ G_{t+1} (with G_T = `bootstrap` after the last step:
 * 0 for a terminal state, an estimate V(s_T) for a time-limit truncation) are
 * computed and the whole episode moves to the `finished` pool. An update
 * consumes the pool (`rows` ≥ the batch size), `clear()`s it and drops the
 * steps of open episodes (`dropOpen`). Storage grows by doubling and is reused.
 */
export class EpisodeStore {
  /** Finished episodes: observations (`rows × obsSize`), actions and returns, in the order they finished. */
  obs = new Float32Array(0);
  actions: Arr;
  returns = new Float32Array(0);
  /** log π(a|s) and V(s) of the acting policy, per finished row. */
  logp = new Float32Array(0);
  values = new Float32Array(0);
  /** Index of each finished row's episode in the pool (0, 1, …). */
  segments = new Int32Array(0);
  /** Rows in the finished pool. */
  rows = 0;
  /** Episodes in the finished pool. */
  episodes = 0;
  private open: { obs: Float32Array; actions: Arr; rewards: Float32Array; logp: Float32Array; values: Float32Array; length: number }[];
  private zeros = new Float32Array(0);
  private readonly one = new Float32Array(1);
  private readonly zero1 = new Float32Array(1);

  constructor(
    readonly numEnvs: number,
    readonly obsSize: number,
    readonly actionSize: number,
    readonly discrete: boolean,
  ) {
    const makeActions = (n: number): Arr => (discrete ? new Int32Array(n) : new Float32Array(n * actionSize));
    this.actions = makeActions(0);
    this.open = Array.from({ length: numEnvs }, () => ({ obs: new Float32Array(0), actions: makeActions(0), rewards: new Float32Array(0), logp: new Float32Array(0), values: new Float32Array(0), length: 0 }));
  }

  /** Steps in copy `e`'s open episode. */
  openLength(e: number): number {
    return this.open[e]!.length;
  }

  /** Appends the observation and action (and the acting policy's log π and V) of one step of copy `e` (the reward follows with {@link reward}). */
  push(e: number, obs: Float32Array, actions: Int32Array | Float32Array, logp?: Float32Array, values?: Float32Array): void {
    const ep = this.open[e]!;
    const o = this.obsSize;
    const a = this.discrete ? 1 : this.actionSize;
    const t = ep.length;
    ep.obs = grown(ep.obs, (t + 1) * o);
    ep.actions = grown(ep.actions, (t + 1) * a);
    ep.rewards = grown(ep.rewards, t + 1);
    ep.logp = grown(ep.logp, t + 1);
    ep.values = grown(ep.values, t + 1);
    ep.logp[t] = logp ? logp[e]! : 0;
    ep.values[t] = values ? values[e]! : 0;
    ep.obs.set(obs.subarray(e * o, e * o + o), t * o);
    if (a === 1) ep.actions[t] = actions[e]!;
    else ep.actions.set(actions.subarray(e * a, e * a + a), t * a);
    ep.length = t + 1;
  }

  /** Sets the reward of copy `e`'s last pushed step. */
  reward(e: number, r: number): void {
    const ep = this.open[e]!;
    ep.rewards[ep.length - 1] = r;
  }

  /** Ends copy `e`'s episode: computes its returns (G after the last step = `bootstrap`) and moves it to the pool. */
  finish(e: number, gamma: number, bootstrap = 0): void {
    const ep = this.open[e]!;
    const len = ep.length;
    if (len === 0) return;
    const o = this.obsSize;
    const a = this.discrete ? 1 : this.actionSize;
    const r0 = this.rows;
    this.obs = grown(this.obs, (r0 + len) * o);
    this.actions = grown(this.actions, (r0 + len) * a);
    this.returns = grown(this.returns, r0 + len);
    this.logp = grown(this.logp, r0 + len);
    this.values = grown(this.values, r0 + len);
    this.segments = grown(this.segments, r0 + len);
    this.logp.set(ep.logp.subarray(0, len), r0);
    this.values.set(ep.values.subarray(0, len), r0);
    this.segments.fill(this.episodes, r0, r0 + len);
    if (this.zeros.length < len) this.zeros = new Float32Array(Math.max(len, this.zeros.length * 2));
    this.one[0] = bootstrap;
    discountedReturns(
      { rewards: ep.rewards.subarray(0, len), dones: this.zeros.subarray(0, len), nextValue: this.one, nextDone: this.zero1, numEnvs: 1, gamma },
      this.returns.subarray(r0, r0 + len),
    );
    this.obs.set(ep.obs.subarray(0, len * o), r0 * o);
    this.actions.set(ep.actions.subarray(0, len * a), r0 * a);
    this.rows = r0 + len;
    this.episodes++;
    ep.length = 0;
  }

  /**
   * Forgets the steps of every open episode. Called at each update: those
   * steps were sampled by the previous policy, so using them later would be
   * off-policy. The rest of such an episode becomes a fragment whose returns
   * to go are still exact Monte-Carlo returns under the new policy.
   */
  dropOpen(): void {
    for (const ep of this.open) ep.length = 0;
  }

  /** Empties the finished pool (open episodes stay). */
  clear(): void {
    this.rows = 0;
    this.episodes = 0;
  }

  /** Copies of the pool and of every open episode, for checkpoints. */
  saveState(): { json: { rows: number; episodes: number; open: number[] }; arrays: Record<string, Float32Array | Int32Array> } {
    const o = this.obsSize;
    const a = this.discrete ? 1 : this.actionSize;
    const arrays: Record<string, Float32Array | Int32Array> = {
      obs: this.obs.slice(0, this.rows * o),
      actions: this.actions.slice(0, this.rows * a),
      returns: this.returns.slice(0, this.rows),
      logp: this.logp.slice(0, this.rows),
      values: this.values.slice(0, this.rows),
      segments: this.segments.slice(0, this.rows),
    };
    this.open.forEach((ep, e) => {
      arrays[`open${e}.obs`] = ep.obs.slice(0, ep.length * o);
      arrays[`open${e}.actions`] = ep.actions.slice(0, ep.length * a);
      arrays[`open${e}.rewards`] = ep.rewards.slice(0, ep.length);
      arrays[`open${e}.logp`] = ep.logp.slice(0, ep.length);
      arrays[`open${e}.values`] = ep.values.slice(0, ep.length);
    });
    return { json: { rows: this.rows, episodes: this.episodes, open: this.open.map((ep) => ep.length) }, arrays };
  }

  loadState(json: unknown, arrays: Record<string, unknown>): void {
    const s = json as { rows: number; episodes: number; open: number[] };
    if (!Array.isArray(s.open) || s.open.length !== this.numEnvs) {
      throw new RangeError(`EpisodeStore.loadState: saved for ${s.open?.length} env copies, this run has ${this.numEnvs}`);
    }
    const arr = arrays as Record<string, Float32Array & Int32Array>;
    const o = this.obsSize;
    const a = this.discrete ? 1 : this.actionSize;
    this.obs = grown(this.obs, s.rows * o);
    this.actions = grown(this.actions, s.rows * a);
    this.returns = grown(this.returns, s.rows);
    this.obs.set(arr.obs!);
    this.actions.set(arr.actions!);
    this.returns.set(arr.returns!);
    this.logp = grown(this.logp, s.rows);
    this.values = grown(this.values, s.rows);
    this.segments = grown(this.segments, s.rows);
    this.logp.set(arr.logp!);
    this.values.set(arr.values!);
    this.segments.set(arr.segments!);
    this.rows = s.rows;
    this.episodes = s.episodes;
    this.open.forEach((ep, e) => {
      const len = s.open[e]!;
      ep.obs = grown(ep.obs, len * o);
      ep.actions = grown(ep.actions, len * a);
      ep.rewards = grown(ep.rewards, len);
      ep.obs.set(arr[`open${e}.obs`]!);
      ep.actions.set(arr[`open${e}.actions`]!);
      ep.rewards.set(arr[`open${e}.rewards`]!);
      ep.logp = grown(ep.logp, len);
      ep.values = grown(ep.values, len);
      ep.logp.set(arr[`open${e}.logp`]!);
      ep.values.set(arr[`open${e}.values`]!);
      ep.length = len;
    });
  }
}
