import type { Table } from "apache-arrow";
import type { AlgoInstance, AlgoSpec, UpdateMetrics } from "../algos/algorithm.js";
import type { EnvSource } from "../envs/custom.js";
import { makeVecEnv } from "../envs/registry.js";
import { sameSpaces } from "../envs/space.js";
import type { VecEnv } from "../envs/vec-env.js";
import type { PolicySpec } from "../policy/spec.js";
import { Rng } from "../random/rng.js";
import { initBackend } from "../../native/index.js";
import { RecordingVecEnv, type RecordingOptions } from "../data/recording-env.js";
import type { Dataset } from "../data/dataset.js";
import type { OfflineMixSpec } from "../algos/mix.js";
import type { WorkersSpec, WorkerStatus } from "../workers/pool.js";
import { RemoteRollouts, type WorkersEnvState } from "../workers/remote-rollouts.js";
import { actorJob, makeActorPool } from "../workers/run-workers.js";
import { currentDisplay, type Display } from "./display.js";
import { currentInterrupt, InterruptedError } from "./interrupt.js";
import { EpisodeTracker } from "./episode-tracker.js";
import { MetricsLog, type MetricsRow } from "./metrics-log.js";
import { curveWidget, type CurveOptions } from "../../widgets/server/curve.js";
import type { Widget } from "../../widgets/server/widget.js";
import { Episodes, type CreditOptions, type EpisodeSelection } from "./episodes.js";
import { recordRollouts, type RolloutOptions } from "./rollouts.js";
import { checkTrainOptions, type TrainOptions } from "./train-options.js";
import { AbortSources, StopConditions, type StopReason } from "./stop-conditions.js";
import { trainCurve, TrainProgressReporter } from "./train-progress.js";

export type { TrainOptions } from "./train-options.js";

/** How the run's env is made: `rl.env(id, { n, seed, ...kwargs })`. */
export interface EnvConfig {
  readonly id: string | EnvSource;
  readonly n: number;
  readonly seed: number;
  readonly kwargs: Readonly<Record<string, unknown>>;
}

/**
 * What a {@link Run} is made of: env, policy, algorithm, seed, and how it
 * records and what data it trains from. `rl.env(...).policy(...).algo(...).build()`
 * collects it (a `RunBuilderConfig` with its algorithm chosen); `rl.load()`
 * reads it back from a checkpoint.
 */
export interface RunConfig {
  readonly env: EnvConfig;
  readonly policy: PolicySpec;
  readonly algo: AlgoSpec;
  /** Seed of the whole run: env resets, weight init, sampling, shuffles. */
  readonly seed: number;
  /** The run's name (in metrics, widgets and checkpoints); default `run-<n>`. */
  readonly id?: string | undefined;
  /** Record every training step into `run.data` (Arrow); options bound the recording's memory (see `RecordingOptions`). */
  readonly record: boolean | RecordingOptions;
  /** The dataset an offline algorithm trains from (`rl.offline(dataset)`); the env then serves evaluation only. */
  readonly dataset?: Dataset | undefined;
  /** Offline data mixed into the online algorithm's minibatches (`.mix(rl.data.offline(dataset, { ratio }))`). */
  readonly mix?: OfflineMixSpec | undefined;
  /** Where the env copies and the acting live: worker threads or actors over NATS (`.workers(rl.workers.local({ n }))`); default here. */
  readonly workers?: WorkersSpec | undefined;
}

/** What one train() call did. */
export interface TrainResult {
  readonly steps: number;
  readonly updates: number;
  readonly seconds: number;
  readonly sps: number;
  readonly stopped: "steps" | "updates" | "until" | "aborted";
  readonly last: MetricsRow | undefined;
}

/** Options of {@link Run.evaluate}. */
export interface EvaluateOptions {
  /** Episodes to run (default 10). */
  episodes?: number;
  /** Vector steps before giving up (default 1e6). */
  maxSteps?: number;
  /**
   * Env options that replace the run's own for this evaluation, e.g.
   * `{ length: 0.5 }` to evaluate a policy trained in a CartPole "simulator"
   * on the "real" one (the spaces must stay the same).
   */
  env?: Readonly<Record<string, unknown>>;
  /**
   * Chooses the actions instead of the run's greedy policy (e.g. V-GPS's
   * value-guided choice, `rl.steer.vgps`): writes `batch` actions for `obs`.
   */
  act?: (obs: Float32Array, batch: number, actions: Int32Array | Float32Array) => void;
}

