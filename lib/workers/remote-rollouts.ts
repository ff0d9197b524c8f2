/**
 * The learner's side of a run whose env copies live with actors
 * (`.workers(...)`): the learner's rollout collector steps a facade env and
 * acts through a facade actor, both replaying the rollouts the actors made.
 * Everything downstream of the collector (credit, losses, episode
 * statistics, recorded trajectories, the KL in the reward, the truncation
 * bootstrap) runs as without workers.
 *
 * Before each env step the run calls {@link RemoteRollouts.ready}. When the
 * current rollout is used up it takes the next one the actors made and, so
 * that `lag` rollouts are always asked for ahead, asks for the rollout `lag`
 * places further with the learner's current parameters:
 *
 * - lag 0 (synchronous): rollout k acts with version k. Slot 0 draws from
 *   the learner's own generator and the learner continues from where slot 0
 *   left it; slot i > 0 draws from a stream split off it. One slot gives bit
 *   for bit the numbers of the run without workers.
 * - lag L > 0: rollout k acts with version max(0, k − L) while the learner
 *   trains on rollout k − 1, so acting and learning overlap. Each rollout's
 *   generator states are split off the learner's generator when it is asked
 *   for.
 *
 * Which version acts in which rollout is fixed by the order of asking, not by
 * timing: any number of slots, local or over NATS, repeats its numbers run
 * after run. No batch can be older than the lag; each is checked against it.
 */
import type { Frame } from "../envs/frame.js";
import type { BoxSpace, Space } from "../envs/space.js";
import type { VecEnv, VecEnvState, VecResetOptions } from "../envs/vec-env.js";
import type { ActOutput } from "../policy/actor-critic.js";
import { Rng, type RngState } from "../random/rng.js";
import type { ActorJob } from "./actor.js";
import type { ActorPool, SlotRollout } from "./pool.js";

/** What acts in the collector's place (the actors already did). */
export interface RolloutActor {
  act(obs: Float32Array, batch: number, rng: Rng, out: ActOutput): void;
}

/** A rollout asked for: its place in the run, the version acting, its rows once every slot's batch is in. */
interface AskedRollout {
  readonly index: number;
  readonly version: number;
  readonly rows: Promise<ReplayRows>;
  /** Slot 0's generator state after the rollout (lag 0: the learner continues from it). */
  readonly after: Promise<RngState | null>;
}

/** What the run's metrics rows show of its workers. */
export interface WorkersMetrics {
  /** Versions between the policy that acted in the rollout being trained on and the learner's. */
  readonly policyLag: number;
  /** Batches read and not used so far (another session's, a second copy). */
  readonly batchesSkipped: number;
}

export class RemoteRollouts {
  readonly env: ReplayVecEnv;
  readonly actor: RolloutActor;
  /** Rollouts asked for ahead. */
  readonly lag: number;
  private version = -1;
  /** Rollouts asked for so far (the next one's index). */
  private asked = 0;
  private readonly inFlight: AskedRollout[] = [];
  private lastLag = 0;
  private starting: Promise<void> | null = null;

  private get started(): boolean {
    return this.starting !== null;
  }

  constructor(
    readonly pool: ActorPool,
    private readonly base: VecEnv,
    private job: ActorJob,
    lag = 0,
  ) {
    if (base.numEnvs % pool.slots !== 0) throw new RangeError(`workers: the run's ${base.numEnvs} env copies cannot be split evenly over ${pool.slots} slots`);
    this.lag = lag;
    this.env = new ReplayVecEnv(base, pool.slots);
    const env = this.env;
    this.actor = { act: (_obs, batch, _rng, out) => env.actFromRollout(batch, out) };
  }

  /** Steps per rollout (the collector's numSteps), known once the method is built. */
  setSteps(steps: number): void {
    this.env.steps = steps;
  }

  /** Whether the next env step needs a new rollout. */
  get due(): boolean {
    return this.env.remaining === 0;
  }

  /** For the run's metrics rows. */
  metrics(): WorkersMetrics {
    return { policyLag: this.lastLag, batchesSkipped: this.pool.skipped };
  }

