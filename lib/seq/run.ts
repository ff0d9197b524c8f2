/**
 * A sequence run: a token policy trained on a verifiable task by the
 * policy-gradient engine (GRPO and relatives), step after step from notebook
 * cells, with its metrics, scheduled held-out evaluation, every sampled
 * completion recorded (Arrow), the credit view, and checkpoints.
 *
 * ```ts
 * const run = rl.seq(rl.tasks.addition, { level: 2, policy, tokenizer })
 *   .algo(rl.grpo({ prompts: 32, groupSize: 8 }))
 *   .eval({ every: 10, problems: 500 })
 *   .build();
 * await run.train({ steps: 100 });
 * run.curve({ metric: "pass1" });
 * run.credit({ last: 4 });
 * ```
 */
import type { Table } from "apache-arrow";
import { RunConfigError } from "../run/builder.js";
import { currentDisplay, type Display } from "../run/display.js";
import { currentInterrupt, InterruptedError } from "../run/interrupt.js";
import { MetricsLog, documentMetric, type MetricsRow } from "../run/metrics-log.js";
import { AbortSources } from "../run/stop-conditions.js";
import { YIELD_EVERY_MS, yieldToEventLoop } from "../run/run.js";
import { TrainProgressReporter } from "../run/train-progress.js";
import { Rng } from "../random/rng.js";
import { problem, type Problem } from "../config/problem.js";
import type { PgSpec } from "../pg/spec.js";
import { SequenceLearner, type PromptSource, type SampledCompletion } from "../pg/seq/learner.js";
import { sequenceSpecProblems } from "../pg/seq/problems.js";
import { sequenceTable, type SequenceRow } from "../data/sequence-table.js";
import { sequenceCredit } from "../credit/sequences.js";
import { completionRows } from "../data/completion-rows.js";
import { completionsWidget, type CompletionsOptions } from "../../widgets/server/completions.js";
import { curveWidget, type CurveOptions } from "../../widgets/server/curve.js";
import { sequenceCreditWidget, type SequenceViewOptions } from "../../widgets/server/sequences.js";
import type { Widget } from "../../widgets/server/widget.js";
import type { TokenPolicy } from "./policies/token-policy.js";
import { saveSequenceRun } from "./run-checkpoint.js";
import { evaluateSequences, type SequenceEvaluation } from "./eval/evaluate.js";
import { rewards, correctness, type RewardFunction } from "./tasks/rewards.js";
import { taskSplit } from "./tasks/split.js";
import type { Task, TaskItem } from "./tasks/task.js";
import type { Tokenizer } from "./tokenizers/tokenizer.js";
import { VERSION } from "../version.js";
import { policyRecord } from "./policies/policy-record.js";
import { LocalSamplerPool } from "../workers/local-sampler-pool.js";
import { RemoteSampler } from "../workers/remote-sampler.js";
import type { SamplerJob } from "../workers/sequence-actor.js";
import { workersSpecProblems, type WorkerStatus, type WorkersSpec } from "../workers/pool.js";
import { NatsSamplerPool } from "../workers/nats/nats-sampler-pool.js";

documentMetric("pass1", "greedy pass@1 on the run's held-out problems (scheduled evaluation)");
documentMetric("completions", "completions sampled so far (every round, dropped groups included)");
documentMetric("sampledTokens", "tokens the policy generated so far (guidance re-samples included; hint and teacher tokens are not sampled)");

/** What a sequence run is made of (besides its method). */
export interface SequenceRunOptions {
  readonly policy: TokenPolicy;
  readonly tokenizer: Tokenizer;
  /** The difficulty level(s) prompts are drawn at (default: the task's lowest level). */
  readonly level?: number;
  readonly levels?: readonly number[];
  /** The reward of a completion (default: 1 when correct, else 0). */
  readonly reward?: RewardFunction;
  /** Fixed training problems drawn uniformly (default: fresh problems generated at the levels). */
  readonly train?: readonly TaskItem[];
  /** Held-out problems for evaluation (default: `eval.problems` problems of the levels drawn with the run's seed). */
  readonly test?: readonly TaskItem[];
  /** Seeds every random draw of the run (default 0). */
  readonly seed?: number;
  readonly id?: string;
  /** Where completions are sampled (`.workers(rl.workers.local({ n }))`), when not here. */
  readonly workers?: WorkersSpec;
}

