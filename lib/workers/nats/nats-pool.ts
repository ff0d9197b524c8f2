import type { VecEnvState } from "../../envs/vec-env.js";
import type { ActorJob } from "../actor.js";
import type { ActorPool, NatsWorkersSpec, RolloutRequest, SlotRollout, WorkerStatus } from "../pool.js";
import { readTrajectoryBatch, type BatchExpectation } from "../trajectory-batch.js";
import { NatsTasks } from "./nats-tasks.js";

/**
 * `rl.workers.nats({ servers, slots })`: the learner's side of actors that
 * run anywhere (`trellis worker --nats URL --run ID`). Per rollout it asks
 * every slot for one batch (nats-tasks.ts: tasks, weights, the batch stream)
 * and decodes them; the position in the batch stream is kept
 * ({@link position}).
 */
export class NatsActorPool implements ActorPool {
  readonly kind = "nats" as const;
  readonly slots: number;
  private readonly tasks: NatsTasks;
  private expect: Omit<BatchExpectation, "numSteps"> | null = null;
  private readonly stats = new Map<string, { batches: number; envSteps: number; seconds: number }>();

  constructor(
    readonly spec: NatsWorkersSpec,
    readonly run: string,
  ) {
    this.slots = spec.slots;
    this.tasks = new NatsTasks(spec, run);
  }

  /** The last batch read from the stream (0: none). */
  get position(): number {
    return this.tasks.position;
  }

  /** Batches read and not used: another session's or rollout's. */
  get skipped(): number {
    return this.tasks.skipped;
  }

  async start(job: ActorJob, shape: Omit<BatchExpectation, "numSteps">): Promise<void> {
    if (job.envStates.length !== this.slots) throw new RangeError(`workers: the job has ${job.envStates.length} slots, the pool ${this.slots}`);
    this.expect = shape;
    await this.tasks.start({ ...job });
  }

  async rollout({ index, version, params, steps, rngStates }: RolloutRequest): Promise<SlotRollout[]> {
    const expect = this.expect;
    if (!expect) throw new Error("nats workers: start() first");
    const tasks = rngStates.map((rng, slot) => ({ slot, id: `${this.tasks.session}:${index}:${slot}`, body: { steps, rng: [...rng] } }));
    const answers = await this.tasks.ask(version, params, tasks, `rollout ${index}`);
    return answers.map((a, slot) => {
      const id = tasks[slot]!.id;
      const batch = readTrajectoryBatch(a.bytes, { ...expect, numSteps: steps }, `batch ${id} (stream position ${a.position})`);
      if (batch.policyVersion !== version) throw new Error(`batch ${id}: acted with policy version ${batch.policyVersion}, its task asked for ${version}`);
      const s = this.stats.get(batch.header.worker) ?? { batches: 0, envSteps: 0, seconds: 0 };
      s.batches++;
      s.envSteps += batch.header.numEnvs * steps;
      s.seconds += batch.header.seconds ?? 0;
      this.stats.set(batch.header.worker, s);
      return { slot, batch };
    });
  }

  sent(): Promise<void> {
    return this.tasks.sent();
  }

  async snapshot(): Promise<(VecEnvState | null)[]> {
    const nc = this.tasks.connection;
    if (!nc || !this.tasks.asked) return Array.from({ length: this.slots }, () => null);
    const out: (VecEnvState | null)[] = [];
    for (let slot = 0; slot < this.slots; slot++) {
      let reply;
      try {
        reply = await nc.request(`trellis.${this.run}.snapshot.${slot}`, "", { timeout: this.spec.timeoutMs ?? 60_000 });
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

  close(): Promise<void> {
    return this.tasks.close();
  }
}
