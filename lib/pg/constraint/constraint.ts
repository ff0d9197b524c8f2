import { generalizedAdvantages, normalizeInPlace } from "../../credit/gae.js";
import type { VecEnv } from "../../envs/vec-env.js";
import { Rng } from "../../random/rng.js";
import type { RolloutCollector } from "../collect/rollout.js";
import { CostCritic } from "./cost-critic.js";

/** What a constraint's runtime gets from the engine. */
export interface ConstraintContext {
  readonly env: VecEnv;
  /** Rows of a rollout per env copy. */
  readonly numSteps: number;
  /** γ and λ of the advantage estimator: costs are credited as rewards are. */
  readonly gamma: number;
  readonly lambda: number;
  readonly truncation: "bootstrap" | "done";
  /** The constraint's own generator (cost critic init and minibatches). */
  readonly rng: Rng;
}

/**
 * How the multiplier follows the measured episode cost Jc against the
 * limit d: dual ascent, or a PID controller. `state` is JSON (checkpoints).
 */
export interface MultiplierRule {
  readonly initial: number;
  next(lambda: number, cost: number, limit: number, state: unknown): { lambda: number; state: unknown };
  readonly initialState: unknown;
}

/** The settings every Lagrangian constraint has. */
export interface LagrangianSettings {
  /** The env cost it constrains, or "all" for the sum of the env's costs. */
  readonly cost: string;
  /** d: the most summed cost an episode may have on average. */
  readonly limit: number;
  readonly criticLr: number;
  readonly criticEpochs: number;
  readonly criticMinibatches: number;
}

/**
 * One constraint E[Σ_t c_t] ≤ d of a policy-gradient run, held by a
 * Lagrange multiplier λ ≥ 0 (Ray et al. 2019's PPO-Lagrangian; Stooke et
 * al. 2020's PID variant): it sums each episode's cost as the env runs,
 * credits costs with its own critic V_c and GAE, and at each update moves λ
 * by the episodes' mean cost against d. The engine then trains the policy on
 * (Â_r − Σ λ_i Â_c,i) / (1 + Σ λ_i).
 */
export class LagrangianConstraint {
  lambda: number;
  /** Mean summed cost of the episodes that ended before the last update (null before any). */
  lastEpisodeCost: number | null = null;
  readonly advantages: Float32Array;
  private readonly returns: Float32Array;
  private readonly costs: Float32Array;
  private readonly values: Float32Array;
  private readonly nextValue: Float32Array;
  private readonly finalValues: Float32Array;
  private readonly critic: CostCritic;
  private readonly index: number;
  private readonly k: number;
  private readonly running: Float64Array;
  private ruleState: unknown;
  private t = 0;
  private episodeSum = 0;
  private episodeCount = 0;
  /** Whether λ already moved for the batch being trained (an update retried after a failure moves it once). */
  private prepared = false;

  constructor(
    readonly settings: LagrangianSettings,
    private readonly rule: MultiplierRule,
    private readonly ctx: ConstraintContext,
  ) {
    const { env, numSteps } = ctx;
    const names = env.costNames ?? [];
    this.k = names.length;
    this.index = settings.cost === "all" ? -1 : names.indexOf(settings.cost);
    if (this.k === 0 || (settings.cost !== "all" && this.index < 0)) {
      throw new Error(`constraint on cost '${settings.cost}': the env ${env.id} emits ${this.k ? `the costs [${names.join(", ")}]` : "no costs"}`);
    }
    const size = numSteps * env.numEnvs;
    this.advantages = new Float32Array(size);
    this.returns = new Float32Array(size);
    this.costs = new Float32Array(size);
    this.values = new Float32Array(size);
    this.nextValue = new Float32Array(env.numEnvs);
    this.finalValues = new Float32Array(env.numEnvs);
    this.running = new Float64Array(env.numEnvs);
    this.critic = new CostCritic(env.obsSize, ctx.rng, settings.criticLr);
    this.lambda = rule.initial;
    this.ruleState = rule.initialState;
  }

  /** The name its metrics carry (`lambda`, or `lambda_<cost>` beside other constraints). */
  get name(): string {
    return this.settings.cost;
  }

  /** Reads the env's last step (the collector's row `t` of this rollout). */
  observe(): void {
    const { env, gamma, truncation } = this.ctx;
    const n = env.numEnvs;
    const row = this.t * n;
    const costs = env.costs!;
    let anyTruncated = false;
    for (let e = 0; e < n; e++) {
      let c = 0;
      if (this.index >= 0) c = costs[e * this.k + this.index]!;
      else for (let j = 0; j < this.k; j++) c += costs[e * this.k + j]!;
      this.costs[row + e] = c;
      this.running[e] = this.running[e]! + c;
      if (env.terminated[e] || env.truncated[e]) {
        this.episodeSum += this.running[e]!;
        this.episodeCount++;
        this.running[e] = 0;
        if (env.truncated[e] && !env.terminated[e]) anyTruncated = true;
      }
    }
    if (anyTruncated && truncation === "bootstrap") {
      this.critic.values(env.finalObs, n, this.finalValues);
      for (let e = 0; e < n; e++) if (env.truncated[e] && !env.terminated[e]) this.costs[row + e] = this.costs[row + e]! + gamma * this.finalValues[e]!;
    }
    this.t++;
  }

