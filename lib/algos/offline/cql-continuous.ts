import type { Sampler } from "../../data/sampler.js";
import { LOG_STD_MAX, LOG_STD_MIN } from "../../dist/tanh-gaussian.js";
import type { BoxSpace } from "../../envs/space.js";
import { sampledLogsumexp } from "../../losses/offline-q.js";
import type { MlpPolicySpec } from "../../policy/spec.js";
import type { Rng } from "../../random/rng.js";
import type { AlgoContext, AlgoInstance, AlgoState, UpdateMetrics } from "../algorithm.js";
import type { CqlConfig } from "./cql.js";
import { newTransitions, readTransitions, type Transitions } from "./dataset-transitions.js";
import { TrainingDivergedError } from "../errors.js";
import { MetricsWindow } from "../metrics-window.js";
import { UpdateSnapshot } from "../off-policy/off-policy.js";
import { SacScratch, SoftActorCritic } from "../off-policy/soft-actor-critic.js";

/**
 * CQL(H) for continuous actions (see `cql.ts`): soft actor-critic trained on
 * dataset minibatches whose critics' loss adds, for each critic k,
 *
 *   α · (mean_b lse_k(s_b) − mean_b Q_k(s_b, a_b)),
 *
 * lse_k estimated from N = `sampledActions` actions per state from each of
 * uniform over the box, π(·|s) and π(·|s′), held constant (no gradient to the
 * actor). The actor and the entropy temperature follow SAC; the target critics
 * get θ' ← τθ + (1 − τ)θ' every `targetNetworkFrequency` updates.
 */
export class ContinuousCqlInstance implements AlgoInstance {
  readonly name = "cql";
  readonly envSteps = 0;
  updates = 0;
  readonly core: SoftActorCritic;
  private readonly rng: Rng;
  private readonly sampler: Sampler;
  private readonly snapshot: UpdateSnapshot;
  private readonly tr: Transitions<Float32Array>;
  private readonly o: number;
  private readonly d: number;
  private readonly low: Float32Array;
  private readonly width: Float32Array;
  /** −Σ_j log(high_j − low_j): the log-density of the uniform proposal. */
  private readonly uniformLogDensity: number;
  private readonly repObs: Float32Array;
  private readonly repNext: Float32Array;
  private readonly piScratch: SacScratch;
  private readonly sampledIn: Float32Array;
  private readonly logDensity: Float32Array;
  private readonly dSampled: Float32Array;
  private readonly window = new MetricsWindow();
  private readonly onDiverged = (loss: number): never => {
    this.snapshot.restore();
    throw new TrainingDivergedError(this.name, this.updates + 1, undefined, undefined, loss);
  };

  constructor(
    readonly config: CqlConfig,
    ctx: AlgoContext,
  ) {
    const { env } = ctx;
    if (!ctx.dataset) throw new Error("cql needs a dataset: build with rl.offline(dataset)");
    const space = env.actionSpace as BoxSpace;
    this.rng = ctx.rng;
    const o = (this.o = env.obsSize);
    const d = (this.d = env.actionSize);
    const B = config.batchSize;
    const N = config.sampledActions;
    this.core = new SoftActorCritic(
      { gamma: config.gamma, tau: config.tau, policyLr: config.policyLr, qLr: config.lr, alpha: 1, autotune: true, targetEntropy: "auto", logStd: { min: LOG_STD_MIN, max: LOG_STD_MAX }, adamEps: config.adamEps },
      o,
      space,
      ctx.policy as MlpPolicySpec,
      ctx.rng,
      B,
    );
    this.snapshot = new UpdateSnapshot(this.core.allGroups, [this.core.actorOpt, this.core.qOpt, this.core.alphaOpt]);
    this.sampler = ctx.dataset.sampler({ batchSize: B, rng: ctx.rng, columns: ["obs", "action", "reward", "terminated", "next_obs"] });
    this.tr = newTransitions<Float32Array>(B, o);
    this.low = Float32Array.from(space.low);
    this.width = Float32Array.from(space.high, (h, j) => h - space.low[j]!);
    this.uniformLogDensity = -this.width.reduce((s, w) => s + Math.log(w), 0);
    this.repObs = new Float32Array(B * N * o);
    this.repNext = new Float32Array(B * N * o);
    this.piScratch = new SacScratch(B * N, d);
    this.sampledIn = new Float32Array(B * 3 * N * (o + d));
    this.logDensity = new Float32Array(B * 3 * N);
    this.dSampled = new Float32Array(B * 3 * N);
  }

