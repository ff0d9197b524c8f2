import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { VecEnvState } from "../../envs/vec-env.js";
import type { ActorJob } from "../actor.js";
import type { ActorPool, NatsWorkersSpec, RolloutRequest, SlotRollout, WorkerStatus } from "../pool.js";
import { natsAuthOptions } from "./auth.js";
import { readTrajectoryBatch, type BatchExpectation } from "../trajectory-batch.js";
import { retrying, RUN_NAME, RunStreams, type BatchReader } from "./run-streams.js";
import { SlotLeases } from "./slot-leases.js";

const LEASE_MS = 5000;
/** Parameters up to this size travel inside each task (one message); larger ones through the object store. */
const INLINE_WEIGHTS_BYTES = 256 * 1024;

/**
 * `rl.workers.nats({ servers, slots })`: the learner's side of actors that
 * run anywhere (`trellis worker --nats URL --run ID`). Per rollout it stores
 * the policy's weights, publishes one task per slot and reads the batch
 * stream in order until every slot's batch of this rollout is there; batches
 * of another session or rollout (left from before a restart) are skipped and
 * counted. The position in the batch stream is kept ({@link position}).
 */
export class NatsActorPool implements ActorPool {
  readonly kind = "nats" as const;
  readonly slots: number;
  private nc: NatsConnection | null = null;
  private streams: RunStreams | null = null;
  private reader: BatchReader | null = null;
  private expect: Omit<BatchExpectation, "numSteps"> | null = null;
  private readonly session = randomUUID().slice(0, 8);
  /** Whether a rollout has been asked for (before, the actors hold no state of this session). */
  private started = false;
  /** The last batch read from the stream (0: none). */
  position = 0;
  /** Batches read and not used: another session's or rollout's. */
  skipped = 0;
  private readonly stats = new Map<string, { batches: number; envSteps: number; seconds: number }>();
  /** Batch ids of the rollouts asked for and not yet collected. */
  private readonly waiting = new Set<string>();
  /** Batches of a later rollout read while collecting an earlier one. */
  private readonly stash = new Map<string, { bytes: Uint8Array; position: number }>();
  private publishing: Promise<void> = Promise.resolve();
  private collecting: Promise<SlotRollout[] | void> = Promise.resolve();
  /** Policy versions of the rollouts in flight (with counts) and the versions whose weights are stored. */
  private readonly versionsInUse = new Map<number, number>();
  private readonly storedVersions = new Set<number>();

  constructor(
    readonly spec: NatsWorkersSpec,
    readonly run: string,
  ) {
    this.slots = spec.slots;
  }

  async start(job: ActorJob, shape: Omit<BatchExpectation, "numSteps">): Promise<void> {
    if (!RUN_NAME.test(this.run)) throw new RangeError(`workers: the run id names NATS subjects: name the run with 1–64 letters, digits, "_" or "-" (.name("cartpole-1")), got ${JSON.stringify(this.run)}`);
    if (job.envStates.length !== this.slots) throw new RangeError(`workers: the job has ${job.envStates.length} slots, the pool ${this.slots}`);
    this.expect = shape;
    const servers = typeof this.spec.servers === "string" ? this.spec.servers : [...this.spec.servers];
    this.nc = await connect({ servers, ...natsAuthOptions(this.spec), name: `trellis learner ${this.run}`, reconnectTimeWait: 250, maxReconnectAttempts: -1 });
    this.streams = await RunStreams.open(this.nc, this.run, this.spec.ackWaitMs !== undefined ? { ackWaitMs: this.spec.ackWaitMs } : {});
    // tasks left by an earlier learner of this run are for rollouts no one waits for
    await this.streams.jsm.streams.purge(this.streams.tasksStream);
    await this.streams.putJob({ ...job, session: this.session });
    const counts = await this.streams.counts();
    this.position = counts.lastPosition;
    this.reader = await this.streams.batchesAfter(this.position);
  }

  async rollout({ index, version, params, steps, rngStates }: RolloutRequest): Promise<SlotRollout[]> {
    const streams = this.streams;
    if (!streams || !this.reader || !this.expect) throw new Error("nats workers: start() first");
    this.started = true;
    const inline = params.byteLength <= INLINE_WEIGHTS_BYTES ? Buffer.from(params.buffer, params.byteOffset, params.byteLength).toString("base64") : null;
    const patience = this.spec.timeoutMs ?? 60_000;
    const ids = rngStates.map((_, slot) => `${this.session}:${index}:${slot}`);
    for (const id of ids) this.waiting.add(id);
    this.versionsInUse.set(version, (this.versionsInUse.get(version) ?? 0) + 1);
    // tasks are published in the order rollouts are asked for (each slot makes them in that order)
    const published = (this.publishing = this.publishing.catch(() => {}).then(async () => {
      if (!inline && !this.storedVersions.has(version)) {
        await retrying(() => streams.putWeights(version, params), patience);
        this.storedVersions.add(version);
      }
      // a task published twice (a retry after a lost reply) is stored once: its id is the message id
      for (let slot = 0; slot < this.slots; slot++) await retrying(() => streams.publishTask(slot, { id: ids[slot]!, policyVersion: version, body: { steps, rng: [...rngStates[slot]!], session: this.session, ...(inline ? { params: inline } : {}) } }), patience);
    }));
    // reported through this rollout's answer (below); not unhandled while earlier rollouts are still collected
    published.catch(() => {});
    // one reader: rollouts are collected one after another, batches of later ones kept meanwhile
    const collected = this.collecting.catch(() => {}).then(async () => {
      await published;
      return this.collect(index, version, ids, steps);
    });
    this.collecting = collected;
    try {
      return await collected;
    } finally {
      for (const id of ids) {
        this.waiting.delete(id);
        this.stash.delete(id);
      }
      const left = this.versionsInUse.get(version)! - 1;
      if (left > 0) this.versionsInUse.set(version, left);
      else this.versionsInUse.delete(version);
      await this.dropOldWeights();
    }
  }

