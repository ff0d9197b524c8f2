/**
 * Generalized Advantage Estimation (Schulman et al. 2016, eq. 11–16) over a
 * time-major rollout of `numEnvs` parallel envs: index `t * numEnvs + e`.
 *
 *   δ_t = r_t + γ V(s_{t+1}) (1 − d_{t+1}) − V(s_t)
 *   Â_t = δ_t + γ λ (1 − d_{t+1}) Â_{t+1}
 *   R_t = Â_t + V(s_t)
 *
 * `dones[t]` marks that the observation at step t *starts* after an episode
 * boundary (CleanRL's convention: done of the previous step), and `nextDone`
 * / `nextValue` describe the observation after the last step.
 */
export interface GaeInput {
  readonly rewards: Float32Array;
  readonly values: Float32Array;
  readonly dones: Float32Array | Uint8Array;
  readonly nextValue: Float32Array;
  readonly nextDone: Float32Array | Uint8Array;
  readonly numEnvs: number;
  readonly gamma: number;
  readonly lambda: number;
}

export interface GaeOutput {
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
}

/** GAE(γ, λ) advantages and λ-returns; allocates the two outputs. */
export function generalizedAdvantages(input: GaeInput, out?: GaeOutput): GaeOutput {
  const { rewards, values, dones, nextValue, nextDone, numEnvs: n, gamma, lambda } = input;
  const size = rewards.length;
  if (values.length !== size || dones.length !== size) {
    throw new RangeError(`GAE needs rewards, values and dones of equal length, got ${size}, ${values.length}, ${dones.length}`);
  }
  if (size % n !== 0 || nextValue.length !== n || nextDone.length !== n) {
    throw new RangeError(`GAE: rollout length ${size} must be a multiple of numEnvs ${n}, with nextValue/nextDone of length ${n}`);
  }
  const steps = size / n;
  const advantages = out?.advantages ?? new Float32Array(size);
  const returns = out?.returns ?? new Float32Array(size);
  for (let e = 0; e < n; e++) {
    let lastGae = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const i = t * n + e;
      let notDone: number;
      let next: number;
      if (t === steps - 1) {
        notDone = 1 - nextDone[e]!;
        next = nextValue[e]!;
      } else {
        notDone = 1 - dones[i + n]!;
        next = values[i + n]!;
      }
      const delta = rewards[i]! + gamma * next * notDone - values[i]!;
      lastGae = delta + gamma * lambda * notDone * lastGae;
      advantages[i] = lastGae;
      returns[i] = lastGae + values[i]!;
    }
  }
  return { advantages, returns };
}

/**
 * Discounted returns G_t = r_t + γ (1 − d_{t+1}) G_{t+1}, bootstrapped from
 * `nextValue` after the last step (pass zeros for Monte-Carlo returns of
 * complete episodes). Same layout and `dones` convention as {@link generalizedAdvantages}.
 */
export function discountedReturns(
  input: Omit<GaeInput, "values" | "lambda">,
  out: Float32Array = new Float32Array(input.rewards.length),
): Float32Array {
  const { rewards, dones, nextValue, nextDone, numEnvs: n, gamma } = input;
  const steps = rewards.length / n;
  for (let e = 0; e < n; e++) {
    let g = nextValue[e]!;
    for (let t = steps - 1; t >= 0; t--) {
      const i = t * n + e;
      const notDone = t === steps - 1 ? 1 - nextDone[e]! : 1 - dones[i + n]!;
      g = rewards[i]! + gamma * notDone * g;
      out[i] = g;
    }
  }
  return out;
}

/** Normalizes `x[idx]` in place to zero mean, unit std (unbiased std as torch, + eps). */
export function normalizeInPlace(x: Float32Array, eps = 1e-8): Float32Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - mean) ** 2;
  const std = Math.sqrt(ss / Math.max(1, n - 1));
  const inv = 1 / (std + eps);
  for (let i = 0; i < n; i++) x[i] = (x[i]! - mean) * inv;
  return x;
}

/** Explained variance 1 − Var[y − ŷ] / Var[y] (NaN when Var[y] = 0), as CleanRL logs it. */
export function explainedVariance(predicted: Float32Array, target: Float32Array): number {
  const n = target.length;
  let my = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    my += target[i]!;
    md += target[i]! - predicted[i]!;
  }
  my /= n;
  md /= n;
  let vy = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vy += (target[i]! - my) ** 2;
    vd += (target[i]! - predicted[i]! - md) ** 2;
  }
  return vy === 0 ? NaN : 1 - vd / vy;
}
