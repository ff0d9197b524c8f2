import type { TrainProgress } from "../../lib/run/display.js";
import { RETURN_CURVE, type TrainCurve } from "../shared/train-curve.js";
import type { LiveEndpoints, ProgressData, TrainingData } from "../shared/types.js";
import { progressLine, workersLine } from "../shared/progress-line.js";
import { downsampleSeries, MAX_POINTS } from "./curve.js";
import { emaSmooth } from "../shared/smoothing.js";
import { lineChartSvg } from "./svg/line-chart.js";
import { Widget } from "./widget.js";
import { COLORS } from "../shared/colors.js";

/** The numbers of the training loop's report this widget shows. */
export type TrainingReport = Pick<TrainProgress, "label" | "step" | "targetStep" | "updates" | "targetUpdates" | "elapsedS" | "sps" | "etaS" | "lastReturn" | "meanReturn" | "stopped" | "curve" | "workers">;

/** A point one metrics row added: to series 0 (the curve's metric) or 1 + i (its `extra[i]`). */
export interface TrainingPoint {
  readonly series: number;
  readonly step: number;
  readonly y: number;
  readonly wallTime: number;
}

type Points = { step: number[]; y: number[]; wallTime: number[] };

/** Latest-metrics keys worth a glance while training. */
const GLANCE = ["policyLag", "policyLoss", "valueLoss", "entropy", "approxKl", "clipfrac", "tdLoss", "qLoss", "actorLoss", "alpha", "epsilon", "bcLoss", "accuracy", "actionMse", "loss", "cqlLoss", "learningRate", "imitationGate"];

/**
 * The state of one `train()` call's live view: progress, latest metrics and
 * the points of its reward curve. `widget()` renders a snapshot (the
 * update_display_data path); `points since` feeds the live connection.
 */
export class TrainingView {
  readonly step: number[] = [];
  readonly y: number[] = [];
  readonly wallTime: number[] = [];
  /** The points of each of `curve.extra`, in order. */
  readonly extra: Points[] = [];
  progress: ProgressData;
  /** What the curve plots, from the first report on. */
  curve: TrainCurve = RETURN_CURVE;
  private metrics: Record<string, number> | undefined;

  constructor(
    readonly runId: string,
    readonly widgetId: string,
    label: string,
    private readonly liveEndpoints: () => LiveEndpoints | undefined,
  ) {
    this.progress = { label, step: 0, updates: 0, elapsedS: 0, sps: 0 };
  }

  report(p: TrainingReport): void {
    if (p.curve) this.curve = p.curve;
    this.progress = {
      label: p.label,
      step: p.step,
      ...(p.targetStep !== undefined ? { targetStep: p.targetStep } : {}),
      updates: p.updates,
      ...(p.targetUpdates !== undefined ? { targetUpdates: p.targetUpdates } : {}),
      elapsedS: p.elapsedS,
      sps: p.sps,
      ...(p.etaS !== undefined && Number.isFinite(p.etaS) ? { etaS: p.etaS } : {}),
      ...(p.lastReturn !== undefined ? { lastReturn: p.lastReturn } : {}),
      ...(p.meanReturn !== undefined ? { meanReturn: p.meanReturn } : {}),
      ...(p.stopped ? { stopped: p.stopped } : {}),
      ...(this.metrics ? { metrics: this.metrics } : {}),
      ...(p.workers?.length ? { workers: p.workers.map((w) => ({ worker: w.worker, batches: w.batches, envSteps: w.envSteps, stepsPerSecond: w.stepsPerSecond, ...(w.unit ? { unit: w.unit } : {}) })) } : {}),
    };
  }

  /** The run's curve (and its extra series) before this train() call. */
  seed(points: { step: readonly number[]; y: readonly number[]; wallTime: readonly number[]; extra?: readonly { step: readonly number[]; y: readonly number[]; wallTime: readonly number[] }[] }): void {
    append(this, points);
    points.extra?.forEach((p, i) => append(this.extraSeries(i), p));
  }

