/** Edit distance (insert, delete, substitute) between two strings, case-insensitive. */
function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The candidate nearest to `name`, or undefined when none is plausibly a typo of it. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    // A prefix ("cartpole" for "CartPole-v1") counts as about one edit away; the nearest such wins.
    const full = editDistance(name, c);
    const d = c.toLowerCase().startsWith(name.toLowerCase()) ? Math.min(full, 1 + full / 1000) : full;
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** ` Did you mean 'x'?` or an empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const best = closestName(name, candidates);
  return best === undefined ? "" : ` Did you mean '${best}'?`;
}

/**
 * Throws a TypeError naming every key of `options` that `what` does not take,
 * so a misspelt kwarg (`slipp: 0.2`) fails loudly instead of being ignored.
 */
export function rejectUnknownOptions(what: string, options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${what} has no option '${key}'.${didYouMean(key, allowed)} It takes: ${allowed.join(", ")}.`);
    }
  }
}
