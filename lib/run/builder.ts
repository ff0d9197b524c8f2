import type { AlgoSpec } from "../algos/algorithm.js";
import type { EnvSource } from "../envs/custom.js";
import { makeVecEnv } from "../envs/registry.js";
import type { RecordingOptions } from "../data/recording-env.js";
import { Dataset } from "../data/dataset.js";
import { META_ENV_ID } from "../data/schema.js";
import { mlp, type PolicySpec } from "../policy/spec.js";
import { mixProblems, type OfflineMixSpec } from "../algos/mix.js";
import { Run, type RunConfig } from "./run.js";
import { workersSpecProblems, type WorkersSpec } from "../workers/pool.js";
import { problem, problemFromText, problemText, type Problem } from "../config/problem.js";

/**
 * Everything a builder has collected: plain data, inspectable with
 * `toConfig()`. Once an algorithm is chosen, it is the {@link RunConfig}
 * that `build()` makes the run from (`record` defaults to true).
 */
export interface RunBuilderConfig extends Omit<RunConfig, "algo" | "id"> {
  /** Undefined until `.algo(...)`. */
  readonly algo: AlgoSpec | undefined;
  readonly id: string | undefined;
}

/** Rows of one minibatch of `algo` (its own answer, or its config's `batchSize`), when it says. */
function minibatchRows(algo: AlgoSpec, numEnvs: number): number | undefined {
  if (algo.minibatchRows) return algo.minibatchRows(numEnvs);
  const c = algo.config as { batchSize?: unknown; numSteps?: unknown; minibatches?: unknown } | undefined;
  if (typeof c?.batchSize === "number") return c.batchSize;
  if (typeof c?.numSteps === "number" && typeof c.minibatches === "number" && c.minibatches > 0) return Math.floor((c.numSteps * numEnvs) / c.minibatches);
  return undefined;
}

/** Options of `rl.offline(dataset, options)`. */
export interface OfflineOptions {
  /** The env that evaluates the trained policy (default: the dataset's `trellis.env_id` schema metadata). */
  env?: string | EnvSource;
  /** Seed of weight init, minibatch shuffles and evaluation (default 0). */
  seed?: number;
  /** Override the evaluation env's time limit. */
  maxEpisodeSteps?: number;
  [kwarg: string]: unknown;
}

/** Options of `rl.env(id, options)`: copies, seed, time limit, then the env's own kwargs. */
export interface EnvOptions {
  /** Number of env copies stepped together (default 1). */
  n?: number;
  /** Seed of the whole run: env resets, weight init, sampling, shuffles (default 0). */
  seed?: number;
  /** Override the env's time limit. */
  maxEpisodeSteps?: number;
  [kwarg: string]: unknown;
}

/** Thrown by `build()` with every problem found, each as data (`{ path, code, expected, got, message }`). */
export class RunConfigError extends Error {
  readonly problems: readonly Problem[];

  constructor(problems: readonly (Problem | string)[]) {
    const list = problems.map((p) => (typeof p === "string" ? problemFromText(p) : p));
    super(`cannot build the run; ${list.length} problem${list.length > 1 ? "s" : ""}:\n${list.map((p) => `  - ${problemText(p)}`).join("\n")}`);
    this.name = "RunConfigError";
    this.problems = list;
  }

  /** The problems as `path: message` lines. */
  get lines(): string[] {
    return this.problems.map(problemText);
  }

  /** The problems' codes (what tests and tools compare). */
  get codes(): string[] {
    return this.problems.map((p) => `${p.path} ${p.code}`);
  }
}

/**
 * Collects env, policy and algorithm, then builds a {@link Run}. Every method
 * returns a new builder (branch freely from a shared notebook cell). The type
 * parameter tracks whether an algorithm was chosen: `build()` needs one, and
 * `.algo()` cannot be called twice.
 */
export class RunBuilder<HasAlgo extends boolean = false> {
  /** Type-level marker of whether an algorithm was chosen (no runtime value). */
  declare readonly "~hasAlgo": HasAlgo;

  private constructor(private readonly cfg: RunBuilderConfig) {}

