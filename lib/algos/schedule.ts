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

/**
 * How many integers k in [from, to) satisfy k > after and k % every === 0:
 * the number of CleanRL-style periodic events (`if global_step > learning_starts
 * and global_step % train_frequency == 0`) that fall into one vector-env step
 * which advanced the step counter from `from` to `to`.
 */
export function countDue(from: number, to: number, every: number, after: number): number {
  let n = 0;
  for (let k = Math.max(from, after + 1); k < to; k++) if (k % every === 0) n++;
  return n;
}
