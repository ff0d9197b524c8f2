/**
 * What a run keeps in NATS JetStream for its actors (docs/scale-out.md):
 *
 * - **tasks** (`trellis.<run>.tasks.<slot>`, a work queue): "act with
 *   policy version v and publish batch `id`". Each slot of env copies has a
 *   durable pull consumer (`slot-<i>`) that its actor pulls from (actors claim
 *   slots, see nats-actor.ts); a task is acked only after its batch is
 *   stored, so the task of an actor killed mid-batch is delivered again after
 *   `ackWaitMs` to the slot's next actor.
 * - **batches** (`trellis.<run>.batches`, limits retention): the trajectory
 *   batches, published with the task id as the message id, so a task done
 *   twice (its actor died after publishing, before acking) is stored once.
 *   The learner reads them in stream order from a position it keeps in its
 *   checkpoints: restarted from one, it continues at the next batch, none
 *   lost or counted twice.
 * - **weights** (object store `trellis_<run>`): the policy's parameters of
 *   version v under the name `policy-<v>`, the Trellis version in the
 *   object's metadata (parameters small enough travel inside the tasks
 *   instead). The learner removes a version once no rollout in flight acts
 *   with it.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg } from "@nats-io/jetstream";
import { Objm, type ObjectStore } from "@nats-io/obj";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import { VERSION } from "../../version.js";

/** A run id usable in subject and bucket names. */
export const RUN_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface RunStreamsOptions {
  /** How long an actor may hold a task before it is given to another (default 30 s). */
  readonly ackWaitMs?: number;
  /** How long the server remembers batch ids to drop a second copy (default 10 min). */
  readonly duplicateWindowMs?: number;
  /** Batches older than this are removed from the stream (default 1 h). */
  readonly maxAgeMs?: number;
}

/** A task as actors receive it. */
export interface ActorTask {
  /** Names the batch it asks for (the batch's message id). */
  readonly id: string;
  readonly policyVersion: number;
  /** Task-specific fields (the rollout's length, the prompts to sample, …). */
  readonly body: Record<string, unknown>;
}

/** A task taken by an actor: ack it once its batch is stored. */
export interface TakenTask extends ActorTask {
  /** Deliveries so far (2 and more: an actor before this one took it and did not finish). */
  readonly deliveries: number;
  ack(): Promise<void>;
  /** Gives it back at once (the actor is leaving). */
  release(): void;
}

/** A batch as the learner reads it. */
export interface StoredBatch {
  /** Its position in the batch stream (1, 2, …): the learner's checkpoints keep the last one read. */
  readonly position: number;
  readonly id: string;
  readonly bytes: Uint8Array;
}

export class RunStreams {
  readonly js: JetStreamClient;
  private readonly weightsBucket: ObjectStore;
  private readonly taskConsumers = new Map<number, Consumer>();

  private constructor(
    readonly nc: NatsConnection,
    readonly run: string,
    readonly jsm: JetStreamManager,
    weights: ObjectStore,
    private readonly options: Required<RunStreamsOptions>,
  ) {
    this.js = jetstream(nc);
    this.weightsBucket = weights;
  }

  get tasksStream(): string {
    return `TRELLIS_${this.run}_TASKS`;
  }
  get batchesStream(): string {
    return `TRELLIS_${this.run}_BATCHES`;
  }
  get tasksSubject(): string {
    return `trellis.${this.run}.tasks`;
  }
  get batchesSubject(): string {
    return `trellis.${this.run}.batches`;
  }

