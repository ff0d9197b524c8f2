import { Dataset, type Sampler } from "../data/dataset.js";
import type { VecEnv } from "../envs/vec-env.js";
import type { Rng } from "../random/rng.js";
import { datasetProblems } from "./dataset-checks.js";
import type { ReplayBatch } from "./replay-buffer.js";

/**
 * Offline data mixed into an online off-policy learner's minibatches
 * (RLPD's symmetric sampling, Ball et al. 2023): every gradient step draws
 * `round(ratio × batchSize)` rows from the dataset and the rest from the
 * online replay buffer. Made by `rl.data.offline(dataset, { ratio })`,
 * given to a run with `.mix(spec)`.
 */
export interface OfflineMixSpec {
  readonly kind: "offline-mix";
  readonly dataset: Dataset;
  /** Fraction of each minibatch drawn from the dataset, in [0, 1] (RLPD: 0.5). */
  readonly ratio: number;
}

export interface OfflineMixOptions {
  /** Fraction of each minibatch drawn from the dataset, in [0, 1] (default 0.5, RLPD's symmetric sampling). */
  ratio?: number;
}

/** `rl.data.offline(dataset, { ratio })`: a plain spec for `RunBuilder.mix`. */
export function offlineMix(dataset: Dataset, options: OfflineMixOptions = {}): OfflineMixSpec {
  if (!(dataset instanceof Dataset)) throw new TypeError("rl.data.offline(dataset): expected a Dataset from rl.dataset.open(path) or rl.dataset.from(table)");
  return { kind: "offline-mix", dataset, ratio: options.ratio ?? 0.5 };
}

/** Algorithms whose minibatches can take offline rows. */
export const MIXABLE_ALGOS: readonly string[] = ["dqn", "sac"];

const TRANSITION_COLUMNS = ["obs", "action", "reward", "terminated", "next_obs"] as const;

/** Dataset rows per minibatch of `batchSize`. */
export const mixRows = (ratio: number, batchSize: number): number => Math.round(ratio * batchSize);

/** Why `spec` cannot be mixed into `algo`'s minibatches on `env` (empty when it can). */
export function mixProblems(spec: OfflineMixSpec, algo: string, env: VecEnv, batchSize: number | undefined): string[] {
  const p: string[] = [];
  if (!MIXABLE_ALGOS.includes(algo)) p.push(`mix: ${algo} does not take offline data yet (mixing supports ${MIXABLE_ALGOS.join(" and ")})`);
  const { ratio, dataset } = spec;
  if (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) p.push(`mix.ratio: expected a fraction of each minibatch in [0, 1], got ${String(ratio)}`);
  if (!(dataset instanceof Dataset)) {
    p.push("mix.dataset: expected a Dataset from rl.dataset.open(path) or rl.dataset.from(table)");
    return p;
  }
  p.push(...datasetProblems(dataset, env, { algo, prefix: "mix.", transitions: true }));
  if (batchSize !== undefined && Number.isFinite(ratio) && mixRows(ratio, batchSize) > dataset.numSteps) {
    p.push(`mix: ${mixRows(ratio, batchSize)} dataset rows per minibatch (ratio ${ratio} × batchSize ${batchSize}) exceed the dataset's ${dataset.numSteps} rows`);
  }
  return p;
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
