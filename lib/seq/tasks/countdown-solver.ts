/**
 * Brute-force solver of Countdown puzzles: which values can be made from
 * given numbers with + − × ÷ on natural numbers (subtraction never below 0,
 * division exact), in the fewest operations, and how.
 *
 * Two rules for operands, as in `countdownTask`:
 * - `reuse: true` (default): each given number is used at most once, and a
 *   result of an earlier step can be an operand any number of times;
 * - `reuse: false` (classic Countdown): every number, given or computed, is
 *   used at most once (operands are consumed, the result joins the pool).
 *
 * Steps are written `a<op>b=c` with the larger operand first (`25*4=100`).
 * The search is breadth-first over the pools reachable in k operations, each
 * pool visited once, so the steps found for a value are a shortest way.
 */

/** One operation's text, e.g. `"25*4=100"`. */
export type CountdownStep = string;

export interface SolveOptions {
  /** Results of earlier steps may be used again (default true). */
  reuse?: boolean;
  /** Longest solutions searched, in operations (default: numbers − 1). */
  maxOps?: number;
}

interface Pool {
  /** Given numbers not used yet, ascending. */
  given: number[];
  /** Results that can be operands: with reuse, the set of all results so far; without, those not consumed yet. */
  made: number[];
  steps: CountdownStep[];
}

/** The results of `a op b` with a ≥ b, as [value, step text]; ×1, ÷1 and results of 0 are left out (they never shorten a solution). */
function combine(x: number, y: number): [number, CountdownStep][] {
  const a = Math.max(x, y);
  const b = Math.min(x, y);
  const out: [number, CountdownStep][] = [[a + b, `${a}+${b}=${a + b}`]];
  if (a > b) out.push([a - b, `${a}-${b}=${a - b}`]);
  if (b !== 1) {
    out.push([a * b, `${a}*${b}=${a * b}`]);
    if (b !== 0 && a % b === 0) out.push([a / b, `${a}/${b}=${a / b}`]);
  }
  return out.filter(([v]) => v > 0);
}

function insertSorted(values: readonly number[], v: number): number[] {
  const out = values.slice();
  let i = out.length;
  while (i > 0 && out[i - 1]! > v) i--;
  out.splice(i, 0, v);
  return out;
}

/**
 * Every value reachable from `numbers` in at most `maxOps` operations
 * (results only: the given numbers themselves are not listed unless made
 * again), each with a shortest list of steps.
 */
export function countdownReachable(numbers: readonly number[], options: SolveOptions = {}): Map<number, CountdownStep[]> {
  const reuse = options.reuse ?? true;
  const maxOps = options.maxOps ?? numbers.length - 1;
  const found = new Map<number, CountdownStep[]>();
  const seen = new Set<string>();
  let frontier: Pool[] = [{ given: [...numbers].sort((a, b) => a - b), made: [], steps: [] }];
  for (let depth = 0; depth < maxOps && frontier.length > 0; depth++) {
    const next: Pool[] = [];
    const visit = (pool: Pool) => {
      const key = pool.given.join(",") + "|" + pool.made.join(",");
      if (seen.has(key)) return;
      seen.add(key);
      next.push(pool);
    };
    for (const pool of frontier) {
      // Operands: each given number (one copy per distinct value at a time) and each made value.
      const { given, made } = pool;
      const operands: { v: number; given: boolean; index: number }[] = [];
      given.forEach((v, index) => operands.push({ v, given: true, index }));
      made.forEach((v, index) => operands.push({ v, given: false, index }));
      for (let i = 0; i < operands.length; i++) {
        // With reuse a made value can meet itself (x*x); a given number or a consumed value cannot.
        const selfPair = reuse && !operands[i]!.given;
        for (let j = selfPair ? i : i + 1; j < operands.length; j++) {
          const p = operands[i]!;
          const q = operands[j]!;
          for (const [value, step] of combine(p.v, q.v)) {
            const steps = [...pool.steps, step];
            if (!found.has(value)) found.set(value, steps);
            if (depth + 1 >= maxOps) continue;
            const restGiven = given.filter((_, k) => !((p.given && p.index === k) || (q.given && q.index === k)));
            let restMade: number[];
            if (reuse) restMade = made.includes(value) ? made : insertSorted(made, value);
            else restMade = insertSorted(made.filter((_, k) => !((!p.given && p.index === k) || (!q.given && q.index === k))), value);
            visit({ given: restGiven, made: restMade, steps });
          }
        }
      }
    }
    frontier = next;
  }
  return found;
}

/** A shortest list of steps making `target` from `numbers` (null when there is none within `maxOps`). */
export function solveCountdown(numbers: readonly number[], target: number, options: SolveOptions = {}): CountdownStep[] | null {
  return countdownReachable(numbers, options).get(target) ?? null;
}