/** Scheduled evaluation of a sequence run. */
export interface SequenceEvalSchedule {
  /** Evaluate every this many steps (0: only when asked). Default 0. */
  readonly every?: number;
  /** Held-out problems drawn when `test` was not given. Default 200. */
  readonly problems?: number;
  /** Sampled completions per problem for pass@k and maj@k (0: greedy pass@1 only). Default 0. */
  readonly samples?: number;
  readonly k?: readonly number[];
}

/** Options of {@link SequenceRun.train}. */
export interface SequenceTrainOptions {
  /** Steps (sample + update) to take in this call. */
  readonly steps?: number;
  /** Stop after the first step whose metrics row satisfies this. */
  readonly until?: (row: MetricsRow) => boolean;
  readonly signal?: AbortSignal;
  readonly display?: Display;
}

let seqRunCounter = 0;

/** Bounds of an evaluation schedule: beyond them one evaluation would take hours or exhaust memory. */
export const EVAL_LIMITS = { problems: 100_000, samples: 1024 } as const;

/** Problems of an evaluation schedule (`.eval({...})`, or one read from a checkpoint), as data. */
export function evalScheduleProblems(schedule: unknown): Problem[] {
  if (schedule === null || typeof schedule !== "object" || Array.isArray(schedule)) return [problem("eval", "wrong-type", `expected { every?, problems?, samples?, k? }, got ${JSON.stringify(schedule)}`)];
  const s = schedule as Record<string, unknown>;
  const p: Problem[] = [];
  const limits: Record<string, number> = { every: Number.MAX_SAFE_INTEGER, ...EVAL_LIMITS };
  for (const key of ["every", "problems", "samples"]) {
    const v = s[key];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= limits[key]!)) p.push(problem(`eval.${key}`, "out-of-range", `expected an integer in [0, ${limits[key]}], got ${JSON.stringify(v)}`, { expected: `0 … ${limits[key]}`, got: v as never }));
  }
  const n = typeof s.samples === "number" ? s.samples : 0;
  if (s.k !== undefined && !(Array.isArray(s.k) && s.k.every((k) => Number.isInteger(k) && k >= 1 && k <= n))) {
    p.push(problem("eval.k", "out-of-range", `expected integers in [1, samples = ${n}], got ${JSON.stringify(s.k)}`, { expected: `1 … ${n}`, got: JSON.stringify(s.k) }));
  }
  return p;
}

/** Builds a {@link SequenceRun}: `rl.seq(task, { policy, tokenizer }).algo(rl.grpo()).build()`. */
export class SequenceRunBuilder {
  constructor(
    private readonly task: Task,
    private readonly options: SequenceRunOptions,
    private readonly spec?: PgSpec,
    private readonly schedule: SequenceEvalSchedule = {},
  ) {}

  /** The method: `rl.grpo(...)`, or any engine spec with a completions collector and a group advantage. */
  algo(spec: PgSpec): SequenceRunBuilder {
    return new SequenceRunBuilder(this.task, this.options, spec, this.schedule);
  }

  /**
   * Samples the completions on actors: `.workers(rl.workers.local({ n }))`
   * (worker threads) or `.workers(rl.workers.nats({ servers, slots }))`
   * (`trellis worker` processes); the learner judges and trains. One worker
   * gives the numbers of the run that samples itself, bit for bit.
   */
  workers(spec: WorkersSpec): SequenceRunBuilder {
    return new SequenceRunBuilder(this.task, { ...this.options, workers: spec }, this.spec, this.schedule);
  }

  /** Scheduled held-out evaluation: `{ every: 10, problems: 500, samples: 8, k: [1, 8] }`. */
  eval(schedule: SequenceEvalSchedule): SequenceRunBuilder {
    return new SequenceRunBuilder(this.task, this.options, this.spec, { ...this.schedule, ...schedule });
  }

