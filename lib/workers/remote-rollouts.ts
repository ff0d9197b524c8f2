/**
 * The learner's side of a run whose env copies live with actors
 * (`.workers(...)`): the learner's rollout collector steps a facade env and
 * acts through a facade actor, both replaying the rollout the actors made
 * with the learner's current policy. Everything downstream of the collector
 * (credit, losses, episode statistics, recorded trajectories, the KL in the
 * reward, the truncation bootstrap) runs as without workers.
 *
 * Before each env step the run calls {@link RemoteRollouts.ready}: when the
 * current rollout is used up it hands the policy's parameters and its action
 * generator's state to the actors and waits for every slot's rollout
 * (synchronous: every batch acts with the learner's current version, lag 0).
 * Slot 0 draws from the learner's own generator and the learner continues
 * from where slot 0 left it; slot i > 0 draws from a stream split off it. One
 * slot therefore gives bit for bit the numbers of the same run without
 * workers, and any number of slots gives the same numbers run after run.
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

export class RemoteRollouts {
  readonly env: ReplayVecEnv;
  readonly actor: RolloutActor;
  private version = -1;
  private starting: Promise<void> | null = null;

  private get started(): boolean {
    return this.starting !== null;
  }

  constructor(
    readonly pool: ActorPool,
    private readonly base: VecEnv,
    private job: ActorJob,
  ) {
    if (base.numEnvs % pool.slots !== 0) throw new RangeError(`workers: the run's ${base.numEnvs} env copies cannot be split evenly over ${pool.slots} slots`);
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

  /** Makes sure a rollout is there to step: asks the actors for one with `version` when the last is used up. */
  async ready(version: number, params: () => Float32Array, rng: Rng): Promise<void> {
    if (!this.due) return;
    const base = this.base;
    this.starting ??= this.pool.start(this.job, { envId: base.id, obsSize: base.obsSize, actionSize: base.actionSpace.kind === "discrete" ? base.actionSpace.n : base.actionSize, discrete: base.actionSpace.kind === "discrete", numEnvs: base.numEnvs / this.pool.slots });
    await this.starting;
    if (version === this.version) throw new Error(`workers: a second rollout of policy version ${version} was asked for before an update`);
    const states: RngState[] = [rng.state()];
    const stream = Rng.fromState(rng.state());
    for (let s = 1; s < this.pool.slots; s++) states.push(stream.split().state());
    const rollouts = await this.pool.rollout(version, params(), this.env.steps, states);
    this.env.load(rollouts);
    const after = rollouts[0]!.batch.header.rng;
    if (!after) throw new Error("workers: slot 0's batch carries no generator state");
    rng.restore(after);
    this.version = version;
  }

  /**
   * What a checkpoint needs to continue: every slot's env copies as they are
   * (between rollouts the actors are idle), the rollout being replayed and
   * where in it the learner is, and the last version asked for.
   */
  async snapshot(): Promise<{ json: WorkersEnvState; arrays: Record<string, Float32Array | Int32Array | Uint8Array> }> {
    const slots = await this.pool.snapshot();
    const fallback = this.job.envSnapshots;
    const replay = this.env.saveReplay();
    return {
      json: { slots: slots.map((s, i) => s ?? fallback?.[i] ?? null), version: this.version, replay: replay.json },
      arrays: replay.arrays,
    };
  }

  /** Continues from a {@link snapshot} (before the first rollout: the actors start from the saved copies). */
  restore(state: WorkersEnvState, arrays: Record<string, Float32Array | Int32Array | Uint8Array | Float64Array>): void {
    if (this.started) throw new Error("workers: a run that has asked its actors for rollouts cannot load a checkpoint's env state");
    if (!Array.isArray(state?.slots) || state.slots.length !== this.pool.slots) throw new RangeError(`workers: the checkpoint holds ${state?.slots?.length} slots of env copies, the run has ${this.pool.slots}`);
    if (!Number.isInteger(state.version) || state.version < -1) throw new RangeError(`workers: the checkpoint's rollout version must be an integer ≥ −1, got ${JSON.stringify(state.version)}`);
    this.job = { ...this.job, envSnapshots: state.slots };
    this.env.loadReplay(state.replay, arrays);
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
  private t = 0;
  private length = 0;
  /** @internal */
  rows: {
    obs: Float32Array;
    actions: Int32Array | Float32Array;
    logp: Float32Array;
    values: Float32Array;
    rewards: Float32Array;
    terminated: Uint8Array;
    truncated: Uint8Array;
    nextObs: Float32Array;
    lastObs: Float32Array;
  } | null = null;

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
    if (this.rows) for (const k of REPLAY_ARRAYS) arrays[k] = this.rows[k].slice();
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
    const T = json.length;
    const a = this.actionSize;
    const sizes: Record<(typeof REPLAY_ARRAYS)[number], number> = { obs: T * n * d, actions: T * n * a, logp: T * n, values: T * n, rewards: T * n, terminated: T * n, truncated: T * n, nextObs: T * n * d, lastObs: n * d };
    const rows: Record<string, Float32Array | Int32Array | Uint8Array> = {};
    for (const k of REPLAY_ARRAYS) {
      const v = arrays[k];
      if (!v || v instanceof Float64Array || v.length !== sizes[k]) throw new RangeError(`workers: the checkpoint's replay ${k} must hold ${sizes[k]} values, got ${v?.length}`);
      rows[k] = v;
    }
    this.rows = rows as unknown as NonNullable<ReplayVecEnv["rows"]>;
    this.obs.set(this.t < this.length ? this.rows.obs.subarray(this.t * n * d, (this.t + 1) * n * d) : this.rows.lastObs);
  }

  /** Loads one rollout per slot (slot order), their copies side by side: copy c of the run is copy c mod m of slot ⌊c / m⌋. */
  load(rollouts: readonly SlotRollout[]): void {
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
    };
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
      }
      rows.lastObs.set(b.lastObs, s * m * d);
    });
    this.rows = rows;
    this.t = 0;
    this.length = T;
    this.obs.set(rows.obs.subarray(0, n * d));
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
