/**
 * Temporal-difference credit over an EPISODE-MAJOR batch (layout and episode
 * ends as in `returns.ts`): V(s_{t+1}) of an episode's last step is 0 after
 * termination and `bootstrap[k]` after truncation or an unfinished end.
 *
 *   δ_t   = r_t + γ V(s_{t+1}) − V(s_t)                           (one-step TD error)
 *   G^λ_t = r_t + γ [(1 − λ) V(s_{t+1}) + λ G^λ_{t+1}],  G^λ_T = V(s_T)
 *
 * The second line is the recursive form of the λ-return (Sutton & Barto 2018,
 * eq. 12.3, G^λ_t = (1 − λ) Σ_n λ^{n−1} G_{t:t+n} + λ^{T−t−1} G_t), and
 * G^λ_t = Â^{GAE(γ,λ)}_t + V(s_t); {@link episodeAdvantages} computes the GAE
 * side with `gae.ts`.
 */
import { generalizedAdvantages } from "./gae.js";
import { episodeTailValues, type EpisodeBatch } from "./returns.js";

export interface ValuedEpisodeBatch extends EpisodeBatch {
  /** V(s_t) of each row. */
  readonly values: Float32Array | Float64Array;
  readonly gamma: number;
}

function checkValues(batch: ValuedEpisodeBatch, fn: string): Float64Array {
  if (batch.values.length !== batch.rewards.length) {
    throw new RangeError(`${fn}: values has ${batch.values.length} rows, rewards ${batch.rewards.length}`);
  }
  return episodeTailValues(batch, fn);
}

/** One-step TD errors δ_t; allocates `out` when absent. */
export function tdErrors(batch: ValuedEpisodeBatch, out: Float32Array = new Float32Array(batch.rewards.length)): Float32Array {
  const tail = checkValues(batch, "tdErrors");
  const { rewards, values, offsets, gamma } = batch;
  for (let k = 0; k < tail.length; k++) {
    const end = offsets[k + 1]!;
    for (let i = offsets[k]!; i < end; i++) {
      const next = i + 1 < end ? values[i + 1]! : tail[k]!;
      out[i] = rewards[i]! + gamma * next - values[i]!;
    }
  }
  return out;
}

/** TD(λ) targets (λ-returns) G^λ_t by the backward recursion; allocates `out` when absent. */
export function lambdaReturns(
  batch: ValuedEpisodeBatch & { readonly lambda: number },
  out: Float32Array = new Float32Array(batch.rewards.length),
): Float32Array {
  const tail = checkValues(batch, "lambdaReturns");
  const { rewards, values, offsets, gamma, lambda } = batch;
  for (let k = 0; k < tail.length; k++) {
    const end = offsets[k + 1]!;
    let g = tail[k]!; // G^λ_T = V(s_T)
    let nextV = tail[k]!;
    for (let i = end - 1; i >= offsets[k]!; i--) {
      g = rewards[i]! + gamma * ((1 - lambda) * nextV + lambda * g);
      out[i] = g;
      nextV = values[i]!;
    }
  }
  return out;
}

/**
 * GAE(γ, λ) advantages and λ-returns per episode, by `generalizedAdvantages`
 * of `gae.ts` run on each episode as a one-env rollout (writing into views of
 * the outputs). Allocates the outputs when absent.
 */
export function episodeAdvantages(
  batch: ValuedEpisodeBatch & { readonly lambda: number },
  out?: { advantages: Float32Array; returns: Float32Array },
): { advantages: Float32Array; returns: Float32Array } {
  const tail = checkValues(batch, "episodeAdvantages");
  const { rewards, values, offsets, terminated, gamma, lambda } = batch;
  const n = rewards.length;
  const advantages = out?.advantages ?? new Float32Array(n);
  const returns = out?.returns ?? new Float32Array(n);
  const r32 = rewards instanceof Float32Array ? rewards : Float32Array.from(rewards);
  const v32 = values instanceof Float32Array ? values : Float32Array.from(values);
  let longest = 0;
  for (let k = 0; k < tail.length; k++) longest = Math.max(longest, offsets[k + 1]! - offsets[k]!);
  const noDones = new Uint8Array(longest);
  const nextValue = new Float32Array(1);
  const nextDone = new Uint8Array(1);
  for (let k = 0; k < tail.length; k++) {
    const s = offsets[k]!;
    const e = offsets[k + 1]!;
    nextValue[0] = tail[k]!;
    nextDone[0] = terminated[e - 1] ? 1 : 0;
    generalizedAdvantages(
      { rewards: r32.subarray(s, e), values: v32.subarray(s, e), dones: noDones.subarray(0, e - s), nextValue, nextDone, numEnvs: 1, gamma, lambda },
      { advantages: advantages.subarray(s, e), returns: returns.subarray(s, e) },
    );
  }
  return { advantages, returns };
}
