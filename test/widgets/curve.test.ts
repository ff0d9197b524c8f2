import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { test } from "node:test";
import { tableFromArrays } from "apache-arrow";
import { rl } from "../../lib/index.js";
import { curveWidget } from "../../widgets/server/curve.js";
import { WIDGET_MARKER } from "../../widgets/server/widget.js";
import { bundle, payload as widgetPayload } from "../helpers/widgets.js";

type CurvePayload = { kind: string; curve: { series: { name: string; step: number[]; y: number[] }[]; bands: { name: string; runs: number; mean: number[] }[]; smoothing: number } };
const payload = (html: string) => widgetPayload<CurvePayload>(html);

test("a run's curve: one MIME bundle with interactive HTML (data, runtime, static SVG inside), SVG and text", async () => {
  const run = rl.env("CartPole-v1", { n: 4, seed: 2 }).algo(rl.ppo()).record(false).build();
  await run.train({ steps: 20_480 });
  const b = bundle(run.curve({ smoothing: 0.8 }));
  assert.deepEqual(Object.keys(b).sort(), ["image/svg+xml", "text/html", "text/plain", WIDGET_MARKER].sort());
  assert.match(b["image/svg+xml"]!, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(b["text/html"]!, /<div class="trellis-widget" id="tw-[0-9a-f-]+" data-kind="curve"><div class="tw-static"><svg/);
  assert.match(b["text/html"]!, /window\.TrellisWidgets/, "the browser runtime travels with it");
  assert.doesNotMatch(b["text/html"]!, /id="trellis-plotly"/, "plotly is not in every output");
  const p = payload(b["text/html"]!);
  assert.equal(p.kind, "curve");
  assert.equal(p.curve.smoothing, 0.8);
  const rows = run.metrics.numRows;
  assert.equal(p.curve.series[0]!.y.length, rows, "one point per metrics row with episodes");
  assert.match(b["text/plain"]!, /^reward curve \(episodicReturn\) — ppo CartPole-v1 · run-\d+: 40 points, last \d+/);
  run.dispose();
});

test("long curves are downsampled to 1500 points per trace; groups become mean ± std bands", () => {
  const n = 100_000;
  const step = Float64Array.from({ length: n }, (_, i) => i * 10);
  const metrics = (k: number) => tableFromArrays({ step, wallTime: Float64Array.from(step, (s) => s / 1000), episodicReturn: Float64Array.from(step, (s, i) => Math.sqrt(s) + k + (i % 7)) });
  const w = curveWidget([{ name: "long", metrics: metrics(0) }], { seeds: [{ name: "s1", metrics: metrics(0) }, { name: "s2", metrics: metrics(10) }] });
  const p = payload(bundle(w)["text/html"]!);
  assert.equal(p.curve.series[0]!.step.length, 1500);
  assert.equal(p.curve.series[0]!.step[0], 0);
  assert.equal(p.curve.series[0]!.step.at(-1), (n - 1) * 10);
  assert.equal(p.curve.bands[0]!.runs, 2);
  assert.equal(p.curve.bands[0]!.mean.length, 300);
  assert.throws(() => curveWidget([], {}, { smoothing: 1 }), /smoothing must be in \[0, 1\)/);
});

test("rl.compare overlays runs or bands groups; bad arguments say how to call it; show() in a script writes a page", async () => {
  const runs = [1, 2].map((seed) => rl.env("CartPole-v1", { n: 2, seed }).algo(rl.a2c()).record(false).name(`a2c-${seed}`).build());
  for (const r of runs) await r.train({ steps: 600 });
  const overlay = payload(bundle(rl.compare(runs[0]!, runs[1]!))["text/html"]!);
  assert.deepEqual(overlay.curve.series.map((s) => s.name), ["a2c-1", "a2c-2"]);
  const grouped = payload(bundle(rl.compare({ a2c: runs }, { title: "A2C" }))["text/html"]!);
  assert.equal(grouped.curve.bands[0]!.name, "a2c");
  assert.throws(() => rl.compare({ a2c: [] }), /group "a2c" must be a non-empty list of runs/);
  assert.throws(() => rl.compare(runs[0]!, {}, {}), /runs first, then at most one options object/);
  const w = rl.compare(...runs);
  const path = w.save("/tmp/trellis-compare-test.html");
  const page = readFileSync(path, "utf8");
  assert.match(page, /id="trellis-plotly"/, "a standalone page carries plotly");
  rmSync(path);
  assert.ok(!existsSync(path));
  for (const r of runs) r.dispose();
});

test("x: another metrics column on the x axis (e.g. sampled tokens), named on the axis", () => {
  const metrics = tableFromArrays({ step: Float64Array.of(1, 2, 3), sampledTokens: Float64Array.of(100, 250, 400), pass1: Float64Array.of(0.1, 0.2, 0.4) });
  const b = bundle(curveWidget([{ name: "a", metrics }], { seeds: [{ name: "s", metrics }] }, { metric: "pass1", x: "sampledTokens", smoothing: 0 }));
  const p = payload(b["text/html"]!) as CurvePayload & { curve: { xLabel?: string } };
  assert.deepEqual(p.curve.series[0]!.step, [100, 250, 400]);
  assert.equal(p.curve.xLabel, "sampledTokens");
  assert.match(b["image/svg+xml"]!, /sampledTokens/);
  const byStep = payload(bundle(curveWidget([{ name: "a", metrics }], {}, { metric: "pass1" }))["text/html"]!);
  assert.deepEqual(byStep.curve.series[0]!.step, [1, 2, 3]);
});
