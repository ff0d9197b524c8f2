/**
 * Running mean and standard deviation of a stream of batches, merged with
 * Chan et al.'s parallel update (stable-baselines3's RunningMeanStd as
 * MOSS-RLHF's `RunningMoments` modifies it: the count starts at 1e-24, so
 * the first batch's moments are taken almost whole, and the std is the
 * unbiased one, √(var · n / (n − 1))). PPO-max scales sequence rewards by it.
 */
export interface Moments {
  readonly mean: number;
  /** Population variance of everything merged so far. */
  readonly variance: number;
  readonly count: number;
}

export const INITIAL_MOMENTS: Moments = Object.freeze({ mean: 0, variance: 1, count: 1e-24 });

/** `moments` with `batch` merged in (an empty batch leaves them as they are). */
export function mergeMoments(moments: Moments, batch: ArrayLike<number>): Moments {
  const n = batch.length;
  if (n === 0) return moments;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += batch[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (batch[i]! - mean) ** 2;
  variance /= n;
  const delta = mean - moments.mean;
  const total = moments.count + n;
  const sum = moments.variance * moments.count + (delta * delta * moments.count * n) / total + variance * n;
  return { mean: moments.mean + (delta * n) / total, variance: sum / total, count: total };
}

/** The unbiased standard deviation of what `moments` merged; NaN before two values. */
export function momentsStd(moments: Moments): number {
  return moments.count > 1 ? Math.sqrt((moments.variance * moments.count) / (moments.count - 1)) : NaN;
}

/** Whether `value` is a valid {@link Moments} (a checkpoint's, say): finite mean, variance ≥ 0, count > 0. */
export function isMoments(value: unknown): value is Moments {
  const m = value as Partial<Moments> | null;
  return typeof m === "object" && m !== null && Number.isFinite(m.mean) && Number.isFinite(m.variance) && m.variance! >= 0 && Number.isFinite(m.count) && m.count! > 0;
}
