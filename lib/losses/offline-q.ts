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
