/**
 * The header an actor writes into a batch's Arrow schema metadata (rollout
 * and completions batches alike): reading it as JSON, and the checks of the
 * fields every actor header has.
 */

/** The header under `key` in `metadata`, parsed and checked by `problemOf`; each failure goes to `fail` (which throws). */
export function readBatchHeader<T>(metadata: Map<string, string>, key: string, problemOf: (h: unknown) => string | undefined, fail: (message: string) => never): T {
  const raw = metadata.get(key);
  if (raw === undefined) return fail(`no "${key}" header in the schema metadata (not written by a Trellis actor)`);
  let header: T;
  try {
    header = JSON.parse(raw) as T;
  } catch {
    return fail(`the "${key}" header is not JSON: ${raw.slice(0, 80)}`);
  }
  const problem = problemOf(header);
  if (problem) fail(problem);
  return header;
}

/** Problems of the fields every actor header has: worker, seq, and (when present, or when `required`) rng and seconds. */
export function actorHeaderProblem(x: { worker?: unknown; seq?: unknown; rng?: unknown; seconds?: unknown }, required: boolean): string | undefined {
  if (typeof x.worker !== "string" || x.worker.length === 0 || x.worker.length > 200) return `header.worker must be a non-empty string of at most 200 characters, got ${JSON.stringify(x.worker)}`;
  if (!Number.isSafeInteger(x.seq) || (x.seq as number) < 0) return `header.seq must be an integer ≥ 0, got ${JSON.stringify(x.seq)}`;
  if ((required || x.rng !== undefined) && (!Array.isArray(x.rng) || x.rng.length !== 4 || !x.rng.every((w) => Number.isInteger(w) && w >= -(2 ** 31) && w < 2 ** 32))) return `header.rng must be 4 32-bit integers, got ${JSON.stringify(x.rng)}`;
  if ((required || x.seconds !== undefined) && !(Number.isFinite(x.seconds) && (x.seconds as number) >= 0)) return `header.seconds must be a number ≥ 0, got ${JSON.stringify(x.seconds)}`;
  return undefined;
}
