import { Worker } from "node:worker_threads";
import type { VecEnvState } from "../envs/vec-env.js";
import type { ActorJob } from "./actor.js";
import type { ActorPool, RolloutRequest, SlotRollout, WorkerStatus } from "./pool.js";
import { readTrajectoryBatch, type BatchExpectation } from "./trajectory-batch.js";

interface Pending {
  resolve(value: { bytes?: Uint8Array; seconds?: number; state?: VecEnvState }): void;
  reject(error: Error): void;
}

/** `rl.workers.local({ n })`: one worker thread per slot on this machine. */
export class LocalActorPool implements ActorPool {
  readonly kind = "local" as const;
  /** Threads answer exactly the rollouts asked of them: nothing to skip. */
  readonly skipped = 0;
  private readonly threads: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly stats: { batches: number; envSteps: number; seconds: number }[] = [];
  private nextId = 0;
  private failure: Error | null = null;
  private shape: Omit<BatchExpectation, "numSteps"> | null = null;

  constructor(readonly slots: number) {}

  async start(job: ActorJob, shape: Omit<BatchExpectation, "numSteps">): Promise<void> {
    if (job.envStates.length !== this.slots) throw new RangeError(`local workers: the job has ${job.envStates.length} slots, the pool ${this.slots}`);
    this.shape = shape;
    await Promise.all(
      Array.from({ length: this.slots }, (_, slot) => {
        const worker = new Worker(new URL("./local-thread.js", import.meta.url), { workerData: { job, slot, workerId: `local/${slot}` } });
        // a notebook that never disposes its run must still be able to exit
        worker.unref();
        this.threads.push(worker);
        this.stats.push({ batches: 0, envSteps: 0, seconds: 0 });
        return new Promise<void>((resolve, reject) => {
          worker.once("message", (m: { type: string; message?: string }) => (m.type === "ready" ? resolve() : reject(new Error(`local worker ${slot}: ${m.message}`))));
          worker.once("error", reject);
        }).then(() => {
          worker.on("message", (m: { type: string; id?: number; bytes?: Uint8Array; seconds?: number; state?: VecEnvState; message?: string }) => {
            const p = m.id === undefined ? undefined : this.pending.get(m.id);
            if (!p) return;
            this.pending.delete(m.id!);
            if (m.type === "batch") p.resolve({ bytes: m.bytes!, seconds: m.seconds! });
            else if (m.type === "snapshot") p.resolve({ state: m.state! });
            else p.reject(new Error(`local worker ${slot}: ${m.message}`));
          });
          const fail = (why: string) => {
            this.failure ??= new Error(`local worker ${slot} ${why}`);
            for (const p of this.pending.values()) p.reject(this.failure);
            this.pending.clear();
          };
          worker.on("error", (e) => fail(`failed: ${e.message}`));
          worker.on("exit", (code) => fail(`exited (code ${code})`));
        });
      }),
    );
  }

  async rollout({ version, params, steps, rngStates }: RolloutRequest): Promise<SlotRollout[]> {
    if (this.failure) throw this.failure;
    const shape = this.shape;
    if (this.threads.length !== this.slots || !shape) throw new Error("local workers: start() first");
    const asks = this.threads.map((worker, slot) => {
      const id = this.nextId++;
      const answer = new Promise<{ bytes?: Uint8Array; seconds?: number }>((resolve, reject) => this.pending.set(id, { resolve, reject }));
      worker.postMessage({ type: "rollout", id, version, params, steps, rngState: rngStates[slot] });
      return answer;
    });
    const answers = await Promise.all(asks);
    return answers.map((a, slot) => {
      const batch = readTrajectoryBatch(a.bytes!, { ...shape, numSteps: steps }, `local worker ${slot}'s batch`);
      const s = this.stats[slot]!;
      s.batches++;
      s.envSteps += batch.header.numEnvs * steps;
      s.seconds += a.seconds!;
      return { slot, batch };
    });
  }

  async snapshot(): Promise<(VecEnvState | null)[]> {
    if (this.failure) throw this.failure;
    if (this.threads.length === 0) return Array.from({ length: this.slots }, () => null);
    return Promise.all(
      this.threads.map((worker) => {
        const id = this.nextId++;
        const answer = new Promise<{ state?: VecEnvState }>((resolve, reject) => this.pending.set(id, { resolve, reject }));
        worker.postMessage({ type: "snapshot", id });
        return answer.then((a) => a.state!);
      }),
    );
  }

  status(): WorkerStatus[] {
    return this.stats.map((s, slot) => ({ worker: `local/${slot}`, batches: s.batches, envSteps: s.envSteps, stepsPerSecond: s.seconds > 0 ? s.envSteps / s.seconds : 0 }));
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    this.failure ??= new Error("local workers: closed");
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