/** Result of {@link Run.evaluate}. */
export interface EvaluateResult {
  readonly returns: Float64Array;
  readonly lengths: Int32Array;
  readonly meanReturn: number;
  readonly stdReturn: number;
  /** Each episode's summed constraint costs (all of the env's costs together), when the env emits costs. */
  readonly costs?: Float64Array;
  readonly meanCost?: number;
}

/** Most time a training loop runs between two yields to the event loop. */
export const YIELD_EVERY_MS = 20;

let runCounter = 0;

/** Lets timers, I/O and abort signals run (kernel messages, widget updates) before the loop goes on. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * An agent being trained: env copies, an algorithm instance and everything it
 * has logged. Built by `rl.env(...).policy(...).algo(...).build()`.
 *
 * `train()` can be called again and again (one notebook cell after another);
 * each call continues exactly where the previous one stopped, also after an
 * abort, and after `save()` + `rl.load()`.
 */
export class Run {
  readonly id: string;
  readonly env: VecEnv;
  readonly algo: AlgoInstance;
  private log: MetricsLog;
  /** Returns and lengths of the training episodes that ended (the last 100 for meanReturn). */
  readonly episodeStats: EpisodeTracker;
  private trainSeconds = 0;
  private lastRowStep = 0;
  private lastRowSeconds = 0;
  private lastEvalStep = 0;
  private lastEvalReturn: number | undefined;
  /** Generator for evaluation envs, separate from training. */
  readonly evalRng: Rng;
  /** The env generator's state before construction: evaluation envs are built from it, so construction-time draws (a bandit's arm means) match training. */
  private readonly envInitState: readonly number[];
  private training = false;
  /** Set by stop(): the train() call in progress ends at its next env step. */
  private stopRequested = false;
  /** The train() call in progress: whether it was told to stop, and when it has. */
  private active: { stopping: () => boolean; done: Promise<void> } | undefined;
  /** The recording wrapper around the training env (when recording). */
  readonly recording: RecordingVecEnv | undefined;

  /** How the env is made (`rl.env(id, { n, seed, ...kwargs })`). */
  readonly envConfig: EnvConfig;
  readonly policySpec: PolicySpec;
  readonly algoSpec: AlgoSpec;
  readonly seed: number;
  /** Record every training step into `run.data` (Arrow); options bound the recording's memory (see `RecordingOptions`). */
  readonly record: boolean | RecordingOptions;
  /** The dataset an offline algorithm trains from (`rl.offline(dataset)`); the env then serves evaluation only. */
  readonly dataset?: Dataset;
  /** Offline data mixed into the online algorithm's minibatches (`.mix(rl.data.offline(dataset, { ratio }))`). */
  readonly mix?: OfflineMixSpec;
  /** Where the env copies and the acting live (`.workers(...)`), when not here. */
  readonly workers?: WorkersSpec;
  /** The actors' side of a run with workers. */
  private readonly remote: RemoteRollouts | undefined;
  /** The algorithm's generator (actors continue its stream). */
  private readonly algoRng: Rng;

  constructor(config: RunConfig) {
    const { env: envConfig, policy: policySpec, algo: algoSpec, seed, id, record, dataset, mix, workers } = config;
    this.envConfig = envConfig;
    this.policySpec = policySpec;
    this.algoSpec = algoSpec;
    this.seed = seed;
    this.record = record;
    this.dataset = dataset;
    this.mix = mix;
    this.id = id ?? `run-${++runCounter}`;
    const master = Rng.fromSeed(seed);
    const envRng = master.split();
    const algoRng = master.split();
    this.evalRng = master.split();
    this.envInitState = envRng.state();
    this.algoRng = algoRng;
    const base = makeVecEnv(envConfig.id, { ...envConfig.kwargs, n: envConfig.n, rng: envRng });
    if (workers) {
      this.workers = workers;
      const pool = makeActorPool(workers, this.id);
      this.remote = new RemoteRollouts(pool, base, actorJob(this.id, envConfig, policySpec, this.envInitState, pool.slots), workers.lag ?? 0);
    }
    const env = this.remote?.env ?? base;
    this.recording = record ? new RecordingVecEnv(env, this.id, record === true ? {} : record) : undefined;
    this.env = this.recording ?? env;
    this.env.reset();
    this.algo = algoSpec.create({ env: this.env, policy: policySpec, rng: algoRng, ...(dataset ? { dataset } : {}), ...(mix ? { mix } : {}), ...(this.remote ? { actor: this.remote.actor } : {}) });
    if (this.remote) {
      if (!this.algo.actingParams || this.algo.rolloutSteps === undefined) throw new Error(`${this.algo.name}: workers replay fixed-length rollouts; this method does not collect them (use a rollout-based method: rl.ppo(), rl.a2c(), or rl.collect.rollout())`);
      this.remote.setSteps(this.algo.rolloutSteps);
    }
    if (this.recording) {
      const algo = this.algo;
      this.recording.behavior = () => algo.behavior?.() ?? { policyVersion: algo.updates };
    }
    this.log = new MetricsLog();
    this.episodeStats = new EpisodeTracker(this.env.numEnvs);
  }

