/**
 * GHPO's staged hints (Liu et al. 2025, arXiv 2507.10628; the official
 * trainer's `_generate_and_score_completions`): a prompt whose whole group
 * failed is posed again with the first ω_k of its reference solution
 * appended, for ω = 0.25, 0.5, 0.75 in turn, until a group has a success.
 */

/** The stage fractions of GHPO's trainer (its config's `hint_ratio` is not used by the code). */
export const GHPO_STAGES: readonly number[] = [0.25, 0.5, 0.75];

/**
 * x rounded to the nearest integer, ties to the even one (Python's `round`,
 * which GHPO's trainer applies to ω·len(h)): 2.5 → 2, 10.5 → 10, 3.5 → 4.
 */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`roundHalfEven: expected a finite number, got ${x}`);
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Characters of a reference solution of `length` characters that stage fraction `fraction` reveals: round(ω·len), ties to even. */
export function hintLength(length: number, fraction: number): number {
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`hintLength: length must be a non-negative integer, got ${length}`);
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`hintLength: fraction must be in [0, 1], got ${fraction}`);
  return roundHalfEven(fraction * length);
}

/** The hint of one stage: the first round(ω·len) characters of `solution`. */
export function solutionHint(solution: string, fraction: number): string {
  return solution.slice(0, hintLength(solution.length, fraction));
}

/** Whether a group failed throughout (GHPO's hard(q): every accuracy ≤ 0), so it is posed again with a hint. */
export function allFailed(correct: ArrayLike<boolean | number>): boolean {
  for (let i = 0; i < correct.length; i++) if (Number(correct[i]) > 0) return false;
  return correct.length > 0;
}