  /** Makes sure a rollout is there to step: when the last is used up, takes the next (asking for it and those ahead first). */
  async ready(version: number, params: () => Float32Array, rng: Rng): Promise<void> {
    if (!this.due) return;
    const base = this.base;
    this.starting ??= this.pool.start(this.job, { envId: base.id, obsSize: base.obsSize, actionSize: base.actionSpace.kind === "discrete" ? base.actionSpace.n : base.actionSize, discrete: base.actionSpace.kind === "discrete", numEnvs: base.numEnvs / this.pool.slots, costSize: base.costNames?.length ?? 0 });
    await this.starting;
    if (this.lag === 0 && version === this.version) throw new Error(`workers: a second rollout of policy version ${version} was asked for before an update`);
    // the parameters as they are now: the update that follows must not reach rollouts still being sent
    const now = params().slice();
    while (this.inFlight.length <= this.lag) this.ask(version, now, rng);
    // the tasks ahead must be out before the update that follows keeps this thread busy
    await this.pool.sent?.();
    const next = this.inFlight.shift()!;
    const rows = await next.rows;
    if (this.lag === 0) {
      const after = await next.after;
      if (!after) throw new Error("workers: slot 0's batch carries no generator state");
      rng.restore(after);
    }
    const lag = version - next.version;
    if (lag < 0 || lag > this.lag) throw new Error(`workers: rollout ${next.index} acted with policy version ${next.version}, ${lag} versions from the learner's ${version}; the run allows a lag of ${this.lag}`);
    this.env.load(rows);
    this.lastLag = lag;
    this.version = version;
  }

  private ask(version: number, params: Float32Array, rng: Rng): void {
    const stream = this.lag === 0 ? Rng.fromState(rng.state()) : rng.split();
    const states: RngState[] = [stream.state()];
    for (let s = 1; s < this.pool.slots; s++) states.push(stream.split().state());
    const index = this.asked++;
    const answer = this.pool.rollout({ index, version, params, steps: this.env.steps, rngStates: states });
    const rows = answer.then((r) => this.env.assemble(r));
    const after = answer.then((r) => r[0]!.batch.header.rng ?? null);
    // a failure is reported by ready() when it takes this rollout; until then it must not count as unhandled
    for (const p of [rows, after]) p.catch(() => {});
    this.inFlight.push({ index, version, rows, after });
  }

  /**
   * What a checkpoint needs to continue: the rollouts asked for ahead (waited
   * for: the actors' copies are past them), every slot's env copies as they
   * are then, the rollout being replayed and where in it the learner is.
   */
  async snapshot(): Promise<{ json: WorkersEnvState; arrays: Record<string, Float32Array | Int32Array | Uint8Array> }> {
    const ahead = await Promise.all(this.inFlight.map(async (a) => ({ index: a.index, version: a.version, rows: await a.rows })));
    const slots = await this.pool.snapshot();
    const fallback = this.job.envSnapshots;
    const replay = this.env.saveReplay();
    const arrays: Record<string, Float32Array | Int32Array | Uint8Array> = { ...replay.arrays };
    ahead.forEach((a, i) => {
      for (const k of REPLAY_ARRAYS) arrays[`ahead.${i}.${k}`] = a.rows[k];
    });
    return {
      json: { slots: slots.map((s, i) => s ?? fallback?.[i] ?? null), version: this.version, replay: replay.json, asked: this.asked, ahead: ahead.map((a) => ({ index: a.index, version: a.version })) },
      arrays,
    };
  }