  /** Every problem of the run's configuration, as data. */
  problems(): Problem[] {
    const p: Problem[] = [];
    const o = this.options;
    if (!this.task || typeof this.task.generate !== "function" || typeof this.task.verify !== "function") p.push(problem("task", "wrong-type", "expected a task (e.g. rl.tasks.addition, or defineTask({...}))"));
    if (!o || typeof o !== "object") return [...p, problem("options", "wrong-type", "expected { policy, tokenizer, ... }")];
    const policy = o.policy as Partial<TokenPolicy> | undefined;
    if (!policy || typeof policy.forward !== "function" || typeof policy.decoder !== "function" || !(policy.params instanceof Float32Array)) p.push(problem("policy", "wrong-type", "expected a token policy (rl.seq.transformer(...), a loaded GPT-2, or a GRU)"));
    const tok = o.tokenizer as Partial<Tokenizer> | undefined;
    if (!tok || typeof tok.encode !== "function" || typeof tok.eos !== "number") p.push(problem("tokenizer", "wrong-type", "expected a tokenizer (rl.tokenizer.char(...) or rl.tokenizer.load(...))"));
    else if (policy && typeof policy.vocabSize === "number" && tok.vocabSize! > policy.vocabSize) {
      p.push(problem("tokenizer", "incompatible", `the tokenizer has ${tok.vocabSize} ids but the policy's vocabulary has ${policy.vocabSize}`, { expected: `≤ ${policy.vocabSize}`, got: tok.vocabSize }));
    }
    if (this.task && Array.isArray(this.task.levels)) {
      for (const l of this.levels()) if (!this.task.levels.includes(l)) p.push(problem("level", "not-one-of", `level ${l} is not one of the task's levels ${this.task.levels.join(", ")}`, { expected: this.task.levels.join(", "), got: l }));
    }
    if (o.seed !== undefined && !Number.isInteger(o.seed)) p.push(problem("seed", "wrong-type", `expected an integer seed, got ${String(o.seed)}`));
    if (o.train !== undefined && (!Array.isArray(o.train) || o.train.length === 0)) p.push(problem("train", "wrong-type", "expected a non-empty array of task items"));
    p.push(...evalScheduleProblems(this.schedule));
    if (!this.spec) p.push(problem("algo", "missing", "give the method: .algo(rl.grpo())"));
    else p.push(...sequenceSpecProblems(this.spec));
    if (o.workers !== undefined) p.push(...sequenceWorkersProblems(o.workers, this.spec, policy));
    return p;
  }

  private levels(): number[] {
    const o = this.options;
    return o.levels ? [...o.levels] : o.level !== undefined ? [o.level] : this.task?.levels?.length ? [this.task.levels[0]!] : [];
  }

  build(): SequenceRun {
    const p = this.problems();
    if (p.length) throw new RunConfigError(p);
    return new SequenceRun(this.task, this.options, this.spec!, this.schedule, this.levels());
  }
}

/** A token policy on a task, trained by an engine spec (see the module doc). */
export class SequenceRun {
  readonly id: string;
  readonly learner: SequenceLearner;
  readonly test: readonly TaskItem[];
  readonly seed: number;
  readonly reward: RewardFunction;
  private log = new MetricsLog();
  private recorded: SequenceRow[] = [];
  private readonly evalRng: Rng;
  /** Samples the completions when the run has workers. */
  private readonly sampler: RemoteSampler | undefined;
  private trainSeconds = 0;
  private training = false;
  private stopRequested = false;
  /** Greedy pass@1 (and more) of the last evaluation. */
  lastEval: SequenceEvaluation | undefined;

