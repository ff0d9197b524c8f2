import type { RngState } from "../../random/rng.js";
import type { SamplerPool } from "../local-sampler-pool.js";
import type { NatsWorkersSpec } from "../pool.js";
import type { SamplerJob } from "../sequence-actor.js";
import { encodeContext, type SequencesJob } from "./nats-actor.js";
import { NatsTasks } from "./nats-tasks.js";

/**
 * `rl.workers.nats({ servers, slots })` for a sequence run: each sampling
 * round asks every slot for the completions of its part of the contexts, as
 * a task on the run's streams (nats-tasks.ts); `trellis worker` processes
 * sample them with a copy of the policy.
 */
export class NatsSamplerPool implements SamplerPool {
  readonly slots: number;
  private readonly tasks: NatsTasks;
  private asked = 0;

  constructor(
    readonly spec: NatsWorkersSpec,
    readonly run: string,
  ) {
    this.slots = spec.slots;
    this.tasks = new NatsTasks(spec, run);
  }

  /** Batches read and not used (another session's, a second copy). */
  get skipped(): number {
    return this.tasks.skipped;
  }

  async start(job: SamplerJob): Promise<void> {
    const full: SequencesJob = { ...job, kind: "sequences", slots: this.slots };
    await this.tasks.start({ ...full });
  }

  async sample(slot: number, version: number, params: Float32Array, contexts: readonly Int32Array[], rngState: RngState): Promise<{ bytes: Uint8Array; worker: string }> {
    const id = `${this.tasks.session}:${this.asked++}:${slot}`;
    const [answer] = await this.tasks.ask(version, params, [{ slot, id, body: { contexts: contexts.map(encodeContext), rng: [...rngState] } }], `completions ${id}`);
    return { bytes: answer!.bytes, worker: `batch ${id} (stream position ${answer!.position})` };
  }

  close(): Promise<void> {
    return this.tasks.close();
  }
}
