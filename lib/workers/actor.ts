/**
 * An actor: the env copies of one slot of a run and a copy of its policy.
 * Asked for a rollout of policy version v, it loads v's parameters, steps its
 * copies `steps` times sampling actions from the policy with the generator
 * state it was given, records every step in the trajectory schema and
 * returns the batch's bytes with the generator's state after the rollout
 * and the observations the rollout ends on (what the next one starts from).
 *
 * The same code runs in a worker thread (rl.workers.local) and in a
 * `trellis worker` process (rl.workers.nats): a job is plain JSON.
 */
import { TrajectoryRecorder } from "../data/recorder.js";
import { makeVecEnv } from "../envs/registry.js";
import type { VecEnv, VecEnvState } from "../envs/vec-env.js";
import { ActorCritic, type ActOutput } from "../policy/actor-critic.js";
import { actOutput } from "../pg/collect/collector.js";
import type { MlpPolicySpec } from "../policy/spec.js";
import { Rng, type RngState } from "../random/rng.js";
import { VERSION } from "../version.js";
import { encodeLastObs, trajectoryBatchBytes } from "./trajectory-batch.js";

/** What every actor of a run is built from (plain JSON: it travels to threads and other machines). */
export interface ActorJob {
  /** The run's id (the batches' run_id). */
  readonly run: string;
  /** The Trellis version of the learner; an actor of another version refuses the job. */
  readonly trellis: string;
  /** A registered env id (a custom env cannot travel). */
  readonly envId: string;
  readonly envKwargs: Readonly<Record<string, unknown>>;
  /** Env copies of each slot. */
  readonly copies: number;
  /** Per slot, the state of its env generator before its first reset. */
  readonly envStates: readonly RngState[];
  readonly policy: MlpPolicySpec;
  /** Per slot, the env copies' saved state to continue from (a run loaded from a checkpoint); null or absent: start from `envStates`. */
  readonly envSnapshots?: readonly (VecEnvState | null)[];
  /** Names the learner's session: a restarted learner publishes a new job, which actors pick up. */
  readonly session?: string;
}

/** What a rollout returns. */
export interface ActorRollout {
  /** The batch (trajectory schema, header included) as Arrow IPC stream bytes. */
  readonly bytes: Uint8Array;
  /** The action generator's state after the rollout. */
  readonly rngState: RngState;
  /** `copies × obsSize` observations after the last step (a finished copy's next episode's first). */
  readonly lastObs: Float32Array;
}

/** Problems of a job received from elsewhere (empty: none). */
export function actorJobProblems(job: unknown): string[] {
  const j = job as Partial<ActorJob> | null;
  if (typeof j !== "object" || j === null) return [`expected a job object, got ${JSON.stringify(job)}`];
  const p: string[] = [];
  if (j.trellis !== VERSION) p.push(`the learner runs Trellis ${String(j.trellis)}, this actor ${VERSION}: start actors of the learner's version`);
  if (typeof j.run !== "string" || j.run.length === 0) p.push(`run must be a non-empty string, got ${JSON.stringify(j.run)}`);
  if (typeof j.envId !== "string") p.push(`envId must be a registered env id, got ${JSON.stringify(j.envId)}`);
  if (typeof j.envKwargs !== "object" || j.envKwargs === null) p.push("envKwargs must be an object");
  if (!Number.isInteger(j.copies) || j.copies! < 1) p.push(`copies must be an integer ≥ 1, got ${JSON.stringify(j.copies)}`);
  if (!Array.isArray(j.envStates) || j.envStates.length === 0) p.push("envStates must hold one generator state per slot");
  if (j.policy?.kind !== "mlp") p.push(`policy must be an MLP spec (rl.mlp(...)), got ${JSON.stringify(j.policy?.kind)}`);
  return p;
}

export class Actor {
  readonly env: VecEnv;
  readonly policy: ActorCritic;
  private readonly recorder: TrajectoryRecorder;
  private readonly act: ActOutput;
  private readonly obsBefore: Float32Array;
  private readonly groups: readonly { readonly params: Float32Array; paramsChanged(): void }[];
  private version = -1;
  private seq = 0;

  constructor(
    readonly job: ActorJob,
    readonly slot: number,
    /** Names the actor in every batch it writes (host/process/thread). */
    readonly workerId: string,
  ) {
    const problems = actorJobProblems(job);
    if (problems.length) throw new Error(`actor: ${problems.join("; ")}`);
    if (!Number.isInteger(slot) || slot < 0 || slot >= job.envStates.length) throw new RangeError(`actor: slot must be in [0, ${job.envStates.length}), got ${slot}`);
    this.env = makeVecEnv(job.envId, { ...job.envKwargs, n: job.copies, rng: Rng.fromState(job.envStates[slot]!) });
    const snapshot = job.envSnapshots?.[slot];
    if (snapshot) this.env.loadState(snapshot);
    else this.env.reset();
    // the weights are replaced by the learner's before the first step
    this.policy = new ActorCritic(job.policy, this.env.obsSize, this.env.actionSpace, Rng.fromSeed(0));
    this.groups = this.policy.groups;
    this.act = actOutput(this.env);
    this.obsBefore = new Float32Array(this.env.obs.length);
    // episode ids stay unique over the run's slots
    this.recorder = TrajectoryRecorder.forEnv(this.env, { runId: job.run, firstEpisodeId: slot * 2 ** 32 });
  }

  /** Floats of the policy's parameters (the groups back to back). */
  get paramCount(): number {
    return this.groups.reduce((n, g) => n + g.params.length, 0);
  }

  /** Loads version `version` of the policy (a no-op when it has it). */
  load(version: number, params: Float32Array): void {
    if (version === this.version) return;
    if (params.length !== this.paramCount) throw new RangeError(`actor: the policy has ${this.paramCount} parameters, version ${version} holds ${params.length}`);
    let k = 0;
    for (const g of this.groups) {
      g.params.set(params.subarray(k, k + g.params.length));
      g.paramsChanged();
      k += g.params.length;
    }
    this.version = version;
  }

  /** `steps` steps of every copy with the loaded policy, actions drawn from a generator at `rngState`. */
  rollout(steps: number, rngState: RngState): ActorRollout {
    if (this.version < 0) throw new Error("actor: no policy loaded yet");
    if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`actor: steps must be an integer ≥ 1, got ${steps}`);
    const { env, act } = this;
    const n = env.numEnvs;
    const rng = Rng.fromState(rngState);
    const t0 = performance.now();
    // the recorder copies what it is given: one buffer for the observations before each step is enough
    const obs = this.obsBefore;
    for (let t = 0; t < steps; t++) {
      obs.set(env.obs);
      this.policy.act(obs, n, rng, act);
      env.step(act.actions);
      this.recorder.record({ obs, actions: act.actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, logp: act.logp, values: act.values, ...(env.costNames?.length ? { costs: env.costs! } : {}), policyVersion: this.version });
    }
    const lastObs = Float32Array.from(env.obs);
    const after = rng.state();
    const bytes = trajectoryBatchBytes(this.recorder.takeBatch(), { worker: this.workerId, seq: this.seq++, numEnvs: n, numSteps: steps, rng: [...after], lastObs: encodeLastObs(lastObs), seconds: (performance.now() - t0) / 1000 });
    return { bytes, rngState: after, lastObs };
  }
}