  /** @internal */
  static start(env: string | EnvSource, options: EnvOptions = {}): RunBuilder<false> {
    const { n = 1, seed = 0, ...kwargs } = options;
    return new RunBuilder({ env: { id: env, n, seed, kwargs }, policy: mlp([64, 64]), algo: undefined, seed, id: undefined, record: true });
  }

  /** @internal */
  static offline(dataset: Dataset, options: OfflineOptions = {}): RunBuilder<false> {
    if (!(dataset instanceof Dataset)) throw new TypeError("rl.offline(dataset): expected a Dataset from rl.dataset.open(path) or rl.dataset.from(table)");
    const { env, seed = 0, ...kwargs } = options;
    const id = env ?? dataset.schema.metadata.get(META_ENV_ID);
    if (id === undefined || id === "") {
      throw new Error(`rl.offline(dataset): the dataset's schema names no env (metadata ${META_ENV_ID}); pass the env that evaluates the policy: rl.offline(dataset, { env: "CartPole-v1" })`);
    }
    return new RunBuilder({ env: { id, n: 1, seed, kwargs }, policy: mlp([64, 64]), algo: undefined, seed, id: undefined, record: false, dataset });
  }

  /** The policy architecture, e.g. `rl.mlp([64, 64])` (default). */
  policy(spec: PolicySpec): RunBuilder<HasAlgo> {
    return new RunBuilder<HasAlgo>({ ...this.cfg, policy: spec });
  }

  /** The algorithm, e.g. `rl.ppo({ lr: 3e-4 })`. */
  algo<A extends AlgoSpec>(this: RunBuilder<false>, spec: A): RunBuilder<true> {
    return new RunBuilder<true>({ ...this.cfg, algo: spec });
  }

  /**
   * Whether `run.data` records every training transition as Arrow (default
   * true). Options (which imply recording) bound its memory, e.g.
   * `{ memoryLimitRows: 500_000 }`: older batches spill to an Arrow stream file.
   */
  record(enabled: boolean | RecordingOptions): RunBuilder<HasAlgo> {
    return new RunBuilder<HasAlgo>({ ...this.cfg, record: enabled });
  }

  /**
   * Mixes offline data into an online learner (`.mix(rl.data.offline(dataset, { ratio: 0.5 }))`):
   * DQN and SAC draw `round(ratio × batchSize)` rows of each minibatch from
   * the dataset and the rest from the replay buffer (RLPD), DQN optionally
   * weighting simulated rows by the dynamics gap (H2O); PPO and A2C add a
   * success-gated imitation term (AHPO) and/or an offline critic term (HNPG)
   * on dataset minibatches. See `OfflineMixSpec`.
   */
  mix(spec: OfflineMixSpec): RunBuilder<HasAlgo> {
    return new RunBuilder<HasAlgo>({ ...this.cfg, mix: spec });
  }

  /**
   * Where the env copies live and the policy acts: `rl.workers.local({ n })`
   * (n worker threads, the copies split evenly) or
   * `rl.workers.nats({ servers, slots })` (actors anywhere, started with
   * `trellis worker --nats URL --run ID`). The learner trains here on their
   * rollouts; one local worker gives the numbers of the run without workers.
   */
  workers(spec: WorkersSpec): RunBuilder<HasAlgo> {
    return new RunBuilder<HasAlgo>({ ...this.cfg, workers: spec });
  }

  /** Names the run (in metrics, widgets and checkpoints). */
  name(id: string): RunBuilder<HasAlgo> {
    return new RunBuilder<HasAlgo>({ ...this.cfg, id });
  }

  /** The collected configuration (a plain object). */
  toConfig(): RunBuilderConfig {
    return this.cfg;
  }

  /** Checks everything, reports every problem at once, and builds the run. */
  build(this: RunBuilder<true>): Run {
    checkRunConfig(this.cfg);
    const { algo, record, dataset } = this.cfg;
    // An offline run's env only evaluates: nothing to record.
    return new Run({ ...this.cfg, algo: algo!, record: dataset ? false : record });
  }
}

/**
 * Throws a {@link RunConfigError} with every problem of a run's configuration
 * (what `build()` checks; `rl.load()` checks a checkpoint's the same way).
 * Unknown env ids and bad env kwargs throw the env's own error.
 */
