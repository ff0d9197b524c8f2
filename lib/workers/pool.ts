/**
 * Where a run's actors live: `rl.workers.local({ n })` (worker threads on
 * this machine, no server) or `rl.workers.nats({ servers })` (actor
 * processes anywhere that reach a NATS server, started with `trellis worker
 * --nats URL`). Both run the same {@link Actor} and deliver the same
 * batches; a run built with either trains the same way (docs/scale-out.md).
 */
import type { RngState } from "../random/rng.js";
import type { VecEnvState } from "../envs/vec-env.js";
import type { ActorJob } from "./actor.js";
import { createUserNkey, natsAuthProblems } from "./nats/auth.js";
import { startNatsServer } from "./nats/server.js";
import { spawnActors } from "./spawn-actors.js";
import type { BatchExpectation, RolloutBatch } from "./trajectory-batch.js";

/** `rl.workers.local({ n })`: `n` worker threads, one slot of env copies each. */
export interface LocalWorkersSpec {
  readonly kind: "local";
  readonly n: number;
  /** Rollouts asked for ahead (see {@link NatsWorkersSpec.lag}; default 0). */
  readonly lag?: number;
}

/** `rl.workers.nats({ servers, slots })`: actors anywhere, reached through a NATS JetStream server. */
export interface NatsWorkersSpec {
  readonly kind: "nats";
  /** Server URLs, e.g. "nats://10.0.0.5:4222". */
  readonly servers: string | readonly string[];
  /** Slots of env copies (the run's copies are split evenly); each batch of a slot is made by whichever actor takes its task. */
  readonly slots: number;
  readonly user?: string;
  readonly pass?: string;
  /** Authenticate with a user nkey instead: a file holding its seed ("SU…"; the server knows the public key). */
  readonly nkeySeedFile?: string;
  /** How long an actor may hold a task before it is given to another (default 30 s). */
  readonly ackWaitMs?: number;
  /** How long the learner waits for a rollout before it reports that no actor is serving (default 60 s). */
  readonly timeoutMs?: number;
  /**
   * Rollouts asked for ahead (default 0): with lag L the actors act with
   * policy version v − L while the learner trains version v, so acting and
   * learning overlap. 0 is synchronous (one slot: the numbers of the run
   * without workers). Correct for the lag with rl.adv.vtrace().
   */
  readonly lag?: number;
}

export type WorkersSpec = LocalWorkersSpec | NatsWorkersSpec;

/** One slot's rollout as the learner receives it. */
export interface SlotRollout {
  readonly slot: number;
  readonly batch: RolloutBatch;
}

/** One rollout asked of every slot: the `index`-th of the run, acted with policy `version`. */
export interface RolloutRequest {
  readonly index: number;
  readonly version: number;
  readonly params: Float32Array;
  readonly steps: number;
  /** Slot i draws its actions from `rngStates[i]`. */
  readonly rngStates: readonly RngState[];
}

/** Most rollouts a run may ask for ahead. */
export const MAX_LAG = 8;

/** A worker's state for the training view. */
export interface WorkerStatus {
  readonly worker: string;
  readonly batches: number;
  readonly envSteps: number;
  /** Env steps per second over its batches' acting time. */
  readonly stepsPerSecond: number;
  /** What `envSteps` and `stepsPerSecond` count: env steps (default), or tokens sampled (a sequence run's actors). */
  readonly unit?: "env steps" | "tokens";
}

