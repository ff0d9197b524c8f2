import { problemLine, type Problem } from "../config/problem.js";
import { Dataset } from "../data/dataset.js";
import type { Sampler } from "../data/sampler.js";
import type { VecEnv } from "../envs/vec-env.js";
import type { Rng } from "../random/rng.js";
import { datasetProblems } from "./offline/dataset-checks.js";
import type { ReplayBatch } from "./off-policy/replay-buffer.js";
import type { ConfigOf } from "../config/fields.js";
import { imitation } from "../pg/loss/imitation.js";
import { offlineCritic } from "../pg/loss/offline-critic.js";
import { checkKnownKeys, checkNumber } from "./validate.js";
import { META_MIX_DEFAULTS, type MetaMixConfig } from "./offline-online/meta-schedule.js";

/**
 * The imitation term of a hybrid policy-gradient update (AHPO-style) and the
 * offline critic term (HNPG-style): their fields, defaults and checks are
 * the engine components' (`rl.loss.imitation`, `rl.loss.offlineCritic`,
 * `lib/pg/loss/`), declared once there.
 */
export type ImitationConfig = ConfigOf<typeof imitation.schema.fields>;
export type OfflineCriticConfig = ConfigOf<typeof offlineCritic.schema.fields>;

/**
 * Dynamics-gap-aware mixing (H2O, Niu et al. 2022) for runs whose env is a
 * simulator of the system that recorded the dataset: two classifiers learn
 * P(real | s, a, s′) and P(real | s, a) from dataset rows (real) and replay
 * rows (simulated); their odds ratio estimates P_real(s′|s,a) / P_sim(s′|s,a),
 * and each simulated transition's TD error is weighted by it, clipped to
 * [clipMin, clipMax].
 */
export interface DynamicsGapConfig {
  /** Hidden widths of both classifiers (ReLU MLPs). */
  readonly hidden: readonly number[];
  /** Adam learning rate of the classifiers. */
  readonly lr: number;
  /** Std of the Gaussian noise added to the classifiers' (standardized) inputs while they train, which smooths the estimated densities. */
  readonly noise: number;
  /** Smallest weight of a simulated transition. */
  readonly clipMin: number;
  /** Largest weight of a simulated transition (1: simulated data is only ever trusted less than real data). */
  readonly clipMax: number;
  /** Gradient steps of the Q-function before the weights apply (the classifiers train from the first step; until then sim rows weigh 1). */
  readonly warmup: number;
}

export const IMITATION_DEFAULTS: ImitationConfig = imitation.schema.defaults;
export const OFFLINE_CRITIC_DEFAULTS: OfflineCriticConfig = offlineCritic.schema.defaults;
export const DYNAMICS_GAP_DEFAULTS: DynamicsGapConfig = Object.freeze({ hidden: Object.freeze([64, 64]), lr: 3e-4, noise: 0.1, clipMin: 0, clipMax: 1, warmup: 500 });

/**
 * Offline data mixed into an online learner (made by
 * `rl.data.offline(dataset, options)`, given to a run with `.mix(spec)`):
 * - DQN and SAC: every gradient step draws `round(ratio × batchSize)` rows
 *   from the dataset and the rest from the replay buffer (RLPD's symmetric
 *   sampling, Ball et al. 2023), optionally with H2O's dynamics-gap weights.
 * - PPO and A2C: every minibatch of `B` rollout rows adds `round(ratio × B)`
 *   dataset rows to an imitation term (AHPO-gated, on by default) and/or an
 *   offline critic term (HNPG-style).
 *
 * `imitation`, `critic` and `dynamicsGap` are null when off; `imitation`
 * is undefined when not given (PPO/A2C then turn it on with its defaults).
 */
