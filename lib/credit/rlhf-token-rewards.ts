/**
 * Per-token rewards of RLHF-style PPO on a completion (PPO-max, "Secrets of
 * RLHF in Large Language Models Part I", arXiv 2307.04964; MOSS-RLHF's
 * `make_experiences`): a KL penalty to the SFT policy at every token and the
 * (scaled, optionally clipped) sequence score at the last one,
 *
 *   r_t = −η (log π(o_t) − log π_SFT(o_t)) + 1[t = T] · clip(score / scale, −c, c)
 *
 * then GAE over the tokens (`generalizedAdvantages` with one env) gives the
 * token advantages and the value head's targets.
 */
export function rlhfTokenRewards(logRatio: ArrayLike<number>, score: number, options: { eta: number; scale?: number; clip?: number | null }): Float32Array {
  const T = logRatio.length;
  if (T === 0) throw new RangeError("rlhfTokenRewards: a completion needs at least one token");
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new RangeError(`rlhfTokenRewards: scale must be > 0, got ${scale}`);
  const clip = options.clip ?? null;
  let s = score / scale;
  if (clip !== null) s = Math.max(-clip, Math.min(clip, s));
  const out = new Float32Array(T);
  for (let t = 0; t < T; t++) out[t] = -options.eta * logRatio[t]! + (t === T - 1 ? s : 0);
  return out;
}

/**
 * GAE over one completion's tokens with the critic's values V_t of the state
 * before each token and V_T = 0 after the last (the completion is over):
 *
 *   δ_t = r_t + γ V_{t+1} − V_t;  Â_t = δ_t + γλ Â_{t+1};  G_t = Â_t + V_t
 *
 * G_t is the value head's target. Computed in float64.
 */
export function completionGae(rewards: ArrayLike<number>, values: ArrayLike<number>, gamma: number, lambda: number): { advantages: Float32Array; returns: Float32Array } {
  const T = rewards.length;
  if (values.length !== T) throw new RangeError(`completionGae: ${T} rewards but ${values.length} values`);
  const advantages = new Float32Array(T);
  const returns = new Float32Array(T);
  let next = 0;
  let nextValue = 0;
  for (let t = T - 1; t >= 0; t--) {
    const delta = rewards[t]! + gamma * nextValue - values[t]!;
    next = delta + gamma * lambda * next;
    advantages[t] = next;
    returns[t] = next + values[t]!;
    nextValue = values[t]!;
  }
  return { advantages, returns };
}