/** The learner's side of a set of actors. */
export interface ActorPool {
  readonly kind: WorkersSpec["kind"];
  /** Slots of env copies (the job's envStates). */
  readonly slots: number;
  /** Starts serving `job`; its batches have `shape` (numEnvs: copies per slot). */
  start(job: ActorJob, shape: Omit<BatchExpectation, "numSteps">): Promise<void>;
  /**
   * One rollout from every slot, in slot order. Several may be asked for
   * before the first is answered (a run with lag): each slot makes them in
   * the order asked.
   */
  rollout(request: RolloutRequest): Promise<SlotRollout[]>;
  /** Resolves once every rollout asked for has reached the actors (a transport that sends asynchronously: before the learner's next long computation). */
  sent?(): Promise<void>;
  /** Per slot, its env copies' state now (no rollout in flight); null for a slot whose actor has not started (it starts from the job). */
  snapshot(): Promise<(VecEnvState | null)[]>;
  status(): WorkerStatus[];
  /** Batches read and not used (another session's or rollout's, a second copy of one already in hand). */
  readonly skipped: number;
  close(): Promise<void>;
}

/** Problems of a workers spec (empty: none). */
export function workersSpecProblems(spec: unknown): string[] {
  const s = spec as Partial<WorkersSpec> | null;
  if (typeof s !== "object" || s === null) return [`workers: expected rl.workers.local({ n }) or rl.workers.nats({ servers, slots }), got ${JSON.stringify(spec)}`];
  const lag = s.lag === undefined || (Number.isInteger(s.lag) && s.lag >= 0 && s.lag <= MAX_LAG) ? [] : [`workers.lag: expected an integer in [0, ${MAX_LAG}] (rollouts asked for ahead), got ${JSON.stringify(s.lag)}`];
  if (s.kind === "local") {
    return Number.isInteger(s.n) && s.n! >= 1 && s.n! <= 256 ? lag : [`workers.n: expected an integer in [1, 256], got ${JSON.stringify(s.n)}`, ...lag];
  }
  if (s.kind === "nats") {
    const p: string[] = [...lag];
    const servers = typeof s.servers === "string" ? [s.servers] : s.servers;
    if (!Array.isArray(servers) || servers.length === 0 || !servers.every((u) => typeof u === "string" && u.length > 0)) p.push(`workers.servers: expected a server URL or a list of them, got ${JSON.stringify(s.servers)}`);
    if (!Number.isInteger(s.slots) || s.slots! < 1 || s.slots! > 4096) p.push(`workers.slots: expected an integer in [1, 4096], got ${JSON.stringify(s.slots)}`);
    if (s.ackWaitMs !== undefined && !(Number.isFinite(s.ackWaitMs) && s.ackWaitMs >= 100)) p.push(`workers.ackWaitMs: expected ≥ 100 ms, got ${JSON.stringify(s.ackWaitMs)}`);
    if (s.timeoutMs !== undefined && !(Number.isFinite(s.timeoutMs) && s.timeoutMs >= 1000)) p.push(`workers.timeoutMs: expected ≥ 1000 ms, got ${JSON.stringify(s.timeoutMs)}`);
    p.push(...natsAuthProblems(s, { user: "user", pass: "pass", seed: "nkeySeedFile" }).map((m) => `workers: ${m}`));
    return p;
  }
  return [`workers.kind: expected "local" or "nats", got ${JSON.stringify(s.kind)}`];
}

/** The specs' constructors, as `rl.workers`, and helpers to try NATS on one machine. */
export const workers = {
  /** `n` worker threads on this machine, one slot of env copies each (the run's copies split evenly). */
  local: (options: { n: number; lag?: number }): LocalWorkersSpec => Object.freeze({ kind: "local" as const, n: options.n, ...(options.lag !== undefined ? { lag: options.lag } : {}) }),
  /** Actor processes anywhere that reach the NATS server(s); start them with `trellis worker --nats URL`. */
  nats: (options: Omit<NatsWorkersSpec, "kind">): NatsWorkersSpec => Object.freeze({ kind: "nats" as const, ...options }),
  /** Starts a local `nats-server -js` (loopback, file storage in `storeDir`), e.g. to try rl.workers.nats in a notebook. */
  startServer: startNatsServer,
  /** Starts `n` `trellis worker` processes on this machine for a run. */
  spawnActors,
  /** A new user nkey ({ seed, publicKey }) for a server started with `auth: { nkeys: [publicKey] }`; write the seed to a file for `nkeySeedFile`. */
  createUserNkey,
};
