/**
 * The squashed Gaussian policy of SAC (Haarnoja et al. 2018, appendix C),
 * as CleanRL's `sac_continuous_action.py` builds it, for a batch of rows
 * with `d` action dimensions:
 *
 *   actor output row = [m_1 … m_d, s_1 … s_d]     (means, raw log σ)
 *   log σ = lo + ½ (hi − lo) (tanh(s) + 1)        (squashed into [lo, hi] = [−5, 2])
 *   u = μ + σ ε,  ε ~ N(0, I)                      (reparameterized)
 *   y = tanh(u),  a = scale · y + bias             (scale = (high − low)/2, bias = (high + low)/2)
 *   log π(a|s) = Σ_j [ log N(u_j; μ_j, σ_j) − log(scale_j (1 − y_j²) + 1e-6) ]
 *
 * With ε held fixed (the reparameterization trick), the pieces a loss needs are
 *
 *   ∂a_j/∂μ_j = scale_j (1 − y_j²),            ∂a_j/∂log σ_j = scale_j (1 − y_j²) σ_j ε_j
 *   ∂log π/∂μ_j = 2 y_j scale_j (1 − y_j²) / c_j,   c_j = scale_j (1 − y_j²) + 1e-6
 *   ∂log π/∂log σ_j = −1 + σ_j ε_j · ∂log π/∂μ_j
 *
 * (the Gaussian term −ε²/2 − log σ − ½ log 2π depends on μ and σ only through
 * −log σ once ε is fixed). All functions are pure and write into caller arrays.
 */

/** CleanRL's LOG_STD_MIN / LOG_STD_MAX. */
export const LOG_STD_MIN = -5;
export const LOG_STD_MAX = 2;
/** Added inside the tanh-correction log (CleanRL / SpinningUp). */
export const TANH_EPS = 1e-6;

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Splits actor outputs (`batch × 2d`) into means and squashed log σ
 * (`batch × d` each).
 */
export function splitActorOutput(
  raw: Float32Array,
  batch: number,
  d: number,
  mean: Float32Array,
  logStd: Float32Array,
  lo = LOG_STD_MIN,
  hi = LOG_STD_MAX,
): void {
  const half = 0.5 * (hi - lo);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < d; j++) {
      mean[b * d + j] = raw[b * 2 * d + j]!;
      logStd[b * d + j] = lo + half * (Math.tanh(raw[b * 2 * d + d + j]!) + 1);
    }
  }
}

/**
 * Chains d loss/d μ and d loss/d log σ back to the raw actor outputs
 * (`dRaw`, `batch × 2d`, overwritten): ∂log σ/∂s = ½ (hi − lo)(1 − tanh²(s)).
 */
export function actorOutputBackward(
  raw: Float32Array,
  batch: number,
  d: number,
  dMean: Float32Array,
  dLogStd: Float32Array,
  dRaw: Float32Array,
  lo = LOG_STD_MIN,
  hi = LOG_STD_MAX,
): Float32Array {
  const half = 0.5 * (hi - lo);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < d; j++) {
      const t = Math.tanh(raw[b * 2 * d + d + j]!);
      dRaw[b * 2 * d + j] = dMean[b * d + j]!;
      dRaw[b * 2 * d + d + j] = dLogStd[b * d + j]! * half * (1 - t * t);
    }
  }
  return dRaw;
}

/** Action scale and offset that map tanh's (−1, 1) onto a box [low, high]. */
export function actionScaling(low: ArrayLike<number>, high: ArrayLike<number>): { scale: Float32Array; bias: Float32Array } {
  const d = low.length;
  const scale = new Float32Array(d);
  const bias = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    if (!Number.isFinite(low[j]!) || !Number.isFinite(high[j]!)) {
      throw new RangeError(`a tanh-squashed policy needs finite action bounds; dimension ${j} is [${low[j]}, ${high[j]}]`);
    }
    scale[j] = (high[j]! - low[j]!) / 2;
    bias[j] = (high[j]! + low[j]!) / 2;
  }
  return { scale, bias };
}

/**
 * Reparameterized samples for given noise `eps` (`batch × d`): actions
 * `a = scale · tanh(μ + σ ε) + bias` into `actions` and log π(a|s) (summed
 * over dimensions) into `logp`.
 */
export function tanhGaussianSample(
  mean: Float32Array,
  logStd: Float32Array,
  eps: Float32Array,
  batch: number,
  d: number,
  scale: Float32Array,
  bias: Float32Array,
  actions: Float32Array,
  logp: Float32Array,
): void {
  for (let b = 0; b < batch; b++) {
    let lp = 0;
    for (let j = 0; j < d; j++) {
      const i = b * d + j;
      const ls = logStd[i]!;
      const e = eps[i]!;
      const y = Math.tanh(mean[i]! + Math.exp(ls) * e);
      actions[i] = scale[j]! * y + bias[j]!;
      lp += -0.5 * e * e - ls - HALF_LOG_2PI - Math.log(scale[j]! * (1 - y * y) + TANH_EPS);
    }
    logp[b] = lp;
  }
}

/** The deterministic (evaluation) action `scale · tanh(μ) + bias`. */
export function tanhGaussianMode(mean: Float32Array, batch: number, d: number, scale: Float32Array, bias: Float32Array, actions: Float32Array | Int32Array): void {
  for (let b = 0; b < batch; b++) for (let j = 0; j < d; j++) actions[b * d + j] = scale[j]! * Math.tanh(mean[b * d + j]!) + bias[j]!;
}

/**
 * Gradients, through the reparameterized sample of the same `eps`, of
 *
 *   L = Σ_b dLogp[b] · log π(a_b|s_b) + Σ_{b,j} dAction[b,j] · a_{b,j}
 *
 * w.r.t. μ (into `dMean`) and log σ (into `dLogStd`), both `batch × d`,
 * overwritten. `dAction` may be null (no dependence on a besides log π).
 */
export function tanhGaussianBackward(
  mean: Float32Array,
  logStd: Float32Array,
  eps: Float32Array,
  batch: number,
  d: number,
  scale: Float32Array,
  dLogp: Float32Array,
  dAction: Float32Array | null,
  dMean: Float32Array,
  dLogStd: Float32Array,
): void {
  for (let b = 0; b < batch; b++) {
    const gl = dLogp[b]!;
    for (let j = 0; j < d; j++) {
      const i = b * d + j;
      const sigma = Math.exp(logStd[i]!);
      const e = eps[i]!;
      const y = Math.tanh(mean[i]! + sigma * e);
      const s = scale[j]!;
      const oneMinusY2 = 1 - y * y;
      const dLogpDu = (2 * y * s * oneMinusY2) / (s * oneMinusY2 + TANH_EPS);
      const dADu = s * oneMinusY2;
      const dU = gl * dLogpDu + (dAction ? dAction[i]! * dADu : 0);
      dMean[i] = dU;
      dLogStd[i] = dU * sigma * e - gl;
    }
  }
}
