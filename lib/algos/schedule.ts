/**
 * CleanRL's `linear_schedule(start_e, end_e, duration, t)`: a straight line
 * from `start` at t = 0 to `end` at t = `duration`, constant afterwards.
 *
 *   value(t) = start + (end − start) · min(t, duration) / duration
 *
 * `duration` ≤ 0 gives `end` at every t. Used for DQN's ε (1 → 0.05 over
 * half the run); t is in env steps summed over copies.
 */
export function linearSchedule(start: number, end: number, duration: number, t: number): number {
  if (!(duration > 0)) return end;
  const frac = Math.min(Math.max(t, 0), duration) / duration;
  return start + (end - start) * frac;
}