  constructor(
    readonly task: Task,
    readonly options: SequenceRunOptions,
    readonly spec: PgSpec,
    readonly schedule: SequenceEvalSchedule,
    readonly levels: readonly number[],
  ) {
    this.id = options.id ?? `seq-run-${++seqRunCounter}`;
    this.seed = options.seed ?? 0;
    const master = Rng.fromSeed(this.seed);
    const promptRng = master.split();
    const testRng = master.split();
    this.evalRng = master.split();
    this.reward = options.reward ?? rewards(task, [{ fn: correctness, weight: 1 }]);
    const train = options.train;
    const lv = levels;
    this.test = options.test ?? taskSplit(task, { seed: testRng.int(2 ** 31), levels: lv, train: 0, test: schedule.problems ?? 200 }).test;
    const prompts: PromptSource = train
      ? { draw: (rng, n) => Array.from({ length: n }, () => train[rng.int(train.length)]!) }
      : { draw: (rng, n) => Array.from({ length: n }, () => task.generate(rng, lv[rng.int(lv.length)]!)) };
    this.learner = new SequenceLearner(spec.name, spec.config, { policy: options.policy, tokenizer: options.tokenizer, prompts, reward: this.reward, rng: promptRng });
    if (options.workers) {
      const policy = options.policy;
      const job: SamplerJob = { run: this.id, trellis: VERSION, policy: policyRecord(policy, "workers"), paramCount: policy.params.length, options: this.learner.samplingOptions() };
      const w = options.workers;
      this.sampler = new RemoteSampler(w.kind === "local" ? new LocalSamplerPool(w.n) : new NatsSamplerPool(w, this.id), job, policy.vocabSize);
    }
  }

  /** The actors sampling for this run: completions batches, tokens sampled and tokens per second of sampling (empty without workers). */
  workerStatus(): WorkerStatus[] {
    return this.sampler?.status() ?? [];
  }

  /** Stops the run's worker threads (they do not keep the process alive meanwhile). */
  dispose(): void {
    void this.sampler?.close();
  }

  get isTraining(): boolean {
    return this.training;
  }

  /** How widgets name the run. */
  get displayName(): string {
    return /^seq-run-\d+$/.test(this.id) ? `${this.label} · ${this.id}` : this.id;
  }

  /** Saves the run into `dir` (see `run-checkpoint.ts`); `rl.seq.load(dir, { task })` continues it bit for bit. */
  save(dir: string): Promise<void> {
    return saveSequenceRun(this, dir);
  }

  /** The run's own state for a checkpoint (the learner's is separate). */
  runState(): unknown {
    return { trainSeconds: this.trainSeconds, promptRng: this.learner.ctx.rng.state(), evalRng: this.evalRng.state(), lastEval: this.lastEval ?? null };
  }

  restoreRunState(state: unknown, log: MetricsLog, recorded: SequenceRow[]): void {
    const s = state as { trainSeconds: number; promptRng: number[]; evalRng: number[]; lastEval: SequenceEvaluation | null };
    this.trainSeconds = s.trainSeconds;
    this.learner.ctx.rng.restore(s.promptRng as never);
    this.evalRng.restore(s.evalRng as never);
    this.lastEval = s.lastEval ?? undefined;
    this.log = log;
    this.recorded = recorded;
  }

  get policy(): TokenPolicy {
    return this.options.policy;
  }

  get tokenizer(): Tokenizer {
    return this.options.tokenizer;
  }

  /** Steps (sample + update) taken so far. */
  get step(): number {
    return this.learner.updates;
  }

  get label(): string {
    return `${this.spec.name} ${this.task.id}`;
  }

  /** One row per step: reward, reward_std, frac_reward_zero_std, lengths, clip ratios, losses, pass1 when evaluated, … (Arrow, a copy). */
  get metrics(): Table {
    return this.log.toArrow();
  }

  get metricsLog(): MetricsLog {
    return this.log;
  }

  stop(): boolean {
    if (!this.training) return false;
    this.stopRequested = true;
    return true;
  }

  /** Greedy pass@1 (and pass@k / maj@k with `samples`) on the held-out problems, per level. */
  evaluate(options: { samples?: number; k?: readonly number[]; problems?: readonly TaskItem[] } = {}): SequenceEvaluation {
    const c = this.learner.collect;
    const samples = options.samples ?? this.schedule.samples ?? 0;
    const k = options.k ?? this.schedule.k;
    const e = evaluateSequences(this.policy, this.tokenizer, this.task, {
      items: options.problems ?? this.test,
      maxNewTokens: c.maxNewTokens,
      temperature: c.temperature,
      samples,
      ...(k ? { k } : {}),
      ...(samples > 0 ? { rng: this.evalRng } : {}),
    });
    if (!options.problems) this.lastEval = e;
    return e;
  }

