/**
 * The three losses of soft actor-critic with twin critics and automatic
 * entropy tuning (Haarnoja et al. 2018, "SAC: Algorithms and Applications",
 * eq. 5–7, 17–18; Fujimoto et al. 2018 for the clipped double Q), in
 * CleanRL's `sac_continuous_action.py` form. Each returns its value and
 * writes its gradient w.r.t. what the networks output.
 */

/**
 * Soft TD targets with the clipped double-Q of the target critics, for
 * a' ~ π(·|s') and its log-probability:
 *
 *   y = r + γ (1 − term) (min(Q1'(s', a'), Q2'(s', a')) − α log π(a'|s'))
 *
 * Only termination stops bootstrapping (truncated episodes store their real s').
 */
export function softQTargets(
  input: {
    readonly rewards: Float32Array;
    readonly terminated: ArrayLike<number>;
    readonly q1Next: Float32Array;
    readonly q2Next: Float32Array;
    readonly nextLogp: Float32Array;
    readonly alpha: number;
    readonly gamma: number;
  },
  out: Float32Array = new Float32Array(input.rewards.length),
): Float32Array {
  const { rewards, terminated, q1Next, q2Next, nextLogp, alpha, gamma } = input;
  for (let b = 0; b < rewards.length; b++) {
    const minQ = Math.min(q1Next[b]!, q2Next[b]!);
    out[b] = rewards[b]! + gamma * (1 - terminated[b]!) * (minQ - alpha * nextLogp[b]!);
  }
  return out;
}

/**
 * Both critics' MSE against the shared targets (CleanRL: qf_loss = qf1_loss + qf2_loss):
 *
 *   L_k = (1/B) Σ (Q_k(s, a) − y)²,   ∂L_k/∂Q_k = 2 (Q_k − y) / B  (into dQ1, dQ2)
 */
export function twinQLoss(
  q1: Float32Array,
  q2: Float32Array,
  targets: Float32Array,
  dQ1: Float32Array,
  dQ2: Float32Array,
): { q1Loss: number; q2Loss: number; q1Mean: number; q2Mean: number } {
  const n = targets.length;
  const inv = 1 / n;
  let l1 = 0;
  let l2 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let b = 0; b < n; b++) {
    const x1 = q1[b]! - targets[b]!;
    const x2 = q2[b]! - targets[b]!;
    l1 += x1 * x1;
    l2 += x2 * x2;
    m1 += q1[b]!;
    m2 += q2[b]!;
    dQ1[b] = 2 * x1 * inv;
    dQ2[b] = 2 * x2 * inv;
  }
  return { q1Loss: l1 * inv, q2Loss: l2 * inv, q1Mean: m1 * inv, q2Mean: m2 * inv };
}

/**
 * The actor loss for reparameterized actions a = f(ε; s):
 *
 *   L = (1/B) Σ (α log π(a|s) − min(Q1(s, a), Q2(s, a)))
 *
 * Writes ∂L/∂log π = α/B into `dLogp` and ∂L/∂Q_k = −1/B into `dQ1`/`dQ2`
 * for the critic that is the minimum (−1/(2B) each on a tie, as torch.minimum).
 * The caller backpropagates dQ_k through critic k to the action input
 * (`Network.backward(dQ_k, dInput)`) to get ∂L/∂a.
 */
export function sacActorLoss(
  logp: Float32Array,
  q1: Float32Array,
  q2: Float32Array,
  alpha: number,
  dLogp: Float32Array,
  dQ1: Float32Array,
  dQ2: Float32Array,
): number {
  const n = logp.length;
  const inv = 1 / n;
  let loss = 0;
  for (let b = 0; b < n; b++) {
    const a = q1[b]!;
    const c = q2[b]!;
    loss += alpha * logp[b]! - Math.min(a, c);
    dLogp[b] = alpha * inv;
    dQ1[b] = a < c ? -inv : a === c ? -0.5 * inv : 0;
    dQ2[b] = c < a ? -inv : a === c ? -0.5 * inv : 0;
  }
  return loss * inv;
}

/**
 * The temperature loss of automatic entropy tuning, CleanRL's form
 * (log π from a fresh sample, without gradient to the actor):
 *
 *   L(log α) = (1/B) Σ −α (log π(a|s) + H̄),  α = exp(log α)
 *   ∂L/∂log α = L
 *
 * so α grows when the policy's entropy −log π falls below the target H̄ (−|A| by default).
 */
export function alphaLoss(logAlpha: number, logp: Float32Array, targetEntropy: number): { loss: number; grad: number } {
  const alpha = Math.exp(logAlpha);
  let s = 0;
  for (let b = 0; b < logp.length; b++) s += logp[b]! + targetEntropy;
  const loss = (-alpha * s) / logp.length;
  return { loss, grad: loss };
}
