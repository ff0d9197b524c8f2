import { makeMlp, mlpFromParams, type MlpNetwork } from "../../nn/mlp.js";
import { adamStep, makeAdamState, type AdamState } from "../../optim/adam.js";
import type { Rng } from "../../random/rng.js";

/**
 * V_c(s): the expected discounted cost from a state, a tanh MLP (64 × 64)
 * of its own, fitted by mean-squared regression to the cost returns of each
 * batch. A constrained learner credits costs with it as the reward critic
 * credits rewards.
 */
export class CostCritic {
  private net: MlpNetwork;
  private adam: AdamState;
  private x = new Float32Array(0);
  private y = new Float32Array(0);
  private d = new Float32Array(0);

  constructor(
    readonly obsSize: number,
    rng: Rng,
    private readonly lr: number,
  ) {
    this.net = makeMlp([obsSize, 64, 64, 1], { rng, lastGain: 1 });
    this.adam = makeAdamState(this.net.params.length);
  }

  /** V_c of `batch` observations into `out`. */
  values(obs: Float32Array, batch: number, out: Float32Array): Float32Array {
    const chunk = 4096;
    for (let start = 0; start < batch; start += chunk) {
      const m = Math.min(chunk, batch - start);
      out.set(this.net.predict(obs.subarray(start * this.obsSize, (start + m) * this.obsSize), m).subarray(0, m), start);
    }
    return out;
  }

  /** `epochs` passes of `minibatches` Adam steps on ½(V_c(s) − R_c)² over the rows; returns the last minibatch's loss. */
  fit(obs: Float32Array, returns: Float32Array, size: number, epochs: number, minibatches: number, rng: Rng): number {
    const d = this.obsSize;
    const mb = Math.max(1, Math.ceil(size / minibatches));
    if (this.x.length < mb * d) {
      this.x = new Float32Array(mb * d);
      this.y = new Float32Array(mb);
      this.d = new Float32Array(mb);
    }
    let loss = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const perm = rng.permutation(size);
      for (let start = 0; start < size; start += mb) {
        const m = Math.min(mb, size - start);
        for (let r = 0; r < m; r++) {
          const i = perm[start + r]!;
          this.x.set(obs.subarray(i * d, (i + 1) * d), r * d);
          this.y[r] = returns[i]!;
        }
        this.net.zeroGrads();
        const v = this.net.forward(this.x.subarray(0, m * d), m);
        loss = 0;
        for (let r = 0; r < m; r++) {
          const diff = v[r]! - this.y[r]!;
          loss += (0.5 * diff * diff) / m;
          this.d[r] = diff / m;
        }
        this.net.backward(this.d.subarray(0, m));
        adamStep(this.net.params, this.net.grads, this.adam, { lr: this.lr });
        this.net.paramsChanged();
      }
    }
    return loss;
  }

  save(): { params: Float32Array; m: Float32Array; v: Float32Array; t: number } {
    return { params: this.net.params.slice(), m: this.adam.m.slice(), v: this.adam.v.slice(), t: this.adam.t };
  }

  load(saved: { params: Float32Array; m: Float32Array; v: Float32Array; t: number }): void {
    if (saved.params.length !== this.net.params.length) throw new RangeError(`cost critic: the checkpoint holds ${saved.params.length} parameters, this one has ${this.net.params.length}`);
    const spec = this.net.spec as Parameters<typeof mlpFromParams>[0];
    this.net.dispose();
    this.net = mlpFromParams(spec, saved.params);
    this.adam = { m: saved.m.slice(), v: saved.v.slice(), t: saved.t };
  }

  dispose(): void {
    this.net.dispose();
  }
}
