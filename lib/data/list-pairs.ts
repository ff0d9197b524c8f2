/**
 * The pairs of a graded list, as index pairs [better, worse]: every ordered
 * pair of different scores ("all"), or the best and the worst completion
 * ("best-worst"; none when all scores are equal). What pair losses, reward
 * models and `PreferenceData.pairs` train on.
 */
export function listPairs(scores: readonly number[], from: "all" | "best-worst"): [number, number][] {
  if (from === "all") {
    const out: [number, number][] = [];
    for (let i = 0; i < scores.length; i++) for (let j = 0; j < scores.length; j++) if (scores[i]! > scores[j]!) out.push([i, j]);
    return out;
  }
  let best = 0;
  let worst = 0;
  scores.forEach((s, k) => {
    if (s > scores[best]!) best = k;
    if (s < scores[worst]!) worst = k;
  });
  return scores[best]! > scores[worst]! ? [[best, worst]] : [];
}