  /**
   * Fills `sampledIn` (B × 3N rows of [s_b, a_bm]) and `logDensity` with N
   * actions per state from each proposal: uniform, π(·|s_b), π(·|s′_b).
   */
  private proposals(tr: Transitions<Float32Array>, B: number): void {
    const { o, d, core } = this;
    const N = this.config.sampledActions;
    const M = 3 * N;
    const w = o + d;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < N; i++) {
        this.repObs.set(tr.obs.subarray(b * o, b * o + o), (b * N + i) * o);
        this.repNext.set(tr.nextObs.subarray(b * o, b * o + o), (b * N + i) * o);
      }
      for (let m = 0; m < M; m++) this.sampledIn.set(tr.obs.subarray(b * o, b * o + o), (b * M + m) * w);
    }
    // Uniform over the box.
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < N; i++) {
        const row = b * M + i;
        for (let j = 0; j < d; j++) this.sampledIn[row * w + o + j] = this.low[j]! + this.width[j]! * this.rng.float();
        this.logDensity[row] = this.uniformLogDensity;
      }
    }
    // π(·|s) and π(·|s′), each action with the log-density of the state it was drawn for.
    const pi = this.piScratch;
    for (const [k, states] of [[1, this.repObs], [2, this.repNext]] as const) {
      core.sample(core.actor.predict(states, B * N), B * N, pi);
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < N; i++) {
          const row = b * M + k * N + i;
          for (let j = 0; j < d; j++) this.sampledIn[row * w + o + j] = pi.actions[(b * N + i) * d + j]!;
          this.logDensity[row] = pi.logp[b * N + i]!;
        }
      }
    }
  }

  /** One critic step with the conservative penalty, one actor step and one α step on one dataset minibatch. */
  step(): UpdateMetrics | null {
    const c = this.config;
    const B = c.batchSize;
    const M = 3 * c.sampledActions;
    const core = this.core;
    this.snapshot.take();
    const before = { rng: this.rng.state(), sampler: this.sampler.saveState() };
    const tr = readTransitions(this.sampler.next(), this.o, this.tr);
    try {
      // ∂/∂Q_k(s, a_data) of the penalty is −α/B, added to the TD gradient of the same forward pass.
      const critic = core.criticBackward({ obs: tr.obs, actions: tr.actions, rewards: tr.rewards, terminated: tr.done, nextObs: tr.nextObs }, B, -c.alpha / B);
      this.proposals(tr, B);
      let lse = 0;
      for (const q of [core.q1, core.q2]) {
        const r = sampledLogsumexp(q.forward(this.sampledIn, B * M), this.logDensity, B, M, this.dSampled);
        for (let i = 0; i < B * M; i++) this.dSampled[i] = this.dSampled[i]! * c.alpha;
        q.backward(this.dSampled);
        lse += r.meanLogsumexp / 2;
      }
      const penalty = lse - critic.qValue;
      const loss = critic.qLoss + 2 * c.alpha * penalty;
      core.criticStep(loss, this.onDiverged);
      const actor = core.actorAndAlphaStep(tr.obs, B, this.onDiverged);
      this.updates++;
      if (this.updates % c.targetNetworkFrequency === 0) core.updateTargets(c.tau);
      this.window.add({ loss, qLoss: critic.qLoss / 2, cqlLoss: penalty, qValue: critic.qValue, logsumexpQ: lse, actorLoss: actor.actorLoss, entropy: actor.entropy, alpha: core.alpha });
    } catch (error) {
      // A diverged update restored the networks; put the draw back too so a retry repeats it.
      this.rng.restore(before.rng);
      this.sampler.loadState(before.sampler);
      throw error;
    }
    return this.updates % c.logEvery === 0 ? this.flushMetrics() : null;
  }

  flushMetrics(): UpdateMetrics | null {
    const means = this.window.take();
    return means && { learningRate: this.config.lr, ...means, datasetEpoch: this.sampler.epoch };
  }

  qValues(obs: Float32Array, actions: Int32Array | Float32Array, batch: number): Float32Array {
    return this.core.qValues(obs, actions as Float32Array, batch);
  }

  actGreedy(obs: Float32Array, batch: number, actions: Int32Array | Float32Array): void {
    this.core.actGreedy(obs, batch, actions);
  }

  saveState(): AlgoState {
    const core = this.core.saveState();
    const s = this.sampler.saveState();
    return {
      json: { updates: this.updates, rng: this.rng.state(), adamT: core.adamT, sampler: { epoch: s.epoch, cursor: s.cursor }, window: this.window.toJSON() },
      arrays: { ...core.arrays, samplerPerm: s.perm },
    };
  }

  loadState(state: AlgoState): void {
    const json = state.json as { updates: number; rng: number[]; adamT: { actor: number; q: number; alpha: number }; sampler: { epoch: number; cursor: number }; window: ReturnType<MetricsWindow["toJSON"]> };
    this.core.loadState(json.adamT, state.arrays, "CQL");
    this.sampler.loadState({ epoch: json.sampler.epoch, cursor: json.sampler.cursor, perm: state.arrays.samplerPerm as Int32Array });
    this.rng.restore(json.rng);
    this.updates = json.updates;
    this.window.load(json.window);
  }

  dispose(): void {
    this.core.dispose();
  }
}
