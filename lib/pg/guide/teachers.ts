/**
 * AMPO's multi-teacher guidance (Yuan et al. 2025, arXiv 2510.02227; the
 * official `mix_dapo_trainer.py`, `reward_manager/prob.py`,
 * `mix_core_alg.py`): when none of a group's own samples is correct, up to k
 * of its wrong samples are replaced by teacher solutions, chosen by how well
 * the student "understands" each one, and the teacher tokens are trained
 * with a shaped likelihood instead of a ratio.
 */

/**
 * How well the student follows teacher solution j: the mean probability the
 * student gives the ground-truth answer tokens after the teacher's reasoning,
 *
 *   score_j = (1 − c_f) · max(0, mean_m π(a_m | q, reasoning_j, a_<m) − scoreA) + c_f · format_j
 *
 * with c_f = 0.1 and scoreA = 0 (the released defaults).
 */
export function comprehensionScore(answerTokenProbs: ArrayLike<number>, format: boolean | number, options: { formatCoef?: number; baseline?: number } = {}): number {
  const cf = options.formatCoef ?? 0.1;
  const base = options.baseline ?? 0;
  const n = answerTokenProbs.length;
  if (n === 0) throw new RangeError("comprehensionScore: the answer has no tokens");
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const p = answerTokenProbs[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`comprehensionScore: answer token ${i} has probability ${p}, expected one in [0, 1]`);
    mean += p / n;
  }
  return (1 - cf) * Math.max(0, mean - base) + cf * Number(format);
}

/** Indices of the `k` best scores, best first; ties keep the earlier index first (a stable order, so runs reproduce). */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`topK: k must be a non-negative integer, got ${k}`);
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

/** AMPO's gate: inject teacher solutions only when no own sample of the group is correct. */
export function needsTeachers(correct: ArrayLike<boolean | number>): boolean {
  for (let i = 0; i < correct.length; i++) if (Number(correct[i]) > 0) return false;
  return true;
}

/**
 * The shaped likelihood of an off-policy (teacher) token, f(p) = p / (p + c)
 * with p = π_θ(token) and c = 0.1: its loss is −Â · f(p), and
 *
 *   ∂f/∂log p = p · c / (p + c)²
 *
 * (unlike log-likelihood, whose gradient is 1 for every token, low-probability
 * tokens get relatively more weight than confident ones, which saturate).
 */
export function shapedLikelihood(logp: number, c = 0.1): { value: number; dLogp: number } {
  const p = Math.exp(logp);
  const s = p + c;
  return { value: p / s, dLogp: (p * c) / (s * s) };
}
