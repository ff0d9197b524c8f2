import { WorkerThreads } from "./worker-threads.js";
import type { VecEnvState } from "../envs/vec-env.js";
import type { ActorJob } from "./actor.js";
import type { ActorPool, RolloutRequest, SlotRollout, WorkerStatus } from "./pool.js";
import { readTrajectoryBatch, type BatchExpectation } from "./trajectory-batch.js";

/** `rl.workers.local({ n })`: one worker thread per slot on this machine. */
export class LocalActorPool implements ActorPool {
  readonly kind = "local" as const;
  /** Threads answer exactly the rollouts asked of them: nothing to skip. */
  readonly skipped = 0;
  private readonly threads = new WorkerThreads(new URL("./local-thread.js", import.meta.url));
  private readonly stats: { batches: number; envSteps: number; seconds: number }[] = [];
  private shape: Omit<BatchExpectation, "numSteps"> | null = null;

  constructor(readonly slots: number) {}

  async start(job: ActorJob, shape: Omit<BatchExpectation, "numSteps">): Promise<void> {
    if (job.envStates.length !== this.slots) throw new RangeError(`local workers: the job has ${job.envStates.length} slots, the pool ${this.slots}`);
    this.shape = shape;
    for (let slot = 0; slot < this.slots; slot++) this.stats.push({ batches: 0, envSteps: 0, seconds: 0 });
    await this.threads.start(Array.from({ length: this.slots }, (_, slot) => ({ job, slot, workerId: `local/${slot}` })));
  }

  async rollout({ version, params, steps, rngStates }: RolloutRequest): Promise<SlotRollout[]> {
    const shape = this.shape;
    if (this.threads.size !== this.slots || !shape) throw new Error("local workers: start() first");
    const answers = await Promise.all(rngStates.map((rngState, slot) => this.threads.ask<{ bytes: Uint8Array; seconds: number }>(slot, { type: "rollout", version, params, steps, rngState })));
    return answers.map((a, slot) => {
      const batch = readTrajectoryBatch(a.bytes, { ...shape, numSteps: steps }, `local worker ${slot}'s batch`);
      const s = this.stats[slot]!;
      s.batches++;
      s.envSteps += batch.header.numEnvs * steps;
      s.seconds += a.seconds;
      return { slot, batch };
    });
  }

  async snapshot(): Promise<(VecEnvState | null)[]> {
    if (this.threads.size === 0) return Array.from({ length: this.slots }, () => null);
    return Promise.all(Array.from({ length: this.slots }, (_, slot) => this.threads.ask<{ state: VecEnvState }>(slot, { type: "snapshot" }).then((a) => a.state)));
  }

  status(): WorkerStatus[] {
    return this.stats.map((s, slot) => ({ worker: `local/${slot}`, batches: s.batches, envSteps: s.envSteps, stepsPerSecond: s.seconds > 0 ? s.envSteps / s.seconds : 0 }));
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}
