/**
 * pass@k with the unbiased estimator of Chen et al. 2021 ("Evaluating Large
 * Language Models Trained on Code", eq. 1): with n samples of which c are
 * correct, the probability that at least one of k drawn without replacement
 * is correct,
 *
 *   pass@k = 1 − C(n − c, k) / C(n, k) = 1 − Π_{i = n−c+1}^{n} (1 − k / i)
 *
 * (the product form avoids huge binomials). Needs 1 ≤ k ≤ n and 0 ≤ c ≤ n.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 1 || k < 1 || k > n || c < 0 || c > n) {
    throw new RangeError(`passAtK: expected integers 1 ≤ k ≤ n and 0 ≤ c ≤ n, got n = ${n}, c = ${c}, k = ${k}`);
  }
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/**
 * maj@k: whether the most frequent answer among the first k samples is
 * correct (of tied answers, the one that reached the top count first wins). `answers[i]` is sample i's
 * extracted answer (null: none could be extracted), `isCorrect` judges one.
 */
export function majorityAtK(answers: readonly (string | null)[], k: number, isCorrect: (answer: string) => boolean): boolean {
  if (!Number.isInteger(k) || k < 1 || k > answers.length) throw new RangeError(`majorityAtK: expected 1 ≤ k ≤ ${answers.length} samples, got k = ${k}`);
  const counts = new Map<string, number>();
  let best: string | null = null;
  let bestCount = 0;
  for (let i = 0; i < k; i++) {
    const a = answers[i];
    if (a === null || a === undefined) continue;
    const n = (counts.get(a) ?? 0) + 1;
    counts.set(a, n);
    if (n > bestCount) [best, bestCount] = [a, n];
  }
  return best !== null && isCorrect(best);
}