  /** Trains `steps` more steps (or until `until` holds, or it is stopped); evaluates on the schedule. */
  async train(options: SequenceTrainOptions = {}): Promise<{ steps: number; seconds: number; stopped: "steps" | "until" | "aborted"; last: MetricsRow | undefined }> {
    const { steps, until, signal } = options;
    if (steps === undefined && until === undefined) throw new TypeError("train() needs a budget: { steps } or { until: (m) => ... }, e.g. run.train({ steps: 100 })");
    if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) throw new RangeError(`train({ steps }): expected a positive integer, got ${String(steps)}`);
    if (until !== undefined && typeof until !== "function") throw new TypeError("train({ until }): expected a function of the metrics row, e.g. (m) => m.pass1 >= 0.8");
    if (this.training) throw new Error("this run is already training (another train() call has not finished); await it or stop it first");
    const aborts = new AbortSources(signal, currentInterrupt(), () => this.stopRequested);
    this.training = true;
    this.stopRequested = false;
    const display = options.display ?? currentDisplay();
    const start = this.learner.updates;
    const t0 = performance.now();
    const base = this.trainSeconds;
    const learner = this.learner;
    const source = {
      id: this.id,
      label: this.label,
      algo: {
        get envSteps() {
          return learner.updates;
        },
        get updates() {
          return learner.updates;
        },
      },
      episodeStats: { lastReturn: () => this.log.last()?.reward, meanReturn: () => this.log.last()?.reward },
      metricsLog: this.log,
      stop: () => this.stop(),
      workerStatus: () => this.workerStatus(),
    };
    const progress = new TrainProgressReporter(source, display, { step: start, updates: start }, { targetStep: steps === undefined ? undefined : start + steps, targetUpdates: undefined }, { key: "reward", label: "mean reward", x: "step", ...(this.schedule.every ? { extra: [{ key: "pass1", label: "pass@1" }] } : {}) }, t0);
    progress.report();
    let stopped: "steps" | "until" | "aborted" | "interrupted" = "steps";
    let lastYield = t0;
    try {
      for (;;) {
        const reason = aborts.reason();
        if (reason) {
          stopped = reason;
          break;
        }
        if (steps !== undefined && this.learner.updates - start >= steps) break;
        if (this.learner.updates === 0 && this.schedule.every && this.log.last() === undefined) {
          // the policy as training starts: pass@1 at step 0
          const row0 = this.appendRow({}, this.evaluate());
          display.metricsRow?.(this.id, row0);
        }
        const sampler = this.sampler;
        const m = sampler ? await this.learner.stepWith((contexts) => sampler.sample(contexts, this.learner.updates, this.policy.params, this.learner.ctx.rng)) : this.learner.step();
        this.record(this.learner.last);
        const every = this.schedule.every ?? 0;
        const evalNow = every > 0 && this.learner.updates % every === 0;
        this.trainSeconds = base + (performance.now() - t0) / 1000;
        const row = this.appendRow(m, evalNow ? this.evaluate() : undefined);
        display.metricsRow?.(this.id, row);
        if (until?.(row)) {
          stopped = "until";
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
      this.trainSeconds = base + (performance.now() - t0) / 1000;
      this.training = false;
    }
    progress.report(stopped === "interrupted" ? "aborted" : stopped);
    if (stopped === "interrupted") throw new InterruptedError(`train() was interrupted after ${this.learner.updates - start} steps; the run is consistent at step ${this.learner.updates}: call train() again to continue`);
    return { steps: this.learner.updates - start, seconds: (performance.now() - t0) / 1000, stopped, last: this.log.last() };
  }

  private appendRow(m: Record<string, number>, evaluation: SequenceEvaluation | undefined): MetricsRow {
    const extra: Record<string, number> = {};
    if (evaluation) {
      extra.pass1 = evaluation.pass1;
      for (const [k, v] of Object.entries(evaluation.passAtK)) extra[`pass@${k}`] = v;
      for (const [k, v] of Object.entries(evaluation.majAtK)) extra[`maj@${k}`] = v;
    }
    this.log.append({ step: this.learner.updates, update: this.learner.updates, wallTime: this.trainSeconds, completions: this.learner.sampled, sampledTokens: this.learner.sampledTokens, ...m, ...extra });
    return this.log.last()!;
  }

  private record(completions: readonly SampledCompletion[]): void {
    for (const s of completions) {
      this.recorded.push({
        episodeId: this.recorded.length,
        groupId: s.group,
        tokens: s.tokens,
        tokenLogp: s.logp,
        ...(s.status === "trained" ? { tokenAdv: s.tokenAdvantages ?? new Float32Array(s.tokens.length).fill(s.advantage) } : {}),
        ...(s.clipped ? { tokenClipped: s.clipped } : {}),
        reward: s.reward,
        ...(s.source ? { source: s.source } : {}),
        prompt: s.prompt,
        policyVersion: s.policyVersion,
        promptId: s.item.id,
      });
    }
  }

  /**
   * Every sampled completion so far (or of the last `steps` steps) as an
   * Arrow table in the trajectory schema with the sequence columns: tokens,
   * token_logp, token_adv, group_id, reward, source, policy_version, prompt_id.
   */
  completions(options: { lastSteps?: number } = {}): Table {
    const from = options.lastSteps === undefined ? 0 : this.learner.updates - options.lastSteps;
    const rows = this.recorded.filter((r) => (r.policyVersion ?? 0) >= from);
    return sequenceTable(rows, { runId: this.id, envId: this.task.id });
  }

  /** The sequence credit view of the last `steps` steps' completions (default the last step's). */
  credit(options: { lastSteps?: number } & SequenceViewOptions = {}): Widget {
    const { lastSteps = 1, ...view } = options;
    return sequenceCreditWidget(`${this.displayName}: credit of the last ${lastSteps} step${lastSteps === 1 ? "" : "s"}`, sequenceCredit(this.completions({ lastSteps })), { decode: (id: number) => this.tokenizer.idToToken(id) ?? `#${id}`, ...view });
  }

  /**
   * The completions table: one row per sampled completion (step, group,
   * prompt, completion, reward, advantage, length, flags), the last step's
   * first; `{ lastSteps }` bounds what is embedded.
   */
  completionsTable(options: { lastSteps?: number } & CompletionsOptions = {}): Widget {
    const { lastSteps, ...view } = options;
    const table = this.completions(lastSteps === undefined ? {} : { lastSteps });
    return completionsWidget(`${this.displayName}: completions`, completionRows(table), { decode: (ids) => this.tokenizer.decode(ids, { skipSpecial: true }), eos: this.tokenizer.eos, ...view });
  }

  /** A metric against steps (default "reward"; "pass1" after scheduled evaluations). */
  curve(options: CurveOptions = {}): Widget {
    return curveWidget([{ name: this.displayName, metrics: this.metrics }], {}, { metric: "reward", ...options });
  }
}

/** Problems of where a sequence run samples (empty: none). */
function sequenceWorkersProblems(spec: WorkersSpec, algo: PgSpec | undefined, policy: Partial<TokenPolicy> | undefined): Problem[] {
  const p = workersSpecProblems(spec).map((m) => problem("workers", "wrong-type", m));
  if (p.length) return p;
  if ((spec.lag ?? 0) !== 0) p.push(problem("workers.lag", "unsupported", `a sequence run samples each step with the policy it trains (lag 0), got lag ${spec.lag}`));
  if (algo?.config.guidance) p.push(problem("workers", "unsupported", `guidance (rl.guide.${algo.config.guidance.kind}()) samples inside its components: a run with guidance samples here`));
  if (policy && policy.kind !== "transformer" && policy.kind !== "gru") p.push(problem("workers", "unsupported", `actors rebuild the policy from its kind and config: a ${String(policy.kind)} policy cannot travel yet (transformer and gru can)`));
  return p;
}
