import type { ParamGroup } from "../../policy/param-set.js";
import type { Rng } from "../../random/rng.js";
import { reptileStep } from "./reptile.js";

/** MOORL's settings (`rl.data.meta(dataset, options)`). */
export interface MetaMixConfig {
  /** K: inner updates per meta-epoch, all from one buffer. */
  readonly inner: number;
  /** ε: the Reptile step of the meta parameters toward the adapted ones, in (0, 1]. */
  readonly metaLr: number;
  /** Probability that a meta-epoch draws from the offline buffer (the rest: the online replay). */
  readonly offlineShare: number;
}

export const META_MIX_DEFAULTS: MetaMixConfig = Object.freeze({ inner: 10, metaLr: 0.5, offlineShare: 0.5 });

/**
 * MOORL's schedule over an off-policy learner's updates (Reptile across two
 * tasks, the offline and the online buffer): each meta-epoch picks one
 * buffer, keeps the meta parameters, runs K inner updates on minibatches of
 * that buffer alone, and then moves the meta parameters ε of the way to the
 * adapted ones (which become the learner's parameters). The optimizer's
 * moments and the target networks carry on across meta-epochs.
 */
export class MetaSchedule {
  /** Inner updates done in the current meta-epoch. */
  private k = 0;
  /** Whether the current meta-epoch draws from the offline buffer. */
  private offline = false;
  private readonly meta: Float32Array[];
  /** Meta-epochs completed. */
  epochs = 0;
  /** Meta-epochs that drew from the offline buffer. */
  offlineEpochs = 0;

  constructor(
    readonly config: MetaMixConfig,
    private readonly groups: readonly ParamGroup[],
    private readonly rng: Rng,
  ) {
    this.meta = groups.map((g) => new Float32Array(g.params.length));
  }

  /** Before an update: starts a meta-epoch when one is due (keeping θ_meta); returns the rows the dataset gives this minibatch of `batchSize`. */
  begin(batchSize: number): number {
    if (this.k === 0) {
      this.offline = this.rng.float() < this.config.offlineShare;
      this.groups.forEach((g, i) => this.meta[i]!.set(g.params));
    }
    return this.offline ? batchSize : 0;
  }

  /** After a successful update: at the K-th, the Reptile step, and the learner continues from θ_meta. */
  end(): void {
    this.k++;
    if (this.k < this.config.inner) return;
    this.groups.forEach((g, i) => {
      g.params.set(reptileStep(this.meta[i]!, g.params, this.config.metaLr));
      g.paramsChanged();
    });
    this.k = 0;
    this.epochs++;
    if (this.offline) this.offlineEpochs++;
  }

  metrics(): Record<string, number> {
    return { metaEpochs: this.epochs, metaOfflineShare: this.epochs ? this.offlineEpochs / this.epochs : 0 };
  }

  saveState(): { json: { k: number; offline: boolean; epochs: number; offlineEpochs: number }; arrays: Record<string, Float32Array> } {
    return { json: { k: this.k, offline: this.offline, epochs: this.epochs, offlineEpochs: this.offlineEpochs }, arrays: Object.fromEntries(this.meta.map((m, i) => [`meta${i}`, m.slice()])) };
  }

  loadState(json: { k: number; offline: boolean; epochs: number; offlineEpochs: number } | undefined, arrays: Record<string, unknown>): void {
    if (!json) throw new Error("MOORL: the checkpoint holds no meta-schedule state; was it saved from a run with rl.data.meta(...)?");
    this.k = json.k;
    this.offline = json.offline;
    this.epochs = json.epochs;
    this.offlineEpochs = json.offlineEpochs;
    this.meta.forEach((m, i) => m.set(arrays[`meta${i}`] as Float32Array));
  }
}
