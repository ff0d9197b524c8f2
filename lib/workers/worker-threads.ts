/**
 * One worker thread per slot, asked by message and answering by message: the
 * transport of `rl.workers.local`. A thread says `{ type: "ready" }` once
 * built (or `{ type: "error", message }`); each request gets an `id`, and the
 * reply with that id resolves it (`{ type: "error", id, message }` rejects
 * it). A thread that fails or exits fails every request in flight and every
 * later one, naming the slot.
 */
import { Worker } from "node:worker_threads";

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(error: Error): void;
}

export class WorkerThreads {
  private readonly threads: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;

  constructor(private readonly script: URL) {}

  /** Threads started (0 before {@link start}). */
  get size(): number {
    return this.threads.length;
  }

  /** Starts one thread per entry of `data` (its workerData) and waits until each is ready. */
  async start(data: readonly unknown[]): Promise<void> {
    await Promise.all(
      data.map((workerData, slot) => {
        const worker = new Worker(this.script, { workerData });
        // a notebook that never disposes its run must still be able to exit
        worker.unref();
        this.threads.push(worker);
        return new Promise<void>((resolve, reject) => {
          worker.once("message", (m: { type: string; message?: string }) => (m.type === "ready" ? resolve() : reject(new Error(`local worker ${slot}: ${m.message}`))));
          worker.once("error", reject);
        }).then(() => {
          worker.on("message", (m: { type: string; id?: number; message?: string }) => {
            const p = m.id === undefined ? undefined : this.pending.get(m.id);
            if (!p) return;
            this.pending.delete(m.id!);
            if (m.type === "error") p.reject(new Error(`local worker ${slot}: ${m.message}`));
            else p.resolve(m as Record<string, unknown>);
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

  /** Sends `message` (with a fresh id) to slot `slot`'s thread and resolves with its reply. */
  ask<T>(slot: number, message: Record<string, unknown>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const worker = this.threads[slot];
    if (!worker) return Promise.reject(new Error(`local workers: no thread for slot ${slot} (start() first)`));
    const id = this.nextId++;
    const answer = new Promise<Record<string, unknown>>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.postMessage({ ...message, id });
    return answer as Promise<T>;
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    this.failure ??= new Error("local workers: closed");
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