  /** Opens (creating where missing) the run's streams, the actors' consumer and the weights bucket. */
  static async open(nc: NatsConnection, run: string, options: RunStreamsOptions = {}): Promise<RunStreams> {
    if (!RUN_NAME.test(run)) throw new RangeError(`RunStreams: the run id must be 1–64 letters, digits, "_" or "-" (it names NATS subjects and buckets), got ${JSON.stringify(run)}`);
    const o: Required<RunStreamsOptions> = { ackWaitMs: options.ackWaitMs ?? 30_000, duplicateWindowMs: options.duplicateWindowMs ?? 600_000, maxAgeMs: options.maxAgeMs ?? 3_600_000 };
    const jsm = await jetstreamManager(nc);
    const ensure = async (config: Parameters<JetStreamManager["streams"]["add"]>[0] & { name: string }) => {
      try {
        await jsm.streams.info(config.name);
      } catch {
        await jsm.streams.add(config);
      }
    };
    await ensure({ name: `TRELLIS_${run}_TASKS`, subjects: [`trellis.${run}.tasks.>`], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
    await ensure({
      name: `TRELLIS_${run}_BATCHES`,
      subjects: [`trellis.${run}.batches`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: nanos(o.duplicateWindowMs),
      max_age: nanos(o.maxAgeMs),
    });
    const weights = await new Objm(nc).create(`trellis_${run}`, { storage: StorageType.File });
    return new RunStreams(nc, run, jsm, weights, o);
  }

  // ——— the learner's side ———

  /** Asks slot `slot`'s actor for one batch; `id` must be unique over the run (it dedupes the batch). */
  async publishTask(slot: number, task: ActorTask): Promise<void> {
    await this.js.publish(`${this.tasksSubject}.${slot}`, JSON.stringify(task), { msgID: `task:${task.id}` });
  }

  /** Stores the actors' job (JSON) for actors that join. */
  async putJob(job: unknown): Promise<void> {
    await this.weightsBucket.putBlob({ name: "job" }, new TextEncoder().encode(JSON.stringify(job)));
  }

  /** The actors' job, or null before the learner stored one. */
  async job(): Promise<unknown> {
    const bytes = await this.weightsBucket.getBlob("job").catch(() => null);
    if (!bytes) return null;
    try {
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      throw new Error(`the run ${this.run}'s job is not JSON`);
    }
  }

  /** Stores the policy's parameters as `version`. */
  async putWeights(version: number, params: Float32Array, meta: Record<string, string> = {}): Promise<void> {
    const bytes = new Uint8Array(params.buffer, params.byteOffset, params.byteLength);
    await this.weightsBucket.putBlob({ name: `policy-${version}`, metadata: { ...meta, version: String(version), trellis: VERSION, length: String(params.length) } }, bytes.slice());
  }

  /** Removes version `version`'s parameters (no task needs them any more). */
  async deleteWeights(version: number): Promise<void> {
    await this.weightsBucket.delete(`policy-${version}`);
  }

  /** Reads batches in stream order after `position` (0: from the start); each call of the iterator waits for the next. */
  async batchesAfter(position: number): Promise<BatchReader> {
    const consumer = await this.js.consumers.get(this.batchesStream, position > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: position + 1 } : { deliver_policy: DeliverPolicy.All });
    return new BatchReader(consumer);
  }

  /** Batches stored and tasks waiting (for the training view and the tests). */
  async counts(): Promise<{ batches: number; lastPosition: number; tasks: number }> {
    const b = await this.jsm.streams.info(this.batchesStream);
    const t = await this.jsm.streams.info(this.tasksStream);
    return { batches: b.state.messages, lastPosition: b.state.last_seq, tasks: t.state.messages };
  }

  // ——— an actor's side ———

  /** Slot `slot`'s next task (waiting up to `timeoutMs`), or null. */
  async nextTask(slot: number, timeoutMs = 1000): Promise<TakenTask | null> {
    let consumer = this.taskConsumers.get(slot);
    if (!consumer) {
      const name = `slot-${slot}`;
      try {
        await this.jsm.consumers.info(this.tasksStream, name);
      } catch {
        await this.jsm.consumers.add(this.tasksStream, { durable_name: name, filter_subject: `${this.tasksSubject}.${slot}`, ack_policy: AckPolicy.Explicit, ack_wait: nanos(this.options.ackWaitMs), deliver_policy: DeliverPolicy.All });
      }
      consumer = await this.js.consumers.get(this.tasksStream, name);
      this.taskConsumers.set(slot, consumer);
    }
    const m = await consumer.next({ expires: Math.max(1000, timeoutMs) });
    if (!m) return null;
    const task = parseTask(m);
    return {
      ...task,
      deliveries: m.info.deliveryCount,
      ack: async () => {
        if (!(await m.ackAck())) throw new TransientNatsError(`task ${task.id}: the server did not confirm its ack`);
      },
      release: () => m.nak(),
    };
  }

  /** Stores a batch under its task's id; a second copy (the task done twice) is dropped by the server. Returns whether it was one. */
  async publishBatch(taskId: string, bytes: Uint8Array): Promise<{ duplicate: boolean; position: number }> {
    const max = this.nc.info?.max_payload ?? Infinity;
    if (bytes.length > max) throw new RangeError(`batch ${taskId}: ${bytes.length} bytes, more than the server's max_payload of ${max}: ask for shorter rollouts or fewer env copies per actor, or raise max_payload`);
    const ack = await this.js.publish(this.batchesSubject, bytes, { msgID: taskId });
    return { duplicate: ack.duplicate, position: ack.seq };
  }

  /** Version `version`'s stored parameters (null when not stored, or removed); refuses another Trellis version's. */
  async weights(version: number): Promise<{ version: number; params: Float32Array } | null> {
    const name = `policy-${version}`;
    const info = await this.weightsBucket.info(name);
    if (!info || info.deleted) return null;
    const meta = info.metadata ?? {};
    if (meta.trellis !== VERSION) throw new Error(`the run's weights were written by Trellis ${meta.trellis ?? "(unknown)"}, this actor runs ${VERSION}: start it with the learner's version`);
    const bytes = await this.weightsBucket.getBlob(name);
    if (!bytes) return null;
    const length = Number(meta.length);
    if (!Number.isInteger(length) || bytes.length !== length * 4) throw new Error(`the run's weights hold ${bytes.length} bytes, their metadata says ${meta.length} float32 values`);
    const params = new Float32Array(length);
    new Uint8Array(params.buffer).set(bytes);
    if (Number(meta.version) !== version) throw new Error(`the run's weights ${name} carry version ${JSON.stringify(meta.version)}`);
    return { version, params };
  }
}

/** The learner's reader of the batch stream. */
export class BatchReader {
  constructor(private readonly consumer: Consumer) {}

  /** The next batch, waiting up to `timeoutMs` (null when none came). */
  async next(timeoutMs = 1000): Promise<StoredBatch | null> {
    const m = await this.consumer.next({ expires: Math.max(1000, timeoutMs) });
    if (!m) return null;
    return { position: m.seq, id: m.headers?.get("Nats-Msg-Id") ?? "", bytes: m.data };
  }
}

function parseTask(m: JsMsg): ActorTask {
  let task: Partial<ActorTask>;
  try {
    task = m.json<Partial<ActorTask>>();
  } catch {
    m.term("not JSON");
    throw new Error(`task message ${m.seq}: not JSON`);
  }
  if (typeof task?.id !== "string" || task.id.length === 0 || !Number.isInteger(task.policyVersion) || (task.policyVersion as number) < 0 || typeof task.body !== "object" || task.body === null) {
    m.term("malformed task");
    throw new Error(`task message ${m.seq}: expected { id: non-empty string, policyVersion: integer ≥ 0, body: object }, got ${JSON.stringify(task).slice(0, 200)}`);
  }
  return { id: task.id, policyVersion: task.policyVersion!, body: task.body };
}

/** An operation the server did not confirm (it may be restarting): worth trying again. */
export class TransientNatsError extends Error {
  override name = "TransientNatsError";
}

/** Whether `error` is one a reconnecting client or a recovering JetStream gives (worth retrying). */
export function isTransient(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string } | null;
  return e?.name === "TimeoutError" || e?.name === "TransientNatsError" || /timeout|no responders|503|disconnect|reconnect|connection closed|closed connection|JetStream not (enabled|ready)|stream not found|consumer not found/i.test(`${e?.code ?? ""} ${e?.message ?? ""}`);
}

/** Runs `op` again while it fails with a {@link isTransient} error (a server restarting), until `timeoutMs` have passed. */
export async function retrying<T>(op: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(1000, wait * 2)) {
    try {
      return await op();
    } catch (error) {
      if (!isTransient(error) || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