export interface OfflineMixSpec {
  readonly kind: "offline-mix";
  readonly dataset: Dataset;
  /** Dataset rows per minibatch as a fraction of its size, in [0, 1] (RLPD: 0.5). */
  readonly ratio: number;
  readonly imitation?: ImitationConfig | null;
  readonly critic: OfflineCriticConfig | null;
  readonly dynamicsGap: DynamicsGapConfig | null;
  /** DQN and SAC: MOORL's meta-learning across the offline and online buffers instead of mixing rows (`rl.data.meta`); null: off. */
  readonly meta?: MetaMixConfig | null;
  /** DQN and SAC: gradient steps of the critic on dataset rows alone before the first env step (an offline-initialized critic); 0: none. */
  readonly criticPretrain?: number;
}

export interface OfflineMixOptions {
  /** Dataset rows per minibatch as a fraction of its size, in [0, 1] (default 0.5, RLPD's symmetric sampling). */
  ratio?: number;
  /** PPO/A2C: the gated imitation term (AHPO); `true` or options turn it on (the default there), `false` off. */
  imitation?: boolean | Partial<ImitationConfig>;
  /** PPO/A2C: fit the critic on the dataset's transitions too (HNPG); off by default. */
  critic?: boolean | Partial<OfflineCriticConfig>;
  /** DQN: weight simulated transitions by the estimated real/sim dynamics ratio (H2O); off by default. */
  dynamicsGap?: boolean | Partial<DynamicsGapConfig>;
  /** DQN and SAC: gradient steps of the critic on dataset rows alone before the first env step (an offline-initialized critic). Default 0. */
  criticPretrain?: number;
  /** MOORL's settings instead of mixing rows (what `rl.data.meta` makes; a checkpoint rebuilds it from here). */
  meta?: MetaMixConfig;
}

/** Options of {@link metaMix}: MOORL's K, ε and the offline buffer's share of meta-epochs, plus an optional offline-initialized critic. */
export interface MetaMixOptions extends Partial<MetaMixConfig> {
  criticPretrain?: number;
}

/** `true` → defaults, an object → merged over them, `false`/`null` → null (off), undefined stays undefined. */
function component<C extends object>(value: boolean | Partial<C> | null | undefined, defaults: C): C | null | undefined {
  if (value === undefined) return undefined;
  if (value === false || value === null) return null;
  if (value === true) return defaults;
  return Object.freeze({ ...defaults, ...value }) as C;
}

/** `rl.data.offline(dataset, options)`: a plain spec for `RunBuilder.mix`. */
export function offlineMix(dataset: Dataset, options: OfflineMixOptions = {}): OfflineMixSpec {
  if (!(dataset instanceof Dataset)) throw new TypeError("rl.data.offline(dataset): expected a Dataset from rl.dataset.open(path) or rl.dataset.from(table)");
  if (options.meta) return metaMix(dataset, { ...options.meta, ...(options.criticPretrain !== undefined ? { criticPretrain: options.criticPretrain } : {}) });
  const imitation = component(options.imitation, IMITATION_DEFAULTS);
  return Object.freeze({
    kind: "offline-mix",
    dataset,
    ratio: options.ratio ?? 0.5,
    ...(imitation !== undefined ? { imitation } : {}),
    critic: component(options.critic, OFFLINE_CRITIC_DEFAULTS) ?? null,
    dynamicsGap: component(options.dynamicsGap, DYNAMICS_GAP_DEFAULTS) ?? null,
    ...(options.criticPretrain !== undefined ? { criticPretrain: options.criticPretrain } : {}),
  });
}

/**
 * `rl.data.meta(dataset, { inner, metaLr, offlineShare })`: MOORL (Meta
 * Offline-Online RL) for DQN and SAC: each meta-epoch of `inner` updates
 * draws its minibatches from one buffer, the dataset (with probability
 * `offlineShare`) or the online replay, and the parameters then move
 * `metaLr` of the way from where the meta-epoch began (Reptile).
 */
