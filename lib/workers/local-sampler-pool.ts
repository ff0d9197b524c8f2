import { WorkerThreads } from "./worker-threads.js";
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

/** `rl.workers.local({ n })` for a sequence run: one worker thread per slot. */
export class LocalSamplerPool implements SamplerPool {
  private readonly threads = new WorkerThreads(new URL("./local-sampler-thread.js", import.meta.url));

  constructor(readonly slots: number) {}

  start(job: SamplerJob): Promise<void> {
    return this.threads.start(Array.from({ length: this.slots }, (_, slot) => ({ job, workerId: `local/${slot}` })));
  }

  async sample(slot: number, version: number, params: Float32Array, contexts: readonly Int32Array[], rngState: RngState): Promise<{ bytes: Uint8Array; worker: string }> {
    const a = await this.threads.ask<{ bytes: Uint8Array }>(slot, { type: "sample", version, params, contexts, rngState });
    return { bytes: a.bytes, worker: `local/${slot}` };
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}

/** Per worker: completions sampled, tokens and seconds, for the training view. */
export function samplerStatus(stats: ReadonlyMap<string, { batches: number; tokens: number; seconds: number }>): WorkerStatus[] {
  return [...stats].map(([worker, s]) => ({ worker, batches: s.batches, envSteps: s.tokens, stepsPerSecond: s.seconds > 0 ? s.tokens / s.seconds : 0, unit: "tokens" as const }));
}