  sent(): Promise<void> {
    return this.publishing.catch(() => {});
  }

  /** Reads the batch stream until every slot's batch of rollout `index` is in hand. */
  private async collect(index: number, version: number, ids: readonly string[], steps: number): Promise<SlotRollout[]> {
    const streams = this.streams!;
    const got = new Map<number, SlotRollout>();
    const take = (id: string, bytes: Uint8Array, position: number) => {
      const slot = ids.indexOf(id);
      const batch = readTrajectoryBatch(bytes, { ...this.expect!, numSteps: steps }, `batch ${id} (stream position ${position})`);
      if (batch.policyVersion !== version) throw new Error(`batch ${id}: acted with policy version ${batch.policyVersion}, its task asked for ${version}`);
      const s = this.stats.get(batch.header.worker) ?? { batches: 0, envSteps: 0, seconds: 0 };
      s.batches++;
      s.envSteps += batch.header.numEnvs * steps;
      s.seconds += batch.header.seconds ?? 0;
      this.stats.set(batch.header.worker, s);
      got.set(slot, { slot, batch });
    };
    for (const id of ids) {
      const kept = this.stash.get(id);
      if (kept) take(id, kept.bytes, kept.position);
    }
    const deadline = Date.now() + (this.spec.timeoutMs ?? 60_000);
    while (got.size < this.slots) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const missing = ids.map((_, s) => s).filter((s) => !got.has(s));
        const holders = await SlotLeases.holders(this.nc!, this.run, this.slots, LEASE_MS);
        const lines = missing.map((s) => `slot ${s}: ${holders[s] ? `held by ${holders[s]}, no batch yet` : "no actor holds it"}`);
        throw new Error(`nats workers: no batch of rollout ${index} within ${this.spec.timeoutMs ?? 60_000} ms from ${lines.join("; ")}: start actors with \`trellis worker --nats ${typeof this.spec.servers === "string" ? this.spec.servers : this.spec.servers[0]} --run ${this.run}\``);
      }
      let b;
      try {
        b = await this.reader!.next(Math.min(left, 2000));
      } catch (error) {
        // the server went away: read on from where we were once it is back
        await new Promise((resolve) => setTimeout(resolve, 200));
        this.reader = await retrying(() => streams.batchesAfter(this.position), Math.max(1000, deadline - Date.now())).catch(() => this.reader!);
        if (Date.now() > deadline) throw error;
        continue;
      }
      if (!b) continue;
      this.position = b.position;
      if (ids.includes(b.id) && !got.has(ids.indexOf(b.id))) take(b.id, b.bytes, b.position);
      else if (this.waiting.has(b.id) && !ids.includes(b.id) && !this.stash.has(b.id)) this.stash.set(b.id, { bytes: b.bytes, position: b.position });
      else this.skipped++;
    }
    return [...got.values()].sort((a, b) => a.slot - b.slot);
  }

  /** Removes stored weights no rollout in flight acts with any more. */
  private async dropOldWeights(): Promise<void> {
    const oldest = Math.min(...this.versionsInUse.keys());
    for (const v of [...this.storedVersions]) {
      // the newest stays: a rollout asked for next may act with it again
      if (v < oldest && v !== Math.max(...this.storedVersions)) {
        this.storedVersions.delete(v);
        await this.streams?.deleteWeights(v).catch(() => {});
      }
    }
  }

  async snapshot(): Promise<(VecEnvState | null)[]> {
    if (!this.nc || !this.started) return Array.from({ length: this.slots }, () => null);
    const out: (VecEnvState | null)[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      let reply;
      try {
        reply = await this.nc.request(`trellis.${this.run}.snapshot.${slot}`, "", { timeout: this.spec.timeoutMs ?? 60_000 });
      } catch (error) {
        throw new Error(`nats workers: slot ${slot}'s actor did not send its env state (${(error as Error).message})`);
      }
      const state = reply.json<VecEnvState | { error: string }>();
      if ("error" in state) throw new Error(`nats workers: slot ${slot}'s actor: ${state.error}`);
      out.push(state);
    }
    return out;
  }

  status(): WorkerStatus[] {
    return [...this.stats].map(([worker, s]) => ({ worker, batches: s.batches, envSteps: s.envSteps, stepsPerSecond: s.seconds > 0 ? s.envSteps / s.seconds : 0 }));
  }

  async close(): Promise<void> {
    const nc = this.nc;
    this.nc = null;
    this.streams = null;
    this.reader = null;
    await nc?.close().catch(() => {});
  }
}
