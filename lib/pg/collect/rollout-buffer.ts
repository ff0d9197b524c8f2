/**
 * Time-major storage of one on-policy rollout: `numSteps × numEnvs` rows,
 * row `t * numEnvs + e`. Owned by the algorithm; its arrays are reused across
 * rollouts (no allocation in the training loop).
 */
export class RolloutBuffer {
  readonly size: number;
  readonly obs: Float32Array;
  readonly actions: Int32Array | Float32Array;
  readonly logp: Float32Array;
  readonly rewards: Float32Array;
  /** 1 where the observation of this row starts a new episode (previous step ended one). */
  readonly dones: Float32Array;
  readonly values: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** log π_ref(a|s) of each row (filled when the run has a reference policy). */
  readonly refLogp: Float32Array;
  /** The episode segment of each row: rows of one env copy between two episode starts share one id. */
  readonly segments: Int32Array;
  /** Next row to fill, 0 ≤ t < numSteps. */
  t = 0;

  constructor(
    readonly numSteps: number,
    readonly numEnvs: number,
    readonly obsSize: number,
    readonly actionSize: number,
    discrete: boolean,
  ) {
    this.size = numSteps * numEnvs;
    this.obs = new Float32Array(this.size * obsSize);
    this.actions = discrete ? new Int32Array(this.size) : new Float32Array(this.size * actionSize);
    this.logp = new Float32Array(this.size);
    this.rewards = new Float32Array(this.size);
    this.dones = new Float32Array(this.size);
    this.values = new Float32Array(this.size);
    this.advantages = new Float32Array(this.size);
    this.returns = new Float32Array(this.size);
    this.refLogp = new Float32Array(this.size);
    this.segments = new Int32Array(this.size);
  }

  /** Numbers the episode segments of the rollout (see {@link segments}) from `dones`. */
  markSegments(): Int32Array {
    const n = this.numEnvs;
    for (let e = 0; e < n; e++) {
      let id = e * (this.numSteps + 1);
      for (let t = 0; t < this.numSteps; t++) {
        const i = t * n + e;
        if (t > 0 && this.dones[i]) id++;
        this.segments[i] = id;
      }
    }
    return this.segments;
  }

  get full(): boolean {
    return this.t === this.numSteps;
  }

  /** Copies rows `idx[from..to)` of obs/actions and the per-row arrays into minibatch buffers. */
  gather(idx: Int32Array, from: number, to: number, mb: Minibatch, extras = false): void {
    const o = this.obsSize;
    const a = this.actionSize;
    for (let k = from; k < to; k++) {
      const i = idx[k]!;
      const r = k - from;
      mb.obs.set(this.obs.subarray(i * o, i * o + o), r * o);
      if (a === 1) mb.actions[r] = this.actions[i]!;
      else mb.actions.set(this.actions.subarray(i * a, i * a + a), r * a);
      mb.logp[r] = this.logp[i]!;
      mb.values[r] = this.values[i]!;
      mb.advantages[r] = this.advantages[i]!;
      mb.returns[r] = this.returns[i]!;
      if (extras) {
        mb.refLogp[r] = this.refLogp[i]!;
        mb.segments[r] = this.segments[i]!;
      }
    }
  }

  /** The arrays a checkpoint must keep to resume a half-filled rollout. */
  arrays(): Record<string, Float32Array | Int32Array> {
    return { obs: this.obs, actions: this.actions, logp: this.logp, rewards: this.rewards, dones: this.dones, values: this.values };
  }
}

/** Reusable minibatch buffers. */
export class Minibatch {
  readonly obs: Float32Array;
  readonly actions: Int32Array | Float32Array;
  readonly logp: Float32Array;
  readonly values: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  readonly refLogp: Float32Array;
  readonly segments: Int32Array;

  constructor(readonly size: number, obsSize: number, actionSize: number, discrete: boolean) {
    this.obs = new Float32Array(size * obsSize);
    this.actions = discrete ? new Int32Array(size) : new Float32Array(size * actionSize);
    this.logp = new Float32Array(size);
    this.values = new Float32Array(size);
    this.advantages = new Float32Array(size);
    this.returns = new Float32Array(size);
    this.refLogp = new Float32Array(size);
    this.segments = new Int32Array(size);
  }
}
