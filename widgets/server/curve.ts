import type { Table } from "apache-arrow";
import { meanBand } from "../shared/bands.js";
import { lttbIndices } from "../shared/downsample.js";
import { emaSmooth } from "../shared/smoothing.js";
import type { CurveBand, CurveData, CurveSeries } from "../shared/types.js";
import { lineChartSvg } from "./svg/line-chart.js";
import { Widget } from "./widget.js";
import { COLORS } from "../shared/colors.js";

/** Points per trace sent to the browser (the shape is kept by LTTB). */
export const MAX_POINTS = 1500;

/** Something with a metrics table: a Run, or a plain object. */
export interface CurveSource {
  readonly name: string;
  readonly metrics: Table;
}

export interface CurveOptions {
  /** The metrics column to plot (default "episodicReturn"). */
  metric?: string;
  /** Initial smoothing of the slider, in [0, 1) (default 0.6, TensorBoard's). */
  smoothing?: number;
  title?: string;
  /** Points per trace (default 1500). */
  maxPoints?: number;
  /** The metrics column on the x axis (default "step"), e.g. "sampledTokens" to compare methods at equal sampling cost. */
  x?: string;
}

/** The points whose value is finite (null and NaN values skipped), as (step, value, wall time). */
export function finitePoints(step: ArrayLike<number>, y: ArrayLike<number | null>, wallTime?: ArrayLike<number | null>): { step: number[]; y: number[]; wallTime: number[] } {
  const out = { step: [] as number[], y: [] as number[], wallTime: [] as number[] };
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    out.step.push(Number(step[i]));
    out.y.push(v);
    out.wallTime.push(Number(wallTime?.[i] ?? NaN));
  }
  return out;
}

/** The finite (step, value, wall time) points of one metric of a metrics table. */
export function metricPoints(metrics: Table, metric: string, x = "step"): { step: number[]; y: number[]; wallTime: number[] } {
  const stepCol = metrics.getChild(x);
  const col = metrics.getChild(metric);
  if (!stepCol || !col) return { step: [], y: [], wallTime: [] };
  const wall = metrics.getChild("wallTime");
  // Iterated, not toArray(): a null reads as null there, as 0 in toArray().
  return finitePoints([...stepCol] as number[], [...col] as (number | null)[], wall ? ([...wall] as (number | null)[]) : undefined);
}

/** Keeps at most `max` points of a series, by LTTB. */
export function downsampleSeries(s: { step: number[]; y: number[]; wallTime: number[] }, max: number): { step: number[]; y: number[]; wallTime: number[] } {
  if (s.step.length <= max) return s;
  const keep = lttbIndices(s.step, s.y, max);
  return { step: Array.from(keep, (i) => s.step[i]!), y: Array.from(keep, (i) => s.y[i]!), wallTime: Array.from(keep, (i) => s.wallTime[i]!) };
}

/**
 * Reward curves of runs, overlaid, and of groups of runs (seeds) as
 * mean ± std bands: `curveWidget([runA, runB])`, `curveWidget([], { ppo: [s1, s2, s3] })`.
 */
export function curveWidget(runs: readonly CurveSource[], groups: Readonly<Record<string, readonly CurveSource[]>> = {}, options: CurveOptions = {}): Widget {
  const metric = options.metric ?? "episodicReturn";
  const smoothing = options.smoothing ?? 0.6;
  if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`curve: smoothing must be in [0, 1), got ${smoothing}`);
  const max = options.maxPoints ?? MAX_POINTS;
  const x = options.x ?? "step";
  const series: CurveSeries[] = runs.map((r) => ({ name: r.name, ...downsampleSeries(metricPoints(r.metrics, metric, x), max) }));
  const bands: CurveBand[] = Object.entries(groups).map(([name, members]) => {
    const b = meanBand(members.map((m) => { const p = metricPoints(m.metrics, metric, x); return { x: p.step, y: p.y }; }), 300);
    return { name, runs: members.length, x: Array.from(b.x), mean: Array.from(b.mean), lower: Array.from(b.lower), upper: Array.from(b.upper) };
  });
  const yLabel = metric === "episodicReturn" ? "episode return" : metric;
  const data: CurveData = { ...(options.title ? { title: options.title } : {}), yLabel, ...(x !== "step" ? { xLabel: x } : {}), smoothing, series, bands };
  const svg = () =>
    lineChartSvg(
      [
        ...series.flatMap((s, i) => [
          { name: `${s.name} (raw)`, x: s.step, y: s.y, color: COLORS[i % COLORS.length]!, opacity: 0.25, width: 1 },
          { name: s.name, x: s.step, y: emaSmooth(s.y, smoothing), color: COLORS[i % COLORS.length]! },
        ]),
        ...bands.map((b, i) => ({ name: `${b.name} (mean of ${b.runs})`, x: b.x, y: emaSmooth(b.mean, smoothing), color: COLORS[(series.length + i) % COLORS.length]! })),
      ],
      {
        ...(options.title ? { title: options.title } : {}),
        xLabel: x === "step" ? "env steps" : x,
        yLabel,
        bands: bands.map((b, i) => ({ x: b.x, lower: emaSmooth(b.lower, smoothing), upper: emaSmooth(b.upper, smoothing), color: COLORS[(series.length + i) % COLORS.length]! })),
      },
    );
  const describe = [...series.map((s) => `${s.name}: ${s.y.length} points${s.y.length ? `, last ${s.y.at(-1)!.toFixed(1)}` : ""}`), ...bands.map((b) => `${b.name}: mean of ${b.runs} runs`)];
  return new Widget("curve", { curve: data }, svg, `reward curve (${metric}) — ${describe.join("; ") || "no data"}`);
}
