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
  const actors = new Map<number, Actor>();
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
          msg.respond(JSON.stringify(actor ? actor.env.saveState() : { error: `${workerId} no longer serves slot ${slot}` }));
        },
      }),
    );
  };
  /** Slot `slot`'s actor; a job this process cannot serve (an env it does not have) is refused by name. */
  const actorFor = (job: ActorJob, slot: number): Actor => {
    try {
      return new Actor(job, slot, workerId);
    } catch (error) {
      throw new Error(`run ${options.run}: this actor cannot serve the learner's job (env ${job.envId}): ${(error as Error).message}`);
    }
  };
  const readJob = async (): Promise<ActorJob | null> => {
    while (!stopping) {
      const j = await streams.job();
      if (j) {
        const problems = actorJobProblems(j);
        if (problems.length) throw new Error(`run ${options.run}: ${problems.join("; ")}`);
        return j as ActorJob;
      }
      await sleep(200);
    }
    return null;
  };
  const loop = async () => {
    let job = await readJob();
    if (!job) return;
    log(`joined run ${options.run} (${job.envId}, ${job.envStates.length} slots of ${job.copies} copies)`);
    const slots = job.envStates.length;
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
        actors.set(s, actorFor(job, s));
        lastDone.delete(s);
        serveSnapshots(s);
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
        const steps = task.body.steps;
        const rng = task.body.rng;
        if (!Number.isInteger(steps) || !Array.isArray(rng)) {
          await task.ack();
          log(`task ${task.id}: malformed body, dropped`);
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
        current.load(task.policyVersion, cachedParams!);
        const r = current.rollout(steps as number, rng as number[]);
        lastDone.set(slot, { id: task.id, bytes: r.bytes });
        // a publish whose reply was lost is sent again: the server keeps one copy (the task id is the message id)
        await retrying(() => streams.publishBatch(task.id, r.bytes), options.ackWaitMs ?? 30_000);
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