  /** Continues from a {@link snapshot} (before the first rollout: the actors start from the saved copies). */
  restore(state: WorkersEnvState, arrays: Record<string, Float32Array | Int32Array | Uint8Array | Float64Array>): void {
    if (this.started) throw new Error("workers: a run that has asked its actors for rollouts cannot load a checkpoint's env state");
    if (!Array.isArray(state?.slots) || state.slots.length !== this.pool.slots) throw new RangeError(`workers: the checkpoint holds ${state?.slots?.length} slots of env copies, the run has ${this.pool.slots}`);
    if (!Number.isInteger(state.version) || state.version < -1) throw new RangeError(`workers: the checkpoint's rollout version must be an integer ≥ −1, got ${JSON.stringify(state.version)}`);
    const ahead = state.ahead ?? [];
    if (!Array.isArray(ahead) || !ahead.every((a) => Number.isInteger(a?.index) && Number.isInteger(a?.version) && a.version >= 0)) throw new RangeError(`workers: the checkpoint's rollouts ahead must be a list of { index, version }, got ${JSON.stringify(state.ahead)}`);
    if (ahead.length > this.lag) throw new RangeError(`workers: the checkpoint holds ${ahead.length} rollouts asked for ahead; the run's lag is ${this.lag} (load it with at least lag ${ahead.length})`);
    const asked = state.asked ?? 0;
    if (!Number.isInteger(asked) || asked < 0) throw new RangeError(`workers: the checkpoint's count of rollouts asked for must be an integer ≥ 0, got ${JSON.stringify(state.asked)}`);
    this.env.loadReplay(state.replay, arrays);
    this.inFlight.length = 0;
    ahead.forEach((a, i) => {
      const rows = this.env.checkRows(Object.fromEntries(REPLAY_ARRAYS.map((k) => [k, arrays[`ahead.${i}.${k}`]])), `rollout ${a.index} asked for ahead`);
      this.inFlight.push({ index: a.index, version: a.version, rows: Promise.resolve(rows), after: Promise.resolve(null) });
    });
    this.job = { ...this.job, envSnapshots: state.slots };
    this.asked = asked;
    this.version = state.version;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** The env part of a checkpoint of a run with workers. */
export interface WorkersEnvState {
  readonly slots: readonly (VecEnvState | null)[];
  readonly version: number;
  readonly replay: { readonly t: number; readonly length: number };
  /** Rollouts asked for so far (absent in checkpoints of runs without lag: then 0 matters not). */
  readonly asked?: number;
  /** The rollouts asked for ahead, their rows in the arrays `ahead.<i>.<column>`. */
  readonly ahead?: readonly { readonly index: number; readonly version: number }[];
}

/** One rollout of every env copy, time-major, as the facade env replays it. */
export interface ReplayRows {
  obs: Float32Array;
  actions: Int32Array | Float32Array;
  logp: Float32Array;
  values: Float32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  nextObs: Float32Array;
  lastObs: Float32Array;
  /** T × n × k constraint costs (empty when the env has none). */
  costs: Float32Array;
}

const REPLAY_ARRAYS = ["obs", "actions", "logp", "values", "rewards", "terminated", "truncated", "nextObs", "lastObs"] as const;

/** A vector env that replays rollouts the actors made, step by step. */
export class ReplayVecEnv implements VecEnv {
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;
  readonly elapsed: Int32Array;
  readonly costNames: readonly string[];
  readonly costs: Float32Array;
  private t = 0;
  private length = 0;
  /** @internal */
  rows: ReplayRows | null = null;

  /** Steps per rollout. */
  steps = 0;

  constructor(
    private readonly base: VecEnv,
    private readonly slots: number,
  ) {
    const n = base.numEnvs;
    this.obs = new Float32Array(n * base.obsSize);
    this.rewards = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.finalObs = new Float32Array(n * base.obsSize);
    this.elapsed = new Int32Array(n);
    this.costNames = base.costNames ?? [];
    this.costs = new Float32Array(n * this.costNames.length);
  }

  get id(): string {
    return this.base.id;
  }
  get numEnvs(): number {
    return this.base.numEnvs;
  }
  get observationSpace(): BoxSpace {
    return this.base.observationSpace;
  }
  get actionSpace(): Space {
    return this.base.actionSpace;
  }
  get obsSize(): number {
    return this.base.obsSize;
  }
  get actionSize(): number {
    return this.base.actionSize;
  }
  get maxEpisodeSteps(): number | undefined {
    return this.base.maxEpisodeSteps;
  }
  get stateLayout(): readonly string[] {
    return this.base.stateLayout;
  }

  /** Steps left in the loaded rollout. */
  get remaining(): number {
    return this.length - this.t;
  }

  /** The rollout being replayed and the step reached, for a checkpoint. */
  saveReplay(): { json: { t: number; length: number }; arrays: Record<string, Float32Array | Int32Array | Uint8Array> } {
    const arrays: Record<string, Float32Array | Int32Array | Uint8Array> = { elapsed: this.elapsed.slice() };
    if (this.rows) {
      for (const k of REPLAY_ARRAYS) arrays[k] = this.rows[k].slice();
      if (this.costs.length > 0) arrays.costs = this.rows.costs.slice();
    }
    return { json: { t: this.t, length: this.length }, arrays };
  }

  /** Continues the rollout a checkpoint was replaying. */
  loadReplay(json: { t: number; length: number }, arrays: Record<string, Float32Array | Int32Array | Uint8Array | Float64Array>): void {
    const n = this.numEnvs;
    const d = this.obsSize;
    if (!Number.isInteger(json?.t) || !Number.isInteger(json?.length) || json.t < 0 || json.t > json.length || (json.length !== 0 && json.length !== this.steps)) {
      throw new RangeError(`workers: the checkpoint's replay position ${JSON.stringify(json)} does not fit rollouts of ${this.steps} steps`);
    }
    const elapsed = arrays.elapsed;
    if (!(elapsed instanceof Int32Array) || elapsed.length !== n) throw new RangeError(`workers: the checkpoint's replay elapsed must hold ${n} int32 values`);
    this.elapsed.set(elapsed);
    this.t = json.t;
    this.length = json.length;
    if (json.length === 0) {
      this.rows = null;
      return;
    }
    this.rows = this.checkRows(arrays, "replay");
    this.obs.set(this.t < this.length ? this.rows.obs.subarray(this.t * n * d, (this.t + 1) * n * d) : this.rows.lastObs);
  }

  /** A checkpoint's rows of one rollout (`what` names them in errors). */
  checkRows(arrays: Record<string, Float32Array | Int32Array | Uint8Array | Float64Array | undefined>, what: string): ReplayRows {
    const n = this.numEnvs;
    const d = this.obsSize;
    const T = this.steps;
    const a = this.actionSize;
    const sizes: Record<(typeof REPLAY_ARRAYS)[number], number> = { obs: T * n * d, actions: T * n * a, logp: T * n, values: T * n, rewards: T * n, terminated: T * n, truncated: T * n, nextObs: T * n * d, lastObs: n * d };
    const rows: Record<string, Float32Array | Int32Array | Uint8Array> = {};
    for (const k of REPLAY_ARRAYS) {
      const v = arrays[k];
      if (!v || v instanceof Float64Array || v.length !== sizes[k]) throw new RangeError(`workers: the checkpoint's ${what} ${k} must hold ${sizes[k]} values, got ${v?.length}`);
      rows[k] = v;
    }
    const k = this.costNames.length;
    const costs = arrays.costs;
    if (k > 0 && (!(costs instanceof Float32Array) || costs.length !== T * n * k)) throw new RangeError(`workers: the checkpoint's ${what} costs must hold ${T * n * k} values, got ${costs?.length}`);
    rows.costs = k > 0 ? (costs as Float32Array) : new Float32Array(0);
    return rows as unknown as ReplayRows;
  }

  /** Starts replaying `rows` (see {@link assemble}). */
  load(rows: ReplayRows): void {
    this.rows = rows;
    this.t = 0;
    this.length = this.steps;
    this.obs.set(rows.obs.subarray(0, this.numEnvs * this.obsSize));
  }

  /** One rollout per slot (slot order) as one rollout of the run, their copies side by side: copy c of the run is copy c mod m of slot ⌊c / m⌋. */
  assemble(rollouts: readonly SlotRollout[]): ReplayRows {
    if (rollouts.length !== this.slots) throw new RangeError(`workers: ${rollouts.length} slot rollouts, expected ${this.slots}`);
    const n = this.numEnvs;
    const m = n / this.slots;
    const d = this.obsSize;
    const a = this.actionSize;
    const T = this.steps;
    const discrete = this.base.actionSpace.kind === "discrete";
    const rows = {
      obs: new Float32Array(T * n * d),
      actions: discrete ? new Int32Array(T * n) : new Float32Array(T * n * a),
      logp: new Float32Array(T * n),
      values: new Float32Array(T * n),
      rewards: new Float32Array(T * n),
      terminated: new Uint8Array(T * n),
      truncated: new Uint8Array(T * n),
      nextObs: new Float32Array(T * n * d),
      lastObs: new Float32Array(n * d),
      costs: new Float32Array(T * n * this.costNames.length),
    };
    const k = this.costNames.length;
    rollouts.forEach((r, s) => {
      const b = r.batch;
      if (r.slot !== s) throw new Error(`workers: slot ${s}'s place holds slot ${r.slot}'s rollout`);
      if (b.header.numEnvs !== m || b.header.numSteps !== T) throw new Error(`workers: slot ${s}'s rollout is ${b.header.numSteps} steps × ${b.header.numEnvs} copies, expected ${T} × ${m}`);
      if (!b.lastObs) throw new Error(`workers: slot ${s}'s batch carries no last observations`);
      for (let t = 0; t < T; t++) {
        const from = t * m;
        const to = t * n + s * m;
        rows.obs.set(b.obs.subarray(from * d, (from + m) * d), to * d);
        rows.nextObs.set(b.nextObs.subarray(from * d, (from + m) * d), to * d);
        rows.actions.set(b.actions.subarray(from * a, (from + m) * a), to * a);
        rows.logp.set(b.logp.subarray(from, from + m), to);
        rows.values.set(b.values.subarray(from, from + m), to);
        rows.rewards.set(b.rewards.subarray(from, from + m), to);
        rows.terminated.set(b.terminated.subarray(from, from + m), to);
        rows.truncated.set(b.truncated.subarray(from, from + m), to);
        if (k > 0) rows.costs.set(b.costs.subarray(from * k, (from + m) * k), to * k);
      }
      rows.lastObs.set(b.lastObs, s * m * d);
    });
    return rows;
  }

  /** The actors' actions, log-probabilities and values of the step about to be taken. */
  actFromRollout(batch: number, out: ActOutput): void {
    const rows = this.rows;
    if (!rows || this.t >= this.length) throw new Error("workers: no rollout loaded to act from");
    if (batch !== this.numEnvs) throw new RangeError(`workers: asked to act for ${batch} copies, the run has ${this.numEnvs}`);
    const n = this.numEnvs;
    const a = this.actionSize;
    out.actions.set(rows.actions.subarray(this.t * n * a, (this.t + 1) * n * a));
    out.logp.set(rows.logp.subarray(this.t * n, (this.t + 1) * n));
    out.values.set(rows.values.subarray(this.t * n, (this.t + 1) * n));
  }

  reset(_options?: VecResetOptions): Float32Array {
    // the copies live with the actors: the run's reset at build time starts nothing
    return this.obs;
  }

  step(_actions: Int32Array | Float32Array): void {
    const rows = this.rows;
    if (!rows || this.t >= this.length) throw new Error("workers: the rollout is used up; the run asks the actors for the next one before stepping");
    const n = this.numEnvs;
    const d = this.obsSize;
    const t = this.t;
    this.rewards.set(rows.rewards.subarray(t * n, (t + 1) * n));
    this.terminated.set(rows.terminated.subarray(t * n, (t + 1) * n));
    this.truncated.set(rows.truncated.subarray(t * n, (t + 1) * n));
    const k = this.costNames.length;
    if (k > 0) this.costs.set(rows.costs.subarray(t * n * k, (t + 1) * n * k));
    for (let c = 0; c < n; c++) {
      if (this.terminated[c] || this.truncated[c]) {
        this.finalObs.set(rows.nextObs.subarray((t * n + c) * d, (t * n + c + 1) * d), c * d);
        this.elapsed[c] = 0;
      } else this.elapsed[c] = this.elapsed[c]! + 1;
    }
    this.t++;
    this.obs.set(this.t < this.length ? rows.obs.subarray(this.t * n * d, (this.t + 1) * n * d) : rows.lastObs);
  }

  render(index?: number): Frame {
    return this.base.render(index);
  }
  getPhysicalState(index: number): number[] {
    return this.base.getPhysicalState(index);
  }
  saveState(): VecEnvState {
    throw new Error("a run with workers keeps its env copies with the actors: its checkpoints are not supported yet");
  }
  loadState(_state: VecEnvState): void {
    throw new Error("a run with workers keeps its env copies with the actors: its checkpoints are not supported yet");
  }
}
