/**
 * The learner's side of a sequence run whose completions are sampled by
 * actors (`.workers(rl.workers.local({ n }))` on a sequence run): each
 * sampling round's contexts are split into `slots` contiguous parts (a GRPO
 * group's members stay together, so they share their prompt's state), slot s
 * samples part s with the learner's current parameters, and the parts come
 * back in order. Slot 0 draws from the learner's own generator and the
 * learner continues from where slot 0 left it; slot s > 0 draws from a stream
 * split off it. One slot therefore gives bit for bit the numbers of the run
 * that samples itself; any number of slots repeats its numbers.
 */
import { Rng, type RngState } from "../random/rng.js";
import type { Completion } from "../seq/policies/sample.js";
import { readCompletionsBatch } from "./completions-batch.js";
import { samplerStatus, type SamplerPool } from "./local-sampler-pool.js";
import type { WorkerStatus } from "./pool.js";
import type { SamplerJob } from "./sequence-actor.js";

export class RemoteSampler {
  private starting: Promise<void> | null = null;
  private readonly stats = new Map<string, { batches: number; tokens: number; seconds: number }>();

  constructor(
    readonly pool: SamplerPool,
    private readonly job: SamplerJob,
    private readonly vocabSize: number,
  ) {}

  /** One completion per context, sampled by the actors with policy `version` (`params`), continuing `rng`. */
  async sample(contexts: readonly Int32Array[], version: number, params: Float32Array, rng: Rng): Promise<Completion[]> {
    this.starting ??= this.pool.start(this.job);
    await this.starting;
    const slots = this.pool.slots;
    const n = contexts.length;
    const states: RngState[] = [rng.state()];
    const stream = Rng.fromState(rng.state());
    for (let s = 1; s < slots; s++) states.push(stream.split().state());
    // contiguous parts, the first ones one longer when n does not divide
    const parts: Int32Array[][] = [];
    for (let s = 0, from = 0; s < slots; s++) {
      const size = Math.floor(n / slots) + (s < n % slots ? 1 : 0);
      parts.push(contexts.slice(from, from + size) as Int32Array[]);
      from += size;
    }
    const now = params.slice();
    const answers = await Promise.all(parts.map((part, s) => (part.length === 0 ? null : this.pool.sample(s, version, now, part, states[s]!))));
    const out: Completion[] = [];
    let after: readonly number[] | null = null;
    answers.forEach((a, s) => {
      if (!a) return;
      const { header, completions } = readCompletionsBatch(a.bytes, { count: parts[s]!.length, vocabSize: this.vocabSize, maxNewTokens: this.job.options.maxNewTokens, ...(this.job.options.stopToken !== undefined ? { stopToken: this.job.options.stopToken } : {}), policyVersion: version }, `slot ${s}'s completions (${a.worker})`);
      if (s === 0) after = header.rng;
      const st = this.stats.get(header.worker) ?? { batches: 0, tokens: 0, seconds: 0 };
      st.batches++;
      st.tokens += completions.reduce((k, c) => k + c.tokens.length, 0);
      st.seconds += header.seconds;
      this.stats.set(header.worker, st);
      out.push(...completions);
    });
    // slot 0 drew from the learner's stream (it samples whenever there is anything to sample)
    if (after) rng.restore(after as unknown as RngState);
    return out;
  }

  status(): WorkerStatus[] {
    return samplerStatus(this.stats);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