  /**
   * At an update: moves λ by the mean cost of the episodes that ended since
   * the last one (kept when none did), credits the batch's costs (Â_c into
   * `advantages`) and fits V_c to the cost returns. Returns its metrics.
   */
  prepare(collector: RolloutCollector): Record<string, number> {
    const { env, gamma, lambda } = this.ctx;
    const n = env.numEnvs;
    const buf = collector.buffer;
    const size = buf.size;
    const metrics: Record<string, number> = {};
    if (!this.prepared) {
      if (this.episodeCount > 0) this.lastEpisodeCost = this.episodeSum / this.episodeCount;
      this.episodeSum = 0;
      this.episodeCount = 0;
      if (this.lastEpisodeCost !== null) {
        const r = this.rule.next(this.lambda, this.lastEpisodeCost, this.settings.limit, this.ruleState);
        this.lambda = r.lambda;
        this.ruleState = r.state;
      }
      this.prepared = true;
    }
    this.critic.values(buf.obs, size, this.values);
    this.critic.values(env.obs, n, this.nextValue);
    generalizedAdvantages(
      { rewards: this.costs, values: this.values, dones: buf.dones, nextValue: this.nextValue, nextDone: collector.nextDone, numEnvs: n, gamma, lambda },
      { advantages: this.advantages, returns: this.returns },
    );
    const s = this.settings;
    metrics.costValueLoss = this.critic.fit(buf.obs, this.returns, size, s.criticEpochs, s.criticMinibatches, this.ctx.rng);
    if (this.lastEpisodeCost !== null) {
      metrics.episodeCost = this.lastEpisodeCost;
      metrics.costLimitGap = this.lastEpisodeCost - s.limit;
    }
    metrics.lambda = this.lambda;
    return metrics;
  }

  /** After the update: the next rollout starts. */
  reset(): void {
    this.t = 0;
    this.prepared = false;
  }

  saveState(): { json: unknown; arrays: Record<string, Float32Array> } {
    const c = this.critic.save();
    return {
      json: {
        lambda: this.lambda,
        lastEpisodeCost: this.lastEpisodeCost,
        rule: this.ruleState,
        t: this.t,
        episodeSum: this.episodeSum,
        episodeCount: this.episodeCount,
        running: [...this.running],
        prepared: this.prepared,
        rng: this.ctx.rng.state(),
        adamT: c.t,
      },
      arrays: { costs: this.costs.slice(), criticParams: c.params, criticM: c.m, criticV: c.v },
    };
  }

  loadState(state: { json: unknown; arrays: Record<string, unknown> }): void {
    const j = state.json as { lambda: number; lastEpisodeCost: number | null; rule: unknown; t: number; episodeSum: number; episodeCount: number; running: number[]; prepared: boolean; rng: number[]; adamT: number };
    const a = state.arrays as Record<string, Float32Array>;
    this.critic.load({ params: a.criticParams!, m: a.criticM!, v: a.criticV!, t: j.adamT });
    this.costs.set(a.costs!);
    this.lambda = j.lambda;
    this.lastEpisodeCost = j.lastEpisodeCost;
    this.ruleState = j.rule;
    this.t = j.t;
    this.episodeSum = j.episodeSum;
    this.episodeCount = j.episodeCount;
    this.running.set(j.running);
    this.prepared = j.prepared;
    this.ctx.rng.restore(j.rng as never);
  }

  dispose(): void {
    this.critic.dispose();
  }
}

/**
 * The advantages a constrained policy is trained on, in place:
 * Â ← (Â_r − Σ_i λ_i Â_c,i) / (1 + Σ_i λ_i), with Â_r standardized over the
 * batch (when `standardize`) and each Â_c,i centred (OmniSafe's
 * PPO-Lagrangian: costs keep their scale, so λ weighs them in units of the
 * normalized reward advantage).
 */
export function lagrangianAdvantages(rewardAdv: Float32Array, costAdvs: readonly Float32Array[], lambdas: readonly number[], standardize: boolean): void {
  const size = rewardAdv.length;
  if (costAdvs.length !== lambdas.length) throw new RangeError(`lagrangianAdvantages: ${costAdvs.length} cost advantages for ${lambdas.length} multipliers`);
  if (standardize && size > 1) normalizeInPlace(rewardAdv);
  let total = 0;
  for (const l of lambdas) total += l;
  const means = costAdvs.map((c) => c.reduce((s, x) => s + x, 0) / Math.max(1, c.length));
  for (let i = 0; i < size; i++) {
    let a = rewardAdv[i]!;
    for (let j = 0; j < costAdvs.length; j++) a -= lambdas[j]! * (costAdvs[j]![i]! - means[j]!);
    rewardAdv[i] = a / (1 + total);
  }
}
