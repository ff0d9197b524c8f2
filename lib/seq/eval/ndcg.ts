/**
 * NDCG of a ranking: the items sorted by `scores` (highest first; ties: the
 * lower index first) against graded `labels`, with gain 2^ψ − 1 and discount
 * 1/log₂(1 + rank) (rank 1-based), over the top `k` (default all):
 *
 *   DCG = Σ_{r ≤ k} (2^{ψ_(r)} − 1) / log₂(1 + r),   NDCG = DCG / DCG of the ideal order
 *
 * NaN when every gain is zero (no ranking is better than another).
 */
export function ndcg(scores: ArrayLike<number>, labels: ArrayLike<number>, k = scores.length): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`ndcg: ${n} scores and ${labels.length} labels`);
  if (n === 0) throw new RangeError("ndcg: an empty list");
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`ndcg: k must be a positive integer, got ${k}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(scores[i]!) || !Number.isFinite(labels[i]!)) throw new RangeError(`ndcg: item ${i} has score ${scores[i]} and label ${labels[i]}, expected finite numbers`);
  const dcg = (order: number[]) => order.slice(0, k).reduce((sum, item, r) => sum + (2 ** labels[item]! - 1) / Math.log2(2 + r), 0);
  const items = Array.from({ length: n }, (_, i) => i);
  const ideal = dcg([...items].sort((a, b) => labels[b]! - labels[a]! || a - b));
  if (ideal === 0) return NaN;
  return dcg([...items].sort((a, b) => scores[b]! - scores[a]! || a - b)) / ideal;
}