  /**
   * Stops the train() call in progress at its next env step (it returns
   * `{ stopped: "aborted" }`; a later train() continues). True when a call
   * was running. The Stop button of the training widget calls it.
   */
  stop(): boolean {
    if (!this.training) return false;
    this.stopRequested = true;
    return true;
  }

  /** Whether a train() call is in progress. */
  get isTraining(): boolean {
    return this.training;
  }

  /** A short label: algorithm and env. */
  get label(): string {
    return `${this.algo.name} ${typeof this.envConfig.id === "string" ? this.envConfig.id : this.env.id}`;
  }

  /** Env steps taken so far (summed over copies). */
  get step(): number {
    return this.algo.envSteps;
  }

  /** One row per update: step, wall time, episodic return/length, losses, KL, clip fraction, SPS, … (Arrow, a copy). */
  get metrics(): Table {
    return this.log.toArrow();
  }

  /**
   * Every training transition so far as an Arrow table in the trajectory
   * schema (one row per env copy per step; see `lib/data/schema.ts`). Shares
   * memory with the recorded batches; empty when recording is off.
   */
  get data(): Table {
    if (!this.recording) throw new Error("this run does not record its transitions: build it with .record(true) (the default)");
    return this.recording.recorder.toTable();
  }

  /** How the run is named in widgets: its id when it was named (`.name(...)`), else its label and id. */
  get displayName(): string {
    return /^run-\d+$/.test(this.id) ? `${this.label} · ${this.id}` : this.id;
  }

  /**
   * The reward curve (episode return against env steps) as a widget: in a
   * notebook, an interactive plot with a smoothing slider; `.show()` in a
   * script writes an HTML page. `{ metric: "evalReturn" }` plots another column.
   */
  curve(options: CurveOptions = {}): Widget {
    return curveWidget([{ name: this.displayName, metrics: this.metrics }], {}, options);
  }

  /**
   * Recorded episodes (`{ last: 4 }` by default, or `{ first }`, `{ ids }`)
   * with their credit; `.show()` (or a cell's result) opens the trajectory viewer.
   */
  episodes(selection: EpisodeSelection = { last: 4 }): Episodes {
    return new Episodes(this, selection);
  }

  /**
   * The credit-assignment view of recorded episodes (`{ last: 20 }` by
   * default): advantage, return, TD error, ratio to the behavior policy
   * (clipped steps marked), KL and entropy, per step; `{ reference: run }`
   * adds KL(π ‖ π_ref) to another run's policy (e.g. `await rl.load(...)` of
   * an earlier checkpoint).
   */
  credit(selection: EpisodeSelection = { last: 20 }, options: CreditOptions = {}): Widget {
    return new Episodes(this, selection).credit(options);
  }

  /**
   * A dataset of the greedy policy acting in fresh copies of the env:
   * `await expert.rollouts({ episodes: 50 })` (or `{ steps }`), with each
   * action's log-probability under the policy and the critic's values, rows
   * marked `source: "offline"` — demonstrations for `rl.offline(...)` or
   * `.mix(rl.data.offline(...))`.
   */
  rollouts(options: RolloutOptions = {}): Promise<Dataset> {
    return recordRollouts(this, options);
  }

  /** The metrics store itself (columns as numbers, last row). */
  get metricsLog(): MetricsLog {
    return this.log;
  }

