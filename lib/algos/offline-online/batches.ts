import type { ParamGroup } from "../../policy/param-set.js";
import type { Rng } from "../../random/rng.js";
import { MixSource, type OfflineMixSpec } from "../mix.js";
import type { ReplayBatch, ReplayBuffer } from "../off-policy/replay-buffer.js";
import { MetaSchedule } from "./meta-schedule.js";

/**
 * Where an off-policy learner's minibatches come from when offline data is
 * at hand: RLPD's mixed rows (a fixed share of every minibatch), MOORL's
 * meta-epochs (whole minibatches from one buffer, with Reptile steps), and
 * an offline-initialized critic (updates on dataset rows alone before the
 * first env step). Without a spec: the replay buffer alone, as before.
 */
export class OfflineOnlineBatches {
  /** RLPD: dataset rows in every minibatch (0 without mixing). */
  readonly mixedRows: number;
  private readonly mix: MixSource | undefined;
  /** Whole minibatches of dataset rows (MOORL's offline meta-epochs, critic pretraining). */
  private readonly whole: MixSource | undefined;
  readonly meta: MetaSchedule | undefined;
  private readonly pretrainSteps: number;
  /** Critic updates on dataset rows done so far. */
  pretrained = 0;

  constructor(spec: OfflineMixSpec | undefined, private readonly batchSize: number, rng: Rng, obsSize: number, actionWidth: number, groups: readonly ParamGroup[]) {
    this.mix = spec && !spec.meta ? new MixSource(spec, batchSize, rng, obsSize, actionWidth) : undefined;
    this.mixedRows = this.mix?.rows ?? 0;
    this.pretrainSteps = spec?.criticPretrain ?? 0;
    this.whole = spec && (spec.meta || this.pretrainSteps > 0) ? new MixSource({ ...spec, ratio: 1 }, batchSize, rng, obsSize, actionWidth) : undefined;
    this.meta = spec?.meta ? new MetaSchedule(spec.meta, groups, rng) : undefined;
  }

  /** Critic updates on dataset rows still due before the first env step. */
  get pretrainLeft(): number {
    return this.pretrainSteps - this.pretrained;
  }

  /** Fills `mb` for a pretraining update: every row from the dataset. */
  fillPretrain(mb: ReplayBatch): void {
    this.whole!.fill(mb, 0);
  }

  /** Fills `mb` for an online update (replay rows, then the dataset's); returns how many rows came from the dataset. */
  fill(buffer: ReplayBuffer, rng: Rng, mb: ReplayBatch): number {
    const b = this.batchSize;
    const m = this.meta ? this.meta.begin(b) : this.mixedRows;
    buffer.sample(rng, mb, b - m);
    if (m > 0) (this.meta ? this.whole! : this.mix!).fill(mb, b - m);
    return m;
  }

  /** After a successful online update (MOORL's Reptile step when a meta-epoch ends). */
  afterUpdate(): void {
    this.meta?.end();
  }

  metrics(): Record<string, number> {
    return { ...this.meta?.metrics(), ...(this.pretrainSteps > 0 ? { pretrainSteps: this.pretrained } : {}) };
  }

  saveState(): { json: unknown; arrays: Record<string, Float32Array | Int32Array> } {
    const mix = this.mix?.saveState();
    const whole = this.whole?.saveState();
    const meta = this.meta?.saveState();
    return {
      json: { mix: mix?.json ?? null, whole: whole?.json ?? null, meta: meta?.json ?? null, pretrained: this.pretrained },
      arrays: {
        ...(mix ? { mixPerm: mix.perm } : {}),
        ...(whole ? { wholePerm: whole.perm } : {}),
        ...(meta ? Object.fromEntries(Object.entries(meta.arrays).map(([k, v]) => [`moorl.${k}`, v])) : {}),
      },
    };
  }

  /** Restores {@link saveState}; also reads the older layout (`json.mix` and `mixPerm` of RLPD alone). */
  loadState(json: { mix?: { epoch: number; cursor: number } | null; whole?: { epoch: number; cursor: number } | null; meta?: never; pretrained?: number } | null | undefined, arrays: Record<string, unknown>): void {
    this.mix?.loadState(json?.mix, arrays.mixPerm as Int32Array | undefined);
    this.whole?.loadState(json?.whole, arrays.wholePerm as Int32Array | undefined);
    if (this.meta) this.meta.loadState(json?.meta, Object.fromEntries(Object.entries(arrays).filter(([k]) => k.startsWith("moorl.")).map(([k, v]) => [k.slice(6), v])));
    this.pretrained = json?.pretrained ?? 0;
  }
}
