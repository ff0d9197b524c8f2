/**
 * An actor of a sequence run: a copy of the run's token policy that samples
 * completions of the contexts it is given with the learner's parameters of a
 * version, from a generator state it is given, and writes them as a
 * completions batch (completions-batch.ts). The learner judges them (the
 * task and its verifier stay with the learner).
 */
import { Rng, type RngState } from "../random/rng.js";
import { policyFromRecord, type PolicyRecord } from "../seq/policies/policy-record.js";
import { sampleBatch, type SampleOptions } from "../seq/policies/sample.js";
import type { TokenPolicy } from "../seq/policies/token-policy.js";
import { VERSION } from "../version.js";
import { completionsBatchBytes } from "./completions-batch.js";

/** What a sequence actor needs to know of its run. */
export interface SamplerJob {
  readonly run: string;
  /** The learner's Trellis version: an actor of another refuses the job. */
  readonly trellis: string;
  readonly policy: PolicyRecord;
  /** The policy's parameter count (checked against each version sent). */
  readonly paramCount: number;
  readonly options: Omit<SampleOptions, "rng">;
}

/** Problems of a job read from outside (empty: none). */
export function samplerJobProblems(job: unknown): string[] {
  const j = job as Partial<SamplerJob> | null;
  if (typeof j !== "object" || j === null) return [`expected a sampler job object, got ${JSON.stringify(job)}`];
  const p: string[] = [];
  if (j.trellis !== VERSION) p.push(`the learner runs Trellis ${j.trellis}, this actor ${VERSION}: start the actor with the learner's version`);
  if (typeof j.policy !== "object" || j.policy === null || (j.policy.kind !== "transformer" && j.policy.kind !== "gru")) p.push(`policy must be a transformer or gru record, got ${JSON.stringify(j.policy?.kind)}`);
  if (!Number.isInteger(j.paramCount) || j.paramCount! < 1) p.push(`paramCount must be an integer ≥ 1, got ${JSON.stringify(j.paramCount)}`);
  const o = j.options;
  if (typeof o !== "object" || o === null || !Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 1) p.push(`options.maxNewTokens must be an integer ≥ 1, got ${JSON.stringify(o?.maxNewTokens)}`);
  return p;
}

export class SequenceActor {
  private policy: TokenPolicy | null = null;
  private version = -1;
  private seq = 0;

  constructor(
    readonly job: SamplerJob,
    readonly workerId: string,
  ) {
    const problems = samplerJobProblems(job);
    if (problems.length) throw new Error(`sequence actor: ${problems.join("; ")}`);
  }

  /** Loads version `version` of the policy (a no-op when it has it). */
  load(version: number, params: Float32Array): void {
    if (version === this.version) return;
    if (params.length !== this.job.paramCount) throw new RangeError(`sequence actor: the policy has ${this.job.paramCount} parameters, version ${version} holds ${params.length}`);
    if (this.policy) this.policy.params.set(params);
    else this.policy = policyFromRecord(this.job.policy, params.slice());
    this.version = version;
  }

  /** One completion per context with the loaded version, drawn from a generator at `rngState`: the batch's bytes. */
  sample(contexts: readonly Int32Array[], rngState: RngState): Uint8Array {
    if (!this.policy) throw new Error("sequence actor: no policy loaded yet");
    const t0 = performance.now();
    const rng = Rng.fromState(rngState);
    const out = sampleBatch(this.policy, contexts, { ...this.job.options, rng });
    return completionsBatchBytes(out, { worker: this.workerId, seq: this.seq++, policyVersion: this.version, rng: [...rng.state()], seconds: (performance.now() - t0) / 1000 });
  }
}