export function metaMix(dataset: Dataset, options: MetaMixOptions = {}): OfflineMixSpec {
  if (!(dataset instanceof Dataset)) throw new TypeError("rl.data.meta(dataset): expected a Dataset from rl.dataset.open(path) or rl.dataset.from(table)");
  if (typeof options !== "object" || options === null || Array.isArray(options)) throw new TypeError(`rl.data.meta(dataset, options): expected an object like { inner: 10, metaLr: 0.5, offlineShare: 0.5 }, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`);
  const { criticPretrain, ...meta } = options;
  return Object.freeze({
    kind: "offline-mix",
    dataset,
    ratio: 0,
    critic: null,
    dynamicsGap: null,
    imitation: null,
    meta: Object.freeze({ ...META_MIX_DEFAULTS, ...meta }),
    ...(criticPretrain !== undefined ? { criticPretrain } : {}),
  });
}

/** The options that rebuild `spec` with {@link offlineMix} (checkpoints). */
export function mixOptions(spec: OfflineMixSpec): OfflineMixOptions {
  return {
    ratio: spec.ratio,
    ...(spec.imitation !== undefined ? { imitation: spec.imitation ?? false } : {}),
    critic: spec.critic ?? false,
    dynamicsGap: spec.dynamicsGap ?? false,
    ...(spec.criticPretrain !== undefined ? { criticPretrain: spec.criticPretrain } : {}),
    ...(spec.meta ? { meta: spec.meta } : {}),
  };
}

/** Algorithms whose minibatches can take offline rows. */
export const MIXABLE_ALGOS: readonly string[] = ["dqn", "sac", "ppo", "a2c"];
const POLICY_GRADIENT = ["ppo", "a2c"];

/** The imitation term a PPO/A2C run uses: on with defaults unless the spec says otherwise. */
export function imitationOf(spec: OfflineMixSpec): ImitationConfig | null {
  return spec.imitation === undefined ? IMITATION_DEFAULTS : spec.imitation;
}

const TRANSITION_COLUMNS = ["obs", "action", "reward", "terminated", "next_obs"] as const;

/** Dataset rows per minibatch of `batchSize`. */
export const mixRows = (ratio: number, batchSize: number): number => Math.round(ratio * batchSize);