  /** Trains until `steps`/`updates` more are done, `until` holds, or `signal` aborts. */
  async train(options: TrainOptions = {}): Promise<TrainResult> {
    const checked = checkTrainOptions(options, this.dataset ? this.algo.name : undefined);
    // A notebook kernel's interrupt for the cell calling train(): stops at the next env step, then throws.
    const aborts = new AbortSources(checked.signal, currentInterrupt(), () => this.stopRequested);
    const previous = this.active;
    if (previous) {
      // A call that was stopped winds down at its next env step (it may be waiting for its turn of the event loop): wait for it.
      if (!previous.stopping()) throw new Error("this run is already training (another train() call has not finished); await it or abort it first");
      await previous.done;
    }
    const release = this.claimTraining(aborts);
    try {
      // A tfjs model runs on the fastest backend present (small MLPs use the fused kernels and need none).
      if (this.policySpec.kind === "model") await initBackend();
    } catch (error) {
      release();
      throw error;
    }
    const display = options.display ?? currentDisplay();
    const algo = this.algo;
    const start = { step: algo.envSteps, updates: algo.updates };
    const stops = new StopConditions(checked, start, aborts);
    const t0 = performance.now();
    const baseSeconds = this.trainSeconds;
    /** Brings the run's training time up to now. */
    const clock = () => {
      this.trainSeconds = baseSeconds + (performance.now() - t0) / 1000;
    };
    let lastYield = t0;
    let stopped: StopReason;
    const progress = new TrainProgressReporter(this, display, start, stops, trainCurve(this.algoSpec, this.env.costNames), t0);
    // A first report at once: a notebook shows its training view before the first update.
    progress.report();
    try {
      for (;;) {
        const abort = stops.beforeStep();
        if (abort) {
          stopped = abort;
          break;
        }
        if (this.remote?.due) await this.remote.ready(algo.updates, () => algo.actingParams!(), this.algoRng);
        const m = this.stepAlgo();
        if (stops.updatesReached(algo.updates) && (m || algo.flushMetrics)) {
          // Methods that report every few updates hand over what they have gathered since their last row.
          const row = m ?? algo.flushMetrics?.() ?? null;
          clock();
          if (row) this.logRow(row, display);
          stopped = "updates";
          break;
        }
        if (m && this.rowDue()) {
          clock();
          if (this.evalDue(checked.evalEvery)) await this.evaluateForRow(checked.evalEpisodes);
          const row = this.logRow(m, display);
          if (stops.untilHolds(row)) {
            stopped = "until";
            break;
          }
        }
        if (stops.stepsReached(algo.envSteps)) {
          stopped = "steps";
          break;
        }
        if (performance.now() - lastYield >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
          progress.tick(lastYield);
        }
      }
    } catch (error) {
      progress.report("error");
      throw error;
    } finally {
      clock();
      release();
    }
    progress.report(stopped === "interrupted" ? "aborted" : stopped);
    if (stopped === "interrupted") {
      throw new InterruptedError(`train() was interrupted after ${algo.envSteps - start.step} env steps (${algo.updates - start.updates} updates) of this call; the run is consistent at step ${algo.envSteps}: call train() again to continue`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const callSteps = algo.envSteps - start.step;
    return { steps: callSteps, updates: algo.updates - start.updates, seconds, sps: seconds > 0 ? callSteps / seconds : 0, stopped, last: this.log.last() };
  }

  /**
   * Makes the train() call that `aborts` stop the one in progress (after the
   * previous one has ended) and returns the function that ends it: the run
   * is no longer training, and a call waiting for this one may start.
   */
  private claimTraining(aborts: AbortSources): () => void {
    let finished!: () => void;
    this.stopRequested = false;
    const active = { stopping: () => aborts.requested(), done: new Promise<void>((resolve) => (finished = resolve)) };
    this.active = active;
    this.training = true;
    return () => {
      this.training = false;
      if (this.active === active) this.active = undefined;
      finished();
    };
  }

  /** One step of the algorithm: an env step (summed over copies), and an update when one is due; its metrics then, or null. */
  private stepAlgo(): UpdateMetrics | null {
    const algo = this.algo;
    const before = algo.envSteps;
    try {
      return algo.step();
    } finally {
      // The env step happened even when the update after it failed.
      if (algo.envSteps !== before) this.episodeStats.record(this.env, algo.envSteps);
    }
  }

  /** Whether an update's metrics make a row now: the algorithm's `logEvery` env steps have passed since the last row. */
  private rowDue(): boolean {
    return this.algo.envSteps - this.lastRowStep >= (this.algo.logEvery ?? 0);
  }

  /** Whether a train() call evaluating every `evalEvery` env steps (none when undefined) evaluates for the row it logs now. */
  private evalDue(evalEvery: number | undefined): boolean {
    return evalEvery !== undefined && this.algo.envSteps - this.lastEvalStep >= evalEvery;
  }

  /** Evaluates the greedy policy on `episodes` episodes; their mean return goes into the next row's `evalReturn`. */
  private async evaluateForRow(episodes: number): Promise<void> {
    this.lastEvalStep = this.algo.envSteps;
    this.lastEvalReturn = (await this.evaluate({ episodes })).meanReturn;
  }

  /** Appends a metrics row for `m` and shows it on `display`. */
  private logRow(m: Record<string, number>, display: Display): MetricsRow {
    // (Appended first: `display.metricsRow?.(…, this.appendRow(row))` would skip the append for displays without the hook.)
    const row = this.appendRow(m);
    display.metricsRow?.(this.id, row);
    return row;
  }

  private appendRow(m: Record<string, number>): MetricsRow {
    const step = this.algo.envSteps;
    const dt = this.trainSeconds - this.lastRowSeconds;
    const sps = dt > 0 ? (step - this.lastRowStep) / dt : 0;
    this.lastRowStep = step;
    this.lastRowSeconds = this.trainSeconds;
    const eps = this.episodeStats.takeSinceLastRow();
    this.log.append({
      step,
      update: this.algo.updates,
      wallTime: this.trainSeconds,
      episodicReturn: eps.episodicReturn,
      episodicLength: eps.episodicLength,
      episodicCost: eps.episodicCost,
      meanReturn: this.episodeStats.meanReturn(),
      meanCost: this.episodeStats.meanCost(),
      episodes: this.episodeStats.count,
      evalReturn: this.lastEvalReturn,
      sps,
      ...m,
      ...this.remote?.metrics(),
    });
    this.lastEvalReturn = undefined;
    return this.log.last()!;
  }

  /**
   * `n` fresh copies of the run's env (its id and options, `overrides` on
   * top) for acting outside training; overrides that change the spaces are
   * an error naming `caller`.
   */
  freshEnv(caller: string, n: number, rng: Rng, overrides?: Readonly<Record<string, unknown>>): VecEnv {
    const cfg = this.envConfig;
    const env = makeVecEnv(cfg.id, { ...cfg.kwargs, ...overrides, n, rng });
    if (overrides && !sameSpaces(env, this.env)) {
      throw new Error(`${caller}({ env }): with ${JSON.stringify(overrides)} the env observes ${env.obsSize} values and acts in ${JSON.stringify(env.actionSpace)}, but the policy was trained on ${this.env.obsSize} and ${JSON.stringify(this.env.actionSpace)}`);
    }
    return env;
  }

  /**
   * Runs `episodes` complete episodes with greedy actions (or `act`'s) on fresh copies of
   * the env (seeded from the run's evaluation stream; training state is
   * untouched), optionally with other env options (`{ env: { length: 0.5 } }`).
   */
  async evaluate(options: EvaluateOptions = {}): Promise<EvaluateResult> {
    const episodes = options.episodes ?? 10;
    if (!Number.isInteger(episodes) || episodes < 1) throw new RangeError(`evaluate({ episodes }): expected a positive integer, got ${String(episodes)}`);
    if (options.act !== undefined && typeof options.act !== "function") throw new TypeError("evaluate({ act }): expected a function (obs, batch, actions) => void");
    const act = options.act ?? ((obs: Float32Array, batch: number, out: Int32Array | Float32Array) => this.algo.actGreedy(obs, batch, out));
    const n = Math.min(episodes, 16);
    const env = this.freshEnv("evaluate", n, Rng.fromState(this.envInitState), options.env);
    env.reset({ seed: this.evalRng.int32() });
    const actions = env.actionSpace.kind === "discrete" ? new Int32Array(n) : new Float32Array(n * env.actionSize);
    const returns: number[] = [];
    const lengths: number[] = [];
    const costs: number[] = [];
    const ret = new Float64Array(n);
    const len = new Int32Array(n);
    const k = env.costNames?.length ?? 0;
    const cost = new Float64Array(n);
    // Each copy runs at most its share of episodes, so the set of episodes does not depend on which copy finishes first.
    const quota = Array.from({ length: n }, (_, i) => Math.floor(episodes / n) + (i < episodes % n ? 1 : 0));
    const maxSteps = options.maxSteps ?? 1_000_000;
    let lastYield = performance.now();
    for (let t = 0; returns.length < episodes && t < maxSteps; t++) {
      act(env.obs, n, actions);
      env.step(actions);
      for (let e = 0; e < n; e++) {
        ret[e] = ret[e]! + env.rewards[e]!;
        len[e] = len[e]! + 1;
        for (let j = 0; j < k; j++) cost[e] = cost[e]! + env.costs![e * k + j]!;
        if (env.terminated[e] || env.truncated[e]) {
          if (quota[e]! > 0) {
            quota[e] = quota[e]! - 1;
            returns.push(ret[e]!);
            lengths.push(len[e]!);
            costs.push(cost[e]!);
          }
          ret[e] = 0;
          len[e] = 0;
          cost[e] = 0;
        }
      }
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    if (returns.length < episodes) {
      throw new Error(`evaluate(): only ${returns.length} of ${episodes} episodes ended within maxSteps = ${maxSteps} vector steps; raise maxSteps or give the env a time limit (maxEpisodeSteps)`);
    }
    const r = Float64Array.from(returns);
    const mean = r.reduce((a, b) => a + b, 0) / Math.max(1, r.length);
    const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, r.length));
    const out = { returns: r, lengths: Int32Array.from(lengths), meanReturn: mean, stdReturn: std };
    if (k === 0) return out;
    const c = Float64Array.from(costs);
    return { ...out, costs: c, meanCost: c.reduce((a, b) => a + b, 0) / Math.max(1, c.length) };
  }

  /**
   * Saves weights, optimizer state, RNG states, env state, counters, config and
   * metrics to `dir` (atomically replaced). `rl.load(dir)` continues with the
   * same numbers as an uninterrupted run.
   */
  async save(dir: string): Promise<void> {
    const { saveRun } = await import("./checkpoint.js");
    await saveRun(this, dir);
  }

  /** @internal Everything of the run itself (not the algorithm) a checkpoint keeps. */
  runState(): unknown {
    return {
      trainSeconds: this.trainSeconds,
      lastRowStep: this.lastRowStep,
      lastRowSeconds: this.lastRowSeconds,
      lastEvalStep: this.lastEvalStep,
      lastEvalReturn: this.lastEvalReturn ?? null,
      evalRng: this.evalRng.state(),
      episodes: this.episodeStats.toJSON(),
    };
  }

  /** @internal */
  restoreRunState(state: unknown, log: MetricsLog): void {
    const s = state as { trainSeconds: number; lastRowStep: number; lastRowSeconds: number; lastEvalStep: number; lastEvalReturn: number | null; evalRng: number[]; episodes: unknown };
    this.trainSeconds = s.trainSeconds;
    this.lastRowStep = s.lastRowStep;
    this.lastRowSeconds = s.lastRowSeconds;
    this.lastEvalStep = s.lastEvalStep;
    this.lastEvalReturn = s.lastEvalReturn ?? undefined;
    this.evalRng.restore(s.evalRng);
    this.episodeStats.load(s.episodes);
    this.log = log;
  }

  /** The actors of a run with workers, and their throughput (empty without workers). */
  workerStatus(): WorkerStatus[] {
    return this.remote?.pool.status() ?? [];
  }

  /** @internal The actors' env copies and the rollout being replayed, for a checkpoint. */
  workersSnapshot(): ReturnType<RemoteRollouts["snapshot"]> {
    if (!this.remote) throw new Error("this run has no workers");
    return this.remote.snapshot();
  }

  /** @internal Continues from a checkpoint's {@link workersSnapshot}. */
  restoreWorkers(state: WorkersEnvState, arrays: Record<string, Float32Array | Int32Array | Uint8Array | Float64Array>): void {
    if (!this.remote) throw new Error("this run has no workers");
    this.remote.restore(state, arrays);
  }

  /** Batches the learner read and did not use (another session's or rollout's, a second copy of one it has): 0 without workers. */
  workerSkipped(): number {
    return this.remote?.pool.skipped ?? 0;
  }

  dispose(): void {
    void this.remote?.close();
    this.algo.dispose();
    this.recording?.recorder.dispose();
  }
}
