import { curveWidget, type CurveOptions } from "../../widgets/server/curve.js";
import type { Widget } from "../../widgets/server/widget.js";
import { Run } from "./run.js";
import { SequenceRun } from "../seq/run.js";
import { PreferenceRun } from "../seq/preference-run.js";

/** What a curve can be drawn from: an env run, a sequence run or a preference run. */
type CurveRun = Run | SequenceRun | PreferenceRun;
const isRun = (r: unknown): r is CurveRun => r instanceof Run || r instanceof SequenceRun || r instanceof PreferenceRun;

/**
 * Reward curves of several runs overlaid (`compare(runA, runB, { smoothing: 0.8 })`),
 * or of groups of runs as mean ± std bands across their seeds
 * (`compare({ plain: [p1, p2, p3], hybrid: [h1, h2, h3] }, options)`).
 */
export function compare(...args: (CurveRun | Readonly<Record<string, readonly CurveRun[]>> | CurveOptions)[]): Widget {
  if (isRun(args[0])) {
    const runs = args.filter(isRun);
    const rest = args.slice(runs.length);
    if (rest.length > 1 || args.slice(0, runs.length).some((a) => !isRun(a))) throw new TypeError("rl.compare(runA, runB, …, options?): runs first, then at most one options object");
    return curveWidget(runs.map((r) => ({ name: r.displayName, metrics: r.metrics })), {}, (rest[0] ?? {}) as CurveOptions);
  }
  const [groups, options, ...extra] = args as [Record<string, readonly CurveRun[]> | undefined, CurveOptions | undefined, ...unknown[]];
  if (!groups || typeof groups !== "object" || extra.length) throw new TypeError("rl.compare: pass runs (rl.compare(runA, runB)) or groups of runs (rl.compare({ ppo: [s1, s2], a2c: [s3, s4] }))");
  const entries = Object.entries(groups);
  if (!entries.length) throw new TypeError("rl.compare({}): no groups given");
  for (const [name, runs] of entries) {
    if (!Array.isArray(runs) || runs.length === 0 || !runs.every(isRun)) throw new TypeError(`rl.compare: group ${JSON.stringify(name)} must be a non-empty list of runs`);
  }
  return curveWidget([], Object.fromEntries(entries.map(([name, runs]) => [name, runs.map((r) => ({ name: r.displayName, metrics: r.metrics }))])), options ?? {});
}