/** Why `spec` cannot be mixed into `algo`'s minibatches of `batchSize` rows on `env` (empty when it can). */
export function mixProblems(spec: OfflineMixSpec, algo: string, env: VecEnv, batchSize: number | undefined, pg = POLICY_GRADIENT.includes(algo)): Problem[] {
  const p: Problem[] = [];
  if (!pg && !MIXABLE_ALGOS.includes(algo)) p.push(problemLine("unsupported", `mix: ${algo} does not take offline data yet (mixing supports ${MIXABLE_ALGOS.join(", ")})`));
  const { ratio, dataset } = spec;
  if (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) p.push(problemLine("out-of-range", `mix.ratio: expected a fraction of each minibatch in [0, 1], got ${String(ratio)}`));
  const imitation = pg ? imitationOf(spec) : spec.imitation;
  if (imitation) checkImitation(p, imitation);
  if (spec.critic) checkCritic(p, spec.critic);
  if (spec.dynamicsGap) checkDynamicsGap(p, spec.dynamicsGap);
  if (spec.meta) checkMeta(p, spec.meta);
  if (spec.criticPretrain !== undefined) checkNumber(p, "mix.criticPretrain", spec.criticPretrain, { min: 0, integer: true });
  if ((spec.meta || spec.criticPretrain) && algo !== "dqn" && algo !== "sac") {
    p.push(problemLine("unsupported", `mix.${spec.meta ? "meta" : "criticPretrain"}: implemented for dqn and sac (an off-policy critic); ${algo} cannot use it`));
  }
  if (spec.meta && spec.dynamicsGap) p.push(problemLine("incompatible", "mix.meta: MOORL draws whole minibatches from one buffer; the dynamics-gap weights need mixed minibatches"));
  if (!pg && imitation) p.push(problemLine("unsupported", `mix.imitation: ${algo} learns from the mixed rows' TD errors; the imitation term is for policy-gradient runs (ppo, a2c, reinforce, pg)`));
  if (!pg && spec.critic) p.push(problemLine("unsupported", `mix.critic: ${algo} already fits its critic on the mixed rows; the offline critic term is for policy-gradient runs (ppo, a2c, reinforce, pg)`));
  if (spec.dynamicsGap && algo !== "dqn") p.push(problemLine("unsupported", `mix.dynamicsGap: the dynamics-gap weights (H2O) are implemented for dqn; ${algo} cannot use them yet`));
  if (pg && !imitation && !spec.critic) p.push(problemLine("incompatible", "mix: the imitation and critic terms are both off, so the dataset would never be used; turn one on (rl.data.offline(dataset, { imitation: true }) or { critic: true })"));
  if (!(dataset instanceof Dataset)) {
    p.push(problemLine("wrong-type", "mix.dataset: expected a Dataset from rl.dataset.open(path) or rl.dataset.from(table)"));
    return p;
  }
  const transitions = !pg || !!spec.critic;
  p.push(...datasetProblems(dataset, env, { algo, prefix: "mix.", transitions }));
  if (batchSize !== undefined && Number.isFinite(ratio)) {
    const rows = spec.meta || spec.criticPretrain ? Math.max(mixRows(ratio, batchSize), batchSize) : mixRows(ratio, batchSize);
    if (rows > dataset.numSteps) p.push(problemLine("unsupported", `mix: ${rows} dataset rows per minibatch (ratio ${ratio} × batchSize ${batchSize}) exceed the dataset's ${dataset.numSteps} rows`));
    if (pg && rows === 0 && (imitation || spec.critic)) p.push(problemLine("incompatible", `mix.ratio: ${ratio} × the minibatch's ${batchSize} rows rounds to 0 dataset rows; raise the ratio`));
    if (spec.dynamicsGap && (rows === 0 || rows === batchSize)) {
      p.push(problemLine("incompatible", `mix.dynamicsGap: the classifiers need both dataset (real) and replay (simulated) rows in each minibatch, but ratio ${ratio} × batchSize ${batchSize} gives ${rows} dataset rows`));
    }
  }
  if (imitation && imitation.successReturn === null && dataset instanceof Dataset && dataset.schema.fields.some((f) => f.name === "episode_id") && demonstratorReturn(dataset) === null) {
    p.push(problemLine("unsupported", "mix.imitation.successReturn: the dataset has no complete episode to take the demonstrator's return from; pass the return that counts as a success"));
  }
  return p;
}

function checkMeta(p: Problem[], c: MetaMixConfig): void {
  checkKnownKeys(p, "mix.meta", c, META_MIX_DEFAULTS);
  checkNumber(p, "mix.meta.inner", c.inner, { min: 1, integer: true });
  checkNumber(p, "mix.meta.metaLr", c.metaLr, { min: 0, exclusiveMin: true, max: 1 });
  checkNumber(p, "mix.meta.offlineShare", c.offlineShare, { min: 0, max: 1 });
}

function checkImitation(p: Problem[], c: ImitationConfig): void {
  p.push(...imitation.schema.problems(c, "mix.imitation"));
}

function checkCritic(p: Problem[], c: OfflineCriticConfig): void {
  p.push(...offlineCritic.schema.problems(c, "mix.critic"));
}

