/**
 * Losses of the offline Q-learning methods (CQL, IQL) over discrete actions,
 * each a pure function of network outputs that also writes its gradient.
 */

export interface CqlPenaltyResult {
  /** Mean over the batch of logsumexp_a Q(s, a) − Q(s, a_data). */
  readonly penalty: number;
  /** Mean logsumexp_a Q(s, a) (the soft maximum pushed down). */
  readonly meanLogsumexp: number;
  /** Mean Q(s, a_data) (the dataset actions' values pushed up). */
  readonly meanDataQ: number;
}

/**
 * The CQL(H) regularizer of Kumar et al. 2020 (eq. 4) for discrete actions:
 *
 *   P = (1/B) Σ_b [ log Σ_a exp Q(s_b, a) − Q(s_b, a_b) ]
 *   ∂P/∂Q(s_b, a) = (softmax(Q(s_b, ·))_a − 1[a = a_b]) / B
 *
 * `qValues` holds `batch × numActions` rows; the gradient is written into
 * `dOut` (overwritten, same layout). The logsumexp is computed stably
 * (shifted by the row maximum).
 */
export function cqlPenalty(
  qValues: Float32Array,
  batch: number,
  numActions: number,
  actions: ArrayLike<number>,
  dOut: Float32Array,
): CqlPenaltyResult {
  const k = numActions;
  if (qValues.length < batch * k || dOut.length < batch * k || actions.length < batch) {
    throw new RangeError(`cqlPenalty: ${batch} rows of ${k} actions need ${batch * k} Q-values, ${batch} actions and a ${batch * k} gradient`);
  }
  const inv = 1 / batch;
  let lseSum = 0;
  let dataSum = 0;
  for (let b = 0; b < batch; b++) {
    const o = b * k;
    let max = qValues[o]!;
    for (let j = 1; j < k; j++) if (qValues[o + j]! > max) max = qValues[o + j]!;
    let z = 0;
    for (let j = 0; j < k; j++) z += Math.exp(qValues[o + j]! - max);
    const lse = max + Math.log(z);
    const a = actions[b]!;
    if (!(a >= 0 && a < k)) throw new RangeError(`cqlPenalty: action ${a} of row ${b} is outside 0..${k - 1}`);
    lseSum += lse;
    dataSum += qValues[o + a]!;
    for (let j = 0; j < k; j++) dOut[o + j] = (Math.exp(qValues[o + j]! - lse) - (j === a ? 1 : 0)) * inv;
  }
  return { penalty: (lseSum - dataSum) * inv, meanLogsumexp: lseSum * inv, meanDataQ: dataSum * inv };
}

export interface ExpectileLossResult {
  /** Mean over the batch of L₂^τ(u) = |τ − 1[u < 0]| u², u = target − v. */
  readonly loss: number;
}

/**
 * The expectile regression loss of IQL (Kostrikov et al. 2021, eq. 5):
 *
 *   u_b = target_b − v_b,   L = (1/B) Σ_b |τ − 1[u_b < 0]| u_b²
 *   ∂L/∂v_b = −2 |τ − 1[u_b < 0]| u_b / B
 *
 * `targets` (Q_target(s, a) of the dataset actions) are constants; the
 * gradient w.r.t. the value outputs `v` is written into `dV`.
 */
export function expectileLoss(v: Float32Array, targets: Float32Array, tau: number, dV: Float32Array): ExpectileLossResult {
  const batch = targets.length;
  if (v.length < batch || dV.length < batch) throw new RangeError(`expectileLoss: ${batch} targets need ${batch} values and gradients`);
  const inv = 1 / batch;
  let loss = 0;
  for (let b = 0; b < batch; b++) {
    const u = targets[b]! - v[b]!;
    const w = u < 0 ? 1 - tau : tau;
    loss += w * u * u;
    dV[b] = -2 * w * u * inv;
  }
  return { loss: loss * inv };
}

/**
 * Advantage weights of IQL's policy extraction (advantage-weighted
 * regression): w_b = min(exp(β (Q(s_b, a_b) − V(s_b))), maxWeight).
 * Writes into `out` and returns it.
 */
export function awrWeights(qData: Float32Array, v: Float32Array, beta: number, maxWeight: number, out: Float32Array = new Float32Array(qData.length)): Float32Array {
  for (let b = 0; b < qData.length; b++) out[b] = Math.min(Math.exp(beta * (qData[b]! - v[b]!)), maxWeight);
  return out;
}

export interface SampledLogsumexpResult {
  /** Mean over the batch of the importance-sampled log ∫ exp Q(s, a) da. */
  readonly meanLogsumexp: number;
}

/**
 * The soft maximum of continuous-action CQL(H) (Kumar et al. 2020, appendix F),
 * estimated by importance sampling: for each state s_b, M actions a_bm drawn
 * from proposals with log-densities log q_bm (uniform over the action box,
 * π(·|s), π(·|s′)),
 *
 *   lse_b = log (1/M) Σ_m exp(Q(s_b, a_bm) − log q_bm)  ≈  log ∫ exp Q(s_b, a) da
 *   ∂(mean_b lse_b)/∂Q(s_b, a_bm) = softmax_m(Q(s_b, a_bm) − log q_bm) / B
 *
 * `qSampled` and `logDensity` hold `batch × m` rows (row-major by state); the
 * gradient is written into `dQ` (same layout). The CQL penalty is this mean
 * minus the mean Q(s, a_data) of the dataset actions.
 */
export function sampledLogsumexp(qSampled: Float32Array, logDensity: Float32Array, batch: number, m: number, dQ: Float32Array): SampledLogsumexpResult {
  if (qSampled.length < batch * m || logDensity.length < batch * m || dQ.length < batch * m) {
    throw new RangeError(`sampledLogsumexp: ${batch} states × ${m} actions need ${batch * m} Q-values, log-densities and gradients`);
  }
  const inv = 1 / batch;
  const logM = Math.log(m);
  let sum = 0;
  for (let b = 0; b < batch; b++) {
    const o = b * m;
    let max = -Infinity;
    for (let j = 0; j < m; j++) max = Math.max(max, qSampled[o + j]! - logDensity[o + j]!);
    let z = 0;
    for (let j = 0; j < m; j++) z += Math.exp(qSampled[o + j]! - logDensity[o + j]! - max);
    const lse = max + Math.log(z);
    sum += lse - logM;
    for (let j = 0; j < m; j++) dQ[o + j] = Math.exp(qSampled[o + j]! - logDensity[o + j]! - lse) * inv;
  }
  return { meanLogsumexp: sum * inv };
}
