import { Worker } from "node:worker_threads";
import type { RngState } from "../random/rng.js";
import type { WorkerStatus } from "./pool.js";
import type { SamplerJob } from "./sequence-actor.js";

/** The learner's side of the actors that sample a sequence run's completions. */
export interface SamplerPool {
  readonly slots: number;
  start(job: SamplerJob): Promise<void>;
  /** Slot `slot`'s completions of `contexts` with policy `version`, drawn from `rngState`: the batch's bytes and where it came from (for errors). */
  sample(slot: number, version: number, params: Float32Array, contexts: readonly Int32Array[], rngState: RngState): Promise<{ bytes: Uint8Array; worker: string }>;
  close(): Promise<void>;
}

interface Pending {
  resolve(bytes: Uint8Array): void;
  reject(error: Error): void;
}

/** `rl.workers.local({ n })` for a sequence run: one worker thread per slot. */
export class LocalSamplerPool implements SamplerPool {
  private readonly threads: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;

  constructor(readonly slots: number) {}

  async start(job: SamplerJob): Promise<void> {
    await Promise.all(
      Array.from({ length: this.slots }, (_, slot) => {
        const worker = new Worker(new URL("./local-sampler-thread.js", import.meta.url), { workerData: { job, workerId: `local/${slot}` } });
        // a notebook that never disposes its run must still be able to exit
        worker.unref();
        this.threads.push(worker);
        return new Promise<void>((resolve, reject) => {
          worker.once("message", (m: { type: string; message?: string }) => (m.type === "ready" ? resolve() : reject(new Error(`local worker ${slot}: ${m.message}`))));
          worker.once("error", reject);
        }).then(() => {
          worker.on("message", (m: { type: string; id?: number; bytes?: Uint8Array; message?: string }) => {
            const p = m.id === undefined ? undefined : this.pending.get(m.id);
            if (!p) return;
            this.pending.delete(m.id!);
            if (m.type === "completions") p.resolve(m.bytes!);
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

  sample(slot: number, version: number, params: Float32Array, contexts: readonly Int32Array[], rngState: RngState): Promise<{ bytes: Uint8Array; worker: string }> {
    if (this.failure) return Promise.reject(this.failure);
    const worker = this.threads[slot];
    if (!worker) return Promise.reject(new Error(`local workers: no thread for slot ${slot} (start() first)`));
    const id = this.nextId++;
    const answer = new Promise<Uint8Array>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.postMessage({ type: "sample", id, version, params, contexts, rngState });
    return answer.then((bytes) => ({ bytes, worker: `local/${slot}` }));
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    this.failure ??= new Error("local workers: closed");
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

/** Per worker: completions sampled, tokens and seconds, for the training view. */
export function samplerStatus(stats: ReadonlyMap<string, { batches: number; tokens: number; seconds: number }>): WorkerStatus[] {
  return [...stats].map(([worker, s]) => ({ worker, batches: s.batches, envSteps: s.tokens, stepsPerSecond: s.seconds > 0 ? s.tokens / s.seconds : 0, unit: "tokens" as const }));
}
