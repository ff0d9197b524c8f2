import assert from "node:assert/strict";
import { test } from "node:test";
import type { TrainProgress } from "../../lib/run/display.js";
import { MetricsLog } from "../../lib/run/metrics-log.js";
import { TrainProgressReporter } from "../../lib/run/train-progress.js";
import { TrainingView } from "../../widgets/server/training.js";
import type { TrainCurve } from "../../widgets/shared/train-curve.js";
import type { TrainingData } from "../../widgets/shared/types.js";
import { bundle, payload } from "../helpers/widgets.js";

const SEQ_CURVE: TrainCurve = { key: "reward", label: "mean reward", x: "step", extra: [{ key: "pass1", label: "pass@1" }] };

/** Six steps of a sequence run: reward every step, pass1 evaluated at steps 0, 3 and 6. */
function rows(): Record<string, number>[] {
  return Array.from({ length: 6 }, (_, i) => ({ step: i + 1, update: i + 1, wallTime: 0.5 * (i + 1), reward: 0.1 * (i + 1), ...((i + 1) % 3 === 0 ? { pass1: 0.25 * ((i + 1) / 3) } : {}) }));
}

const report = (curve: TrainCurve): Pick<TrainProgress, "label" | "step" | "targetStep" | "updates" | "elapsedS" | "sps" | "etaS" | "lastReturn" | "meanReturn" | "curve"> => ({ label: "grpo add", step: 6, targetStep: 6, updates: 6, elapsedS: 3, sps: 2, etaS: 0, lastReturn: 0.6, meanReturn: 0.6, curve });

test("training view with extra series: sparse points kept per series, sent by series index, drawn as measured in the data and the static SVG", () => {
  const view = new TrainingView("r", "w", "grpo add", () => undefined);
  view.report(report(SEQ_CURVE));
  view.seed({ step: [0], y: [0], wallTime: [0], extra: [{ step: [0], y: [0.1], wallTime: [0] }] });
  const sent = rows().map((r) => view.rowPoints(r));
  assert.deepEqual(sent.map((points) => points.map((p) => p.series)), [[0], [0], [0, 1], [0], [0], [0, 1]]);
  assert.deepEqual(sent[5]![1], { series: 1, step: 6, y: 0.5, wallTime: 3 });
  const curve = payload<{ training: TrainingData }>(bundle(view.widget())["text/html"]!).training.curve;
  assert.equal(curve.yLabel, "mean reward · pass@1");
  assert.deepEqual(curve.series.map((s) => [s.name, s.raw]), [["mean reward", undefined], ["pass@1", true]]);
  assert.deepEqual(curve.series[0]!.step, [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(curve.series[1]!.step, [0, 3, 6]);
  assert.deepEqual(curve.series[1]!.y, [0.1, 0.25, 0.5]);
  const svg = view.widget().toSvg();
  assert.equal((svg.match(/<circle /g) ?? []).length, 3, "a marker per pass@1 point");
  assert.match(svg, /pass@1/);
  // row() still says whether the curve's own metric got a point.
  assert.equal(view.row({ step: 7, pass1: 1 }), false);
  assert.equal(view.row({ step: 8, reward: 1 }), true);
});

test("training view without extra: one series named by the run, no markers (what it always was); an extra with no points yet is an empty series", () => {
  const view = new TrainingView("r", "w", "grpo add", () => undefined);
  view.report(report({ key: "reward", label: "mean reward", x: "step" }));
  for (const r of rows()) view.row(r);
  const data = payload<{ training: TrainingData }>(bundle(view.widget())["text/html"]!).training;
  assert.deepEqual(data.curve, { xLabel: "env steps", yLabel: "mean reward", smoothing: 0.6, series: [{ name: "grpo add", step: [1, 2, 3, 4, 5, 6], y: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], wallTime: [0.5, 1, 1.5, 2, 2.5, 3] }], bands: [] });
  assert.doesNotMatch(view.widget().toSvg(), /<circle /);
  const early = new TrainingView("r", "w2", "grpo add", () => undefined);
  early.report(report(SEQ_CURVE));
  early.row(rows()[0]!);
  const series = payload<{ training: TrainingData }>(bundle(early.widget())["text/html"]!).training.curve.series;
  assert.deepEqual(series.map((s) => s.step.length), [1, 0], "series 1 is there for the live points to come");
});

test("train progress: history carries each extra series' finite points, and nothing more without extra", () => {
  const log = new MetricsLog();
  for (const r of rows()) log.append(r);
  const reports: TrainProgress[] = [];
  const source = { id: "r", label: "grpo add", algo: { envSteps: 6, updates: 6 }, episodeStats: { lastReturn: () => undefined, meanReturn: () => undefined }, metricsLog: log, stop: () => true };
  const display = { progress: (p: TrainProgress) => void reports.push(p) };
  new TrainProgressReporter(source, display, { step: 0, updates: 0 }, { targetStep: 6, targetUpdates: undefined }, SEQ_CURVE, performance.now()).report();
  new TrainProgressReporter(source, display, { step: 0, updates: 0 }, { targetStep: 6, targetUpdates: undefined }, { key: "reward", label: "mean reward", x: "step" }, performance.now()).report();
  const withExtra = reports[0]!.history!();
  assert.deepEqual(withExtra.step, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(withExtra.extra, [{ step: [3, 6], y: [0.25, 0.5], wallTime: [1.5, 3] }]);
  const plain = reports[1]!.history!();
  assert.deepEqual(Object.keys(plain), ["step", "y", "wallTime"]);
  // A view seeded from it continues both series.
  const view = new TrainingView("r", "w", "grpo add", () => undefined);
  view.seed(withExtra);
  view.report(report(SEQ_CURVE));
  assert.deepEqual(view.extra[0]!.step, [3, 6]);
});
