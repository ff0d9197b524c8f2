import { Worker } from "node:worker_threads";

export interface OpenRequest {
  id: number;
  path: string;
}

/** What opening a file gave: an error (its message), the original table, a different table, no answer in time, or the worker's death. */
export interface OpenOutcome {
  kind: "error" | "same" | "different" | "hang" | "crash";
  detail?: string;
}

/**
 * Opens files in a worker thread, one at a time, each within `timeoutMs`:
 * a file whose open does not return in time is reported as a hang and the
 * worker is replaced, so a hang fails a test instead of stopping the suite.
 * The worker compares what it reads with the table of the file `original`.
 */
export class BoundedOpener {
  private worker: Promise<Worker> | undefined;
  private next = 0;

  constructor(
    private readonly original: string,
    private readonly timeoutMs: number,
  ) {}

  private start(): Promise<Worker> {
    const worker = new Worker(new URL("./arrow-open-worker.js", import.meta.url), { workerData: { original: this.original } });
    return new Promise((resolve, reject) => {
      worker.once("message", () => resolve(worker));
      worker.once("error", reject);
    });
  }

  /**
   * Opens `path` in the worker; a hang when no answer comes within the time
   * bound twice, the second time in a fresh worker (one slow answer on a busy
   * machine is not a hang; the worker's start-up is not counted).
   */
  async open(path: string): Promise<OpenOutcome> {
    const first = await this.once(path);
    return first.kind === "hang" ? this.once(path) : first;
  }

  private async once(path: string): Promise<OpenOutcome> {
    this.worker ??= this.start();
    const worker = await this.worker;
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        worker.off("message", onMessage);
        worker.off("error", onError);
        this.worker = undefined;
        void worker.terminate();
        resolve({ kind: "hang", detail: `no answer within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
      const onMessage = (m: OpenOutcome & { id: number }) => {
        if (m.id !== id) return;
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        resolve({ kind: m.kind, ...(m.detail === undefined ? {} : { detail: m.detail }) });
      };
      const onError = (error: Error) => {
        clearTimeout(timer);
        this.worker = undefined;
        resolve({ kind: "crash", detail: error.message });
      };
      worker.on("message", onMessage);
      worker.once("error", onError);
      worker.postMessage({ id, path } satisfies OpenRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await (await worker).terminate();
  }
}
