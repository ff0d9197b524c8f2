/**
 * An actor process of `rl.workers.nats` (what `trellis worker --nats URL`
 * runs): it waits for the run's job, claims up to `slots` free slots of env
 * copies, and for each task of its slots loads the task's policy version,
 * rolls out, stores the batch and acks the task. It renews its slot leases
 * while it runs and gives them back when stopped.
 */
import { hostname } from "node:os";
import { connect, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { Actor, actorJobProblems, type ActorJob } from "../actor.js";
import { SequenceActor, samplerJobProblems, type SamplerJob } from "../sequence-actor.js";
import type { RngState } from "../../random/rng.js";
import { natsAuthOptions } from "./auth.js";
import { isTransient, retrying, RunStreams } from "./run-streams.js";
import { SlotLeases } from "./slot-leases.js";

export interface NatsActorOptions {
  readonly servers: string | readonly string[];
  /** The learner's run id (`.name(id)`). */
  readonly run: string;
  /** Slots this process serves at most (default 1). */
  readonly slots?: number;
  readonly user?: string;
  readonly pass?: string;
  /** A file holding a user nkey seed (instead of user and password). */
  readonly nkeySeedFile?: string;
  /** How long a slot stays claimed without renewal (default 5 s). */
  readonly leaseMs?: number;
  /** How long a task stays with an actor before it goes to the slot's next one (default 30 s). */
  readonly ackWaitMs?: number;
  /** Names this actor in its batches (default host/pid). */
  readonly workerId?: string;
  /** Told what happens (joined, claimed, left). */
  readonly log?: (line: string) => void;
}

export interface NatsActorHandle {
  readonly workerId: string;
  /** Resolves when the actor has stopped (rejects on a fatal error: a job of another Trellis version, a lost server). */
  readonly done: Promise<void>;
  /** Batches stored so far. */
  readonly batches: () => number;
  /** Stops after the task in hand, giving its slots back. */
  stop(): Promise<void>;
}

export async function startNatsActor(options: NatsActorOptions): Promise<NatsActorHandle> {
  const workerId = options.workerId ?? `${hostname()}/${process.pid}`;
  const log = options.log ?? (() => {});
  const leaseMs = options.leaseMs ?? 5000;
  const nc: NatsConnection = await connect({
    servers: typeof options.servers === "string" ? options.servers : [...options.servers],
    ...natsAuthOptions(options),
    name: `trellis actor ${workerId}`,
    // a restarting server: try again soon and for long (the slots' copies live on meanwhile)
    reconnectTimeWait: 250,
    maxReconnectAttempts: -1,
  });
  const streams = await RunStreams.open(nc, options.run, options.ackWaitMs !== undefined ? { ackWaitMs: options.ackWaitMs } : {});
  const leases = await SlotLeases.open(nc, options.run, workerId, leaseMs);
  let stopping = false;
  let batches = 0;
  const actors = new Map<number, SlotWorker>();
  /** Per slot, the last task done and its batch: a task delivered again (its ack was lost) is answered with the same batch, not rolled out twice. */
  const lastDone = new Map<number, { id: string; bytes: Uint8Array }>();
  const snapshots = new Map<number, Subscription>();
  /** Serves slot `slot`'s env state to the learner (between rollouts: it asks only then). */
  const serveSnapshots = (slot: number) => {
    snapshots.get(slot)?.unsubscribe();
    snapshots.set(
      slot,
      nc.subscribe(`trellis.${options.run}.snapshot.${slot}`, {
        callback: (_error, msg) => {
          const actor = actors.get(slot);
          msg.respond(JSON.stringify(actor?.snapshot ? actor.snapshot() : { error: `${workerId} no longer serves slot ${slot}` }));
        },
      }),
    );
  };
  /** Slot `slot`'s worker; a job this process cannot serve (an env it does not have) is refused by name. */
  const actorFor = (job: RunJob, slot: number): SlotWorker => {
    if (job.kind === "sequences") return samplerSlot(new SequenceActor(job, workerId));
    try {
      return rolloutSlot(new Actor(job, slot, workerId));
    } catch (error) {
      throw new Error(`run ${options.run}: this actor cannot serve the learner's job (env ${job.envId}): ${(error as Error).message}`);
    }
  };
  const readJob = async (): Promise<RunJob | null> => {
    while (!stopping) {
      const j = await streams.job();
      if (j) {
        const problems = runJobProblems(j);
        if (problems.length) throw new Error(`run ${options.run}: ${problems.join("; ")}`);
        return j as RunJob;
      }
      await sleep(200);
    }
    return null;
  };
  const loop = async () => {
    let job = await readJob();
    if (!job) return;
    const slots = job.kind === "sequences" ? job.slots : job.envStates.length;
    log(job.kind === "sequences" ? `joined run ${options.run} (sampling completions, ${slots} slots)` : `joined run ${options.run} (${job.envId}, ${slots} slots of ${job.copies} copies)`);
    let lastRenew = Date.now();
    let cachedVersion = -1;
    let cachedParams: Float32Array | null = null;
    while (!stopping) {
      try {
        await serve();
      } catch (error) {
        if (!isTransient(error)) throw error;
        // the server is restarting: keep the copies, try again (a task in hand comes back after ackWait)
        log(`waiting for the server (${(error as Error).message})`);
        await sleep(500);
      }
    }
    async function serve(): Promise<void> {
      if (!job) return;
      for (const s of await leases.claim(slots, options.slots ?? 1)) {
        // a slot claimed anew starts its env copies afresh (its last actor's are gone)
        const worker = actorFor(job, s);
        actors.set(s, worker);
        lastDone.delete(s);
        if (worker.snapshot) serveSnapshots(s);
        log(`serving slot ${s}`);
      }
      if (Date.now() - lastRenew > leaseMs / 3) {
        for (const s of await leases.renew()) {
          actors.delete(s);
          snapshots.get(s)?.unsubscribe();
          snapshots.delete(s);
          log(`lost slot ${s}`);
        }
        lastRenew = Date.now();
      }
      if (actors.size === 0) {
        await sleep(200);
        return;
      }
      for (const slot of [...actors.keys()]) {
        if (stopping) break;
        const task = await streams.nextTask(slot, 1000);
        if (!task) continue;
        if (typeof task.body.session === "string" && task.body.session !== job.session) {
          // a restarted learner: its job (maybe from a checkpoint) replaces the copies of every slot held
          const next = await readJob();
          if (!next) break;
          job = next;
          for (const s of actors.keys()) actors.set(s, actorFor(job, s));
          lastDone.clear();
          cachedVersion = -1;
          log(`rejoined run ${options.run} (learner session ${job.session})`);
          if (task.body.session !== job.session) {
            await task.ack();
            log(`task ${task.id}: of another learner session, dropped`);
            continue;
          }
        }
        const current = actors.get(slot)!;
        const done = lastDone.get(slot);
        if (done && done.id === task.id) {
          await streams.publishBatch(task.id, done.bytes);
          await task.ack();
          continue;
        }
        const malformed = current.problem(task.body);
        if (malformed) {
          await task.ack();
          log(`task ${task.id}: ${malformed}, dropped`);
          continue;
        }
        if (cachedVersion !== task.policyVersion && typeof task.body.params === "string") {
          const raw = Buffer.from(task.body.params, "base64");
          if (raw.length % 4 !== 0) throw new Error(`task ${task.id}: its inline parameters hold ${raw.length} bytes, not a whole number of float32 values`);
          cachedParams = new Float32Array(raw.length / 4);
          new Uint8Array(cachedParams.buffer).set(raw);
          cachedVersion = task.policyVersion;
        }
        if (cachedVersion !== task.policyVersion) {
          const w = await waitForWeights(streams, task.policyVersion);
          if (!w) {
            // the learner has moved past this version (a task left from before its restart)
            await task.ack();
            log(`task ${task.id}: policy version ${task.policyVersion} is stale, dropped`);
            continue;
          }
          cachedVersion = w.version;
          cachedParams = w.params;
        }
        let bytes: Uint8Array;
        try {
          bytes = current.work(task.policyVersion, cachedParams!, task.body);
        } catch (error) {
          // a task this slot cannot do (tokens outside the vocabulary, a context longer than the policy's) is not retried
          await task.ack();
          log(`task ${task.id}: ${(error as Error).message}; dropped`);
          continue;
        }
        lastDone.set(slot, { id: task.id, bytes });
        // a publish whose reply was lost is sent again: the server keeps one copy (the task id is the message id)
        await retrying(() => streams.publishBatch(task.id, bytes), options.ackWaitMs ?? 30_000);
        await retrying(() => task.ack(), options.ackWaitMs ?? 30_000);
        batches++;
      }
    }
  };
  const done = loop().finally(async () => {
    for (const sub of snapshots.values()) sub.unsubscribe();
    await leases.release().catch(() => {});
    await nc.close().catch(() => {});
  });
  return {
    workerId,
    done,
    batches: () => batches,
    stop: async () => {
      stopping = true;
      await done.catch(() => {});
    },
  };
}

/** A run's job: env rollouts (an {@link ActorJob}) or sampling completions for a sequence run. */
type RunJob = (ActorJob & { readonly kind?: "rollouts" }) | SequencesJob;

/** What a sequence run's learner stores for its NATS actors. */
export interface SequencesJob extends SamplerJob {
  readonly kind: "sequences";
  readonly slots: number;
  readonly session?: string;
}

function runJobProblems(j: unknown): string[] {
  const x = j as { kind?: unknown; slots?: unknown } | null;
  if (x?.kind === "sequences") return [...samplerJobProblems(j), ...(Number.isInteger(x.slots) && (x.slots as number) >= 1 ? [] : [`slots must be an integer ≥ 1, got ${JSON.stringify(x.slots)}`])];
  return actorJobProblems(j);
}

/** What serves one slot: checks a task's body, does it with the given parameters, and (rollouts) gives its env state. */
interface SlotWorker {
  problem(body: Record<string, unknown>): string | null;
  work(version: number, params: Float32Array, body: Record<string, unknown>): Uint8Array;
  snapshot?(): unknown;
}

function rolloutSlot(actor: Actor): SlotWorker {
  return {
    problem: (body) => (Number.isInteger(body.steps) && (body.steps as number) >= 1 && isRngState(body.rng) ? null : "malformed body (expected steps and rng)"),
    work: (version, params, body) => {
      actor.load(version, params);
      return actor.rollout(body.steps as number, body.rng as RngState).bytes;
    },
    snapshot: () => actor.env.saveState(),
  };
}

function samplerSlot(actor: SequenceActor): SlotWorker {
  return {
    problem: (body) => {
      if (!Array.isArray(body.contexts) || body.contexts.length === 0 || !isRngState(body.rng)) return "malformed body (expected contexts and rng)";
      for (const c of body.contexts) {
        const bytes = typeof c === "string" ? Buffer.from(c, "base64").length : 0;
        if (bytes === 0 || bytes % 4 !== 0) return "malformed body (a context is not base64 of int32 token ids)";
      }
      return null;
    },
    work: (version, params, body) => {
      actor.load(version, params);
      return actor.sample((body.contexts as string[]).map(decodeContext), body.rng as RngState);
    },
  };
}

const isRngState = (x: unknown): boolean => Array.isArray(x) && x.length === 4 && x.every((w) => Number.isInteger(w));

/** A context as tasks carry it: base64 of int32 little-endian token ids. */
export function encodeContext(tokens: Int32Array): string {
  return Buffer.from(tokens.buffer, tokens.byteOffset, tokens.byteLength).toString("base64");
}

export function decodeContext(text: string): Int32Array {
  const raw = Buffer.from(text, "base64");
  if (raw.length === 0 || raw.length % 4 !== 0) throw new RangeError(`a task's context holds ${raw.length} bytes, not a non-empty whole number of int32 token ids`);
  const out = new Int32Array(raw.length / 4);
  new Uint8Array(out.buffer).set(raw);
  return out;
}

/**
 * Version `version`'s stored weights. The learner stores them before it
 * publishes a task that needs them and removes them once no rollout in flight
 * acts with them: null (after a short wait, in case the store lags) means the
 * task is left from before a restart.
 */
async function waitForWeights(streams: RunStreams, version: number): Promise<{ version: number; params: Float32Array } | null> {
  for (let tries = 0; tries < 20; tries++) {
    const w = await streams.weights(version);
    if (w) return w;
    await sleep(Math.min(200, 5 * (tries + 1)));
  }
  return null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