export function checkRunConfig(cfg: RunBuilderConfig): void {
  const { env, policy, algo, seed, dataset, mix, workers } = cfg;
  const problems: (Problem | string)[] = [];
  if (workers !== undefined) {
    for (const p of workersSpecProblems(workers)) problems.push(problem("workers", "wrong-type", p));
    if (typeof env.id !== "string") problems.push(problem("workers", "unsupported", "a custom env (a function or class) cannot travel to actors: register it, or train without workers"));
    if (policy.kind !== "mlp") problems.push(problem("workers", "unsupported", "actors build MLP policies (rl.mlp(...)); a tfjs model policy cannot travel to them yet"));
    if (dataset || mix) problems.push(problem("workers", "unsupported", "workers act online; an offline run or .mix() trains without them"));
    const slots = workers?.kind === "local" ? workers.n : workers?.kind === "nats" ? workers.slots : undefined;
    if (typeof slots === "number" && Number.isInteger(env.n) && env.n % slots !== 0) problems.push(problem("workers", "incompatible", `the run's ${env.n} env copies cannot be split evenly over ${slots} slots: make n a multiple of it`));
    const collect = (algo?.config as { engine?: unknown; collect?: { kind: string } } | undefined)?.collect?.kind;
    if (algo && collect !== "rollout") problems.push(problem("workers", "unsupported", `workers replay fixed-length rollouts of the policy-gradient engine (rl.ppo(), rl.a2c(), rl.collect.rollout()); ${algo.name} ${collect ? `collects with rl.collect.${collect}()` : "is not one"}`));
  }
  if (!algo) problems.push(problem("algo", "missing", "no algorithm chosen; add .algo(rl.ppo()) before .build()"));
  if (!Number.isInteger(env.n) || env.n < 1) problems.push(problem("env.n", Number.isInteger(env.n) ? "out-of-range" : "not-an-integer", `expected an integer ≥ 1 (number of env copies), got ${String(env.n)}`, { expected: "an integer ≥ 1", got: env.n }));
  if (!Number.isInteger(seed) || seed < -2147483648 || seed >= 4294967296) problems.push(problem("env.seed", Number.isInteger(seed) ? "out-of-range" : "not-an-integer", `expected a 32-bit integer (−2^31 ≤ seed < 2^32), got ${String(seed)}`, { expected: "a 32-bit integer", got: seed }));
  if (problems.length) throw new RunConfigError(problems);
  // A probe copy tells the algorithm the spaces (and surfaces unknown ids and bad kwargs early).
  const probe = makeVecEnv(env.id, { ...env.kwargs, n: env.n, seed });
  if (dataset && !algo!.offline) problems.push(problem("algo", "unsupported", `${algo!.name} learns by stepping the env; a run built with rl.offline(dataset) needs an offline algorithm such as rl.bc()`));
  problems.push(...algo!.check(probe, policy, dataset));
  if (mix) {
    if (dataset) problems.push(problem("mix", "unsupported", "an offline run (rl.offline(dataset)) already trains from its dataset; .mix() is for online runs (rl.env(...))"));
    if (typeof mix !== "object" || mix.kind !== "offline-mix") problems.push(problem("mix", "wrong-type", "expected rl.data.offline(dataset, { ratio })"));
    else {
      const pg = (algo!.config as { engine?: unknown } | undefined)?.engine === 1;
      problems.push(...mixProblems(mix, algo!.name, probe, minibatchRows(algo!, probe.numEnvs), pg));
    }
  } else if ((algo!.config as { engine?: unknown; loss?: { kind: string }[] } | undefined)?.engine === 1) {
    const dataTerm = (algo!.config as { loss: { kind: string }[] }).loss.findIndex((t) => t.kind === "imitation" || t.kind === "offlineCritic");
    if (dataTerm >= 0) problems.push(problem(`algo.loss[${dataTerm}]`, "missing", "this term learns from offline data: give the run a dataset with .mix(rl.data.offline(dataset))"));
  }
  if (problems.length) throw new RunConfigError(problems);
}
