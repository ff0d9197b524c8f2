import type { TrainProgress } from "../../lib/run/display.js";
import { RETURN_CURVE, type TrainCurve } from "../shared/train-curve.js";
import type { LiveEndpoints, ProgressData, TrainingData } from "../shared/types.js";
import { progressLine } from "../shared/progress-line.js";
import { downsampleSeries, MAX_POINTS } from "./curve.js";
import { emaSmooth } from "../shared/smoothing.js";
import { lineChartSvg } from "./svg/line-chart.js";
import { Widget } from "./widget.js";

/** The numbers of the training loop's report this widget shows. */
export type TrainingReport = Pick<TrainProgress, "label" | "step" | "targetStep" | "updates" | "targetUpdates" | "elapsedS" | "sps" | "etaS" | "lastReturn" | "meanReturn" | "stopped" | "curve">;

/** Latest-metrics keys worth a glance while training. */
const GLANCE = ["policyLoss", "valueLoss", "entropy", "approxKl", "clipfrac", "tdLoss", "qLoss", "actorLoss", "alpha", "epsilon", "bcLoss", "accuracy", "actionMse", "loss", "cqlLoss", "learningRate", "imitationGate"];

/**
 * The state of one `train()` call's live view: progress, latest metrics and
 * the points of its reward curve. `widget()` renders a snapshot (the
 * update_display_data path); `points since` feeds the live connection.
 */
export class TrainingView {
  readonly step: number[] = [];
  readonly y: number[] = [];
  readonly wallTime: number[] = [];
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
    };
  }

  /** The run's curve before this train() call. */
  seed(points: { step: readonly number[]; y: readonly number[]; wallTime: readonly number[] }): void {
    // (Loops, not push(...spread): a long run's curve would overflow the call's argument limit.)
    for (let i = 0; i < points.step.length; i++) {
      this.step.push(points.step[i]!);
      this.y.push(points.y[i]!);
      this.wallTime.push(points.wallTime[i]!);
    }
  }

  /** A metrics row: its curve metric (episode return, or an offline run's loss) becomes a point; the glance metrics are kept. Returns true when it added a point. */
  row(row: Readonly<Record<string, number>>): boolean {
    const glance: Record<string, number> = {};
    for (const k of GLANCE) if (typeof row[k] === "number" && Number.isFinite(row[k])) glance[k] = row[k]!;
    this.metrics = glance;
    const y = row[this.curve.key];
    const x = row[this.curve.x];
    if (typeof y !== "number" || !Number.isFinite(y) || typeof x !== "number") return false;
    this.step.push(x);
    this.y.push(y);
    this.wallTime.push(row.wallTime ?? NaN);
    return true;
  }

  private static svg(s: { step: number[]; y: number[] }, progress: ProgressData, curve: TrainCurve): string {
    return lineChartSvg(
      [
        { name: "raw", x: s.step, y: s.y, color: "#1f77b4", opacity: 0.25, width: 1 },
        { name: progress.label, x: s.step, y: emaSmooth(s.y, 0.6), color: "#1f77b4" },
      ],
      { title: progressLine(progress), xLabel: xLabel(curve), yLabel: curve.label, height: 260 },
    );
  }

  /** A snapshot of the view as a widget. */
  widget(): Widget {
    const live = this.liveEndpoints();
    const s = downsampleSeries({ step: this.step, y: this.y, wallTime: this.wallTime }, MAX_POINTS);
    const progress = this.progress;
    const curve = this.curve;
    const data: TrainingData = {
      runId: this.runId,
      widgetId: this.widgetId,
      ...(live && !this.progress.stopped ? { live } : {}),
      progress: this.progress,
      curve: { xLabel: xLabel(curve), yLabel: curve.label, smoothing: 0.6, series: [{ name: this.progress.label, ...s }], bands: [] },
    };
    return new Widget("training", { training: data }, () => TrainingView.svg(s, progress, curve), progressLine(progress));
  }
}

const xLabel = (curve: TrainCurve) => (curve.x === "update" ? "updates" : "env steps");