  private extraSeries(i: number): Points {
    while (this.extra.length <= i) this.extra.push({ step: [], y: [], wallTime: [] });
    return this.extra[i]!;
  }

  /** A metrics row: its curve metric (episode return, or an offline run's loss) becomes a point; the glance metrics are kept. Returns true when it added a point to the curve's metric. */
  row(row: Readonly<Record<string, number>>): boolean {
    return this.rowPoints(row).some((p) => p.series === 0);
  }

  /** As {@link row}, and each of `curve.extra` the row has becomes a point too; returns the points added (what a live view is sent). */
  rowPoints(row: Readonly<Record<string, number>>): TrainingPoint[] {
    const glance: Record<string, number> = {};
    for (const k of GLANCE) if (typeof row[k] === "number" && Number.isFinite(row[k])) glance[k] = row[k]!;
    this.metrics = glance;
    const x = row[this.curve.x];
    if (typeof x !== "number") return [];
    const wallTime = row.wallTime ?? NaN;
    const added: TrainingPoint[] = [];
    const keys = [this.curve.key, ...(this.curve.extra ?? []).map((e) => e.key)];
    keys.forEach((key, series) => {
      const y = row[key];
      if (typeof y !== "number" || !Number.isFinite(y)) return;
      const into = series === 0 ? this : this.extraSeries(series - 1);
      into.step.push(x);
      into.y.push(y);
      into.wallTime.push(wallTime);
      added.push({ series, step: x, y, wallTime });
    });
    return added;
  }

  private static svg(s: { step: number[]; y: number[] }, extra: readonly { name: string; step: number[]; y: number[] }[], progress: ProgressData, curve: TrainCurve): string {
    return lineChartSvg(
      [
        { name: "raw", x: s.step, y: s.y, color: "#1f77b4", opacity: 0.25, width: 1 },
        { name: extra.length ? curve.label : progress.label, x: s.step, y: emaSmooth(s.y, 0.6), color: "#1f77b4" },
        ...extra.map((e, i) => ({ name: e.name, x: e.step, y: e.y, color: COLORS[(i + 1) % COLORS.length]!, markers: true })),
      ],
      { title: progressLine(progress), xLabel: xLabel(curve), yLabel: yLabel(curve), height: 260 },
    );
  }

  /** A snapshot of the view as a widget. */
  widget(): Widget {
    const live = this.liveEndpoints();
    const s = downsampleSeries({ step: this.step, y: this.y, wallTime: this.wallTime }, MAX_POINTS);
    const progress = this.progress;
    const curve = this.curve;
    // Series 1 + i is extra[i] even before it has points: live points are sent by that index.
    const extra = (curve.extra ?? []).map((e, i) => ({ name: e.label, ...downsampleSeries(this.extra[i] ?? { step: [], y: [], wallTime: [] }, MAX_POINTS), raw: true }));
    const data: TrainingData = {
      runId: this.runId,
      widgetId: this.widgetId,
      ...(live && !this.progress.stopped ? { live } : {}),
      progress: this.progress,
      curve: { xLabel: xLabel(curve), yLabel: yLabel(curve), smoothing: 0.6, series: [{ name: extra.length ? curve.label : this.progress.label, ...s }, ...extra], bands: [] },
    };
    const workers = workersLine(progress);
    return new Widget("training", { training: data }, () => TrainingView.svg(s, extra, progress, curve), workers ? `${progressLine(progress)}\n${workers}` : progressLine(progress));
  }
}

const xLabel = (curve: TrainCurve) => (curve.x === "update" ? "updates" : "env steps");
const yLabel = (curve: TrainCurve) => [curve.label, ...(curve.extra ?? []).map((e) => e.label)].join(" · ");

/** Appends a series' points (loops, not push(...spread): a long run's curve would overflow the call's argument limit). */
function append(into: Points, points: { step: readonly number[]; y: readonly number[]; wallTime: readonly number[] }): void {
  for (let i = 0; i < points.step.length; i++) {
    into.step.push(points.step[i]!);
    into.y.push(points.y[i]!);
    into.wallTime.push(points.wallTime[i]!);
  }
}
