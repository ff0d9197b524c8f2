/**
 * One-step temporal-difference targets for Q-learning over a batch of B
 * transitions with K discrete actions (rows of `batch × K` Q-values):
 *
 *   DQN (Mnih et al. 2015):        y = r + γ (1 − term) max_a Q_target(s', a)
 *   Double DQN (van Hasselt 2016): y = r + γ (1 − term) Q_target(s', argmax_a Q_online(s', a))
 *
 * `terminated` is 1 only for true terminal states: a time-limit truncation
 * still bootstraps (the replay buffer stores the real final observation as s').
 * Pass `nextQOnline` to get the double-Q target; ties in the argmax take the
 * first action (as torch.argmax). Writes into `out` and returns it.
 */
export interface TdTargetInput {
  readonly rewards: Float32Array;
  readonly terminated: ArrayLike<number>;
  /** Q_target(s', ·), `batch × numActions`. */
  readonly nextQTarget: Float32Array;
  /** Q_online(s', ·) for double Q-learning; omit for the max of the target network. */
  readonly nextQOnline?: Float32Array | undefined;
  readonly numActions: number;
  readonly gamma: number;
}

export function tdTargets(input: TdTargetInput, out: Float32Array = new Float32Array(input.rewards.length)): Float32Array {
  const { rewards, terminated, nextQTarget, nextQOnline, numActions: k, gamma } = input;
  const batch = rewards.length;
  if (terminated.length < batch || nextQTarget.length < batch * k || (nextQOnline && nextQOnline.length < batch * k)) {
    throw new RangeError(`tdTargets: ${batch} rewards need ${batch} terminated flags and ${batch}×${k} next Q-values`);
  }
  for (let b = 0; b < batch; b++) {
    const o = b * k;
    let next: number;
    if (nextQOnline) {
      let best = 0;
      for (let j = 1; j < k; j++) if (nextQOnline[o + j]! > nextQOnline[o + best]!) best = j;
      next = nextQTarget[o + best]!;
    } else {
      next = nextQTarget[o]!;
      for (let j = 1; j < k; j++) if (nextQTarget[o + j]! > next) next = nextQTarget[o + j]!;
    }
    out[b] = rewards[b]! + gamma * (1 - terminated[b]!) * next;
  }
  return out;
}

/** Regression loss of Q(s, a) on its target: "mse" (CleanRL's F.mse_loss) or "huber" (torch's smooth_l1 with δ, SB3's choice). */
export type QLossKind = "mse" | "huber";

export interface QLossResult {
  /** Mean loss over the batch. */
  readonly loss: number;
  /** Mean Q(s, a) of the taken actions (CleanRL's `losses/q_values`). */
  readonly meanQ: number;
}

/**
 * Loss of the taken actions' Q-values against fixed targets, and its
 * gradient w.r.t. the whole `batch × K` Q output (only the taken action's
 * column is non-zero), written into `dQ`:
 *
 *   x_b = Q(s_b, a_b) − y_b
 *   mse:   L = (1/B) Σ x²,                              ∂L/∂Q(s_b, a_b) = 2 x_b / B
 *   huber: L = (1/B) Σ (|x| < δ ? ½x² : δ(|x| − ½δ)),   ∂L/∂Q(s_b, a_b) = clip(x_b, −δ, δ) / B
 *
 * With `weights`, row b's loss and gradient are multiplied by w_b (H2O's
 * dynamics-gap weights on simulated transitions).
 */
export function qRegressionLoss(
  q: Float32Array,
  actions: ArrayLike<number>,
  targets: Float32Array,
  numActions: number,
  dQ: Float32Array,
  kind: QLossKind = "mse",
  delta = 1,
  weights?: Float32Array,
): QLossResult {
  const k = numActions;
  const batch = targets.length;
  const inv = 1 / batch;
  let loss = 0;
  let sumQ = 0;
  dQ.fill(0, 0, batch * k);
  for (let b = 0; b < batch; b++) {
    const i = b * k + actions[b]!;
    const qa = q[i]!;
    const x = qa - targets[b]!;
    const w = weights ? weights[b]! : 1;
    sumQ += qa;
    if (kind === "mse") {
      loss += w * x * x;
      dQ[i] = 2 * w * x * inv;
    } else {
      const ax = Math.abs(x);
      loss += w * (ax < delta ? 0.5 * x * x : delta * (ax - 0.5 * delta));
      dQ[i] = w * (x > delta ? delta : x < -delta ? -delta : x) * inv;
    }
  }
  return { loss: loss * inv, meanQ: sumQ * inv };
}