function checkDynamicsGap(p: Problem[], c: DynamicsGapConfig): void {
  checkKnownKeys(p, "mix.dynamicsGap", c, DYNAMICS_GAP_DEFAULTS);
  if (!Array.isArray(c.hidden) || c.hidden.length === 0 || !c.hidden.every((h) => Number.isInteger(h) && h >= 1)) {
    p.push(problemLine("wrong-type", `mix.dynamicsGap.hidden: expected a non-empty list of layer widths (integers ≥ 1), got ${JSON.stringify(c.hidden)}`));
  }
  checkNumber(p, "mix.dynamicsGap.lr", c.lr, { min: 0, exclusiveMin: true });
  checkNumber(p, "mix.dynamicsGap.noise", c.noise, { min: 0 });
  checkNumber(p, "mix.dynamicsGap.clipMin", c.clipMin, { min: 0 });
  checkNumber(p, "mix.dynamicsGap.clipMax", c.clipMax, { min: 0, exclusiveMin: true });
  if (typeof c.clipMin === "number" && typeof c.clipMax === "number" && c.clipMin > c.clipMax) p.push(problemLine("incompatible", `mix.dynamicsGap: clipMin ${c.clipMin} exceeds clipMax ${c.clipMax}`));
  checkNumber(p, "mix.dynamicsGap.warmup", c.warmup, { min: 0, integer: true });
}

/** Mean return of the dataset's complete episodes (null when it has none): the default success level of the imitation gate. */
export function demonstratorReturn(dataset: Dataset): number | null {
  const done = dataset.episodeSummaries().filter((e) => e.complete);
  if (done.length === 0) return null;
  return done.reduce((s, e) => s + e.return, 0) / done.length;
}

/**
 * The offline half of a mixed minibatch: a shuffled sampler over the
 * dataset's transitions that fills the last `rows` rows of a {@link ReplayBatch}.
 * With `rows = 0` it draws nothing (the plain algorithm, bit for bit).
 */
export class MixSource {
  readonly rows: number;
  private readonly sampler: Sampler | undefined;

  constructor(spec: OfflineMixSpec, batchSize: number, rng: Rng, private readonly obsSize: number, private readonly actionWidth: number) {
    this.rows = mixRows(spec.ratio, batchSize);
    this.sampler = this.rows > 0 ? spec.dataset.sampler({ batchSize: this.rows, rng, columns: [...TRANSITION_COLUMNS] }) : undefined;
  }

  /** Dataset epochs started so far. */
  get epoch(): number {
    return this.sampler?.epoch ?? 0;
  }

  /** Writes `rows` dataset transitions into `out` at rows `from … from + rows − 1`; rows without a next_obs do not bootstrap. */
  fill(out: ReplayBatch, from: number): void {
    if (!this.sampler) return;
    const mb = this.sampler.next();
    const o = this.obsSize;
    const a = this.actionWidth;
    const obs = mb.columns.obs as Float32Array;
    const act = mb.columns.action!;
    const rew = mb.columns.reward!;
    const term = mb.columns.terminated!;
    const next = mb.columns.next_obs as Float32Array;
    const nv = mb.valid.next_obs;
    const tv = mb.valid.terminated;
    const rv = mb.valid.reward;
    for (let r = 0; r < mb.size; r++) {
      const i = from + r;
      out.obs.set(obs.subarray(r * o, r * o + o), i * o);
      for (let j = 0; j < a; j++) out.actions[i * a + j] = Number(act[r * a + j]!);
      out.rewards[i] = rv && !rv[r] ? 0 : Number(rew[r]!);
      const ok = !nv || nv[r] === 1;
      out.terminated[i] = (tv && !tv[r] ? 0 : Number(term[r]!)) || !ok ? 1 : 0;
      if (ok) out.nextObs.set(next.subarray(r * o, r * o + o), i * o);
      else out.nextObs.fill(0, i * o, i * o + o);
      out.indices[i] = -1 - mb.rows[r]!;
    }
  }

  /** Sampler position for checkpoints (json + the permutation array). */
  saveState(): { json: { epoch: number; cursor: number } | null; perm: Int32Array } {
    if (!this.sampler) return { json: null, perm: new Int32Array(0) };
    const s = this.sampler.saveState();
    return { json: { epoch: s.epoch, cursor: s.cursor }, perm: s.perm };
  }

  loadState(json: { epoch: number; cursor: number } | null | undefined, perm: Int32Array | undefined): void {
    if (!this.sampler || !json) return;
    this.sampler.loadState({ epoch: json.epoch, cursor: json.cursor, perm: perm ?? new Int32Array(0) });
  }
}
