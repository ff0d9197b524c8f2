// How fast a long reward curve draws in a browser: a 100k-point curve (one
// run's episode returns) as a standalone widget page in headless Chromium.
// Measured per fresh page: draw_ms (plotly present: the widget's data read
// and its LTTB-reduced traces drawn — what every curve costs once a notebook
// page has plotly, i.e. after its first widget), plotly_ms (plotly unzipped
// and evaluated, once per page), page_to_drawn_ms (navigation → drawn, cold),
// redraw_ms (one smoothing-slider move). Reference in the same pages: plotly
// drawing all 100k raw points itself (a curve without downsampling).
// Figure: draw_ms (median) ≤ 500.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { tableFromArrays } from "apache-arrow";
import { chromium } from "playwright-core";
import { curveWidget } from "../widgets/server/curve.js";
import { Rng } from "../lib/random/rng.js";
import { emit, median, round } from "./stats.js";

const { values } = parseArgs({ options: { points: { type: "string", default: "100000" }, repeats: { type: "string", default: "5" }, chromium: { type: "string", default: "/usr/bin/chromium" } } });
const points = Number(values.points);
const repeats = Number(values.repeats);

// A learning curve with noise: returns rising to 500 over the run.
const rng = Rng.fromSeed(1);
const step = Float64Array.from({ length: points }, (_, i) => (i + 1) * 500);
const episodicReturn = Float64Array.from(step, (s) => Math.min(500, 20 + 480 * (1 - Math.exp(-s / (points * 120)))) * (0.7 + 0.3 * rng.float()));
const wallTime = Float64Array.from(step, (s) => s / 80_000);
const metrics = tableFromArrays({ step, wallTime, episodicReturn });
let t0 = performance.now();
const widget = curveWidget([{ name: "ppo CartPole-v1", metrics }]);
const page = widget.toHtml("100k-point reward curve");
const serverMs = performance.now() - t0;
const dir = mkdtempSync(join(tmpdir(), "trellis-curve-render-"));
const file = join(dir, "curve.html");
writeFileSync(file, page);

const browser = await chromium.launch({ executablePath: values.chromium, args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"] });
const drawn: number[] = [];
const mounts: number[] = [];
const plotlyLoads: number[] = [];
const redraws: number[] = [];
const rawPlotly: number[] = [];
try {
  for (let i = 0; i <= repeats; i++) {
    const tab = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await tab.goto(`file://${file}`);
    // (Page code as strings: this file is compiled without the DOM types.)
    const ready = await tab.waitForFunction(
      `(() => { const el = document.querySelector(".trellis-widget[data-ready]"); return el ? { at: performance.now(), mount: Number(el.dataset.renderMs), plotly: Number(el.dataset.plotlyMs), points: el.querySelector(".js-plotly-plot").data.map((t) => t.x.length) } : null; })()`,
      undefined,
      { polling: "raf", timeout: 30_000 },
    );
    const r = (await ready.jsonValue()) as { at: number; mount: number; plotly: number; points: number[] };
    // One slider move: smoothing 0.6 → 0.9, until plotly has redrawn.
    const redraw = (await tab.evaluate(`new Promise((resolve) => {
      const plot = document.querySelector(".js-plotly-plot");
      const slider = document.querySelector(".tw-smoothing");
      const start = performance.now();
      plot.on("plotly_afterplot", () => resolve(performance.now() - start));
      slider.value = "0.9";
      slider.dispatchEvent(new Event("input"));
    })`)) as number;
    // The reference: plotly itself with every raw point, in the same page.
    const raw = (await tab.evaluate(`(() => {
      const n = ${points};
      const div = document.createElement("div");
      document.body.append(div);
      const x = Array.from({ length: n }, (_, i) => (i + 1) * 500);
      const y = x.map((s, i) => 20 + (480 * s) / (n * 500) + (i % 17));
      const start = performance.now();
      return Plotly.newPlot(div, [{ x, y, mode: "lines" }], { height: 320 }).then(() => performance.now() - start);
    })()`)) as number;
    await tab.close();
    if (i === 0) continue; // the first page warms Chromium's caches
    drawn.push(r.at);
    mounts.push(r.mount);
    plotlyLoads.push(r.plotly);
    redraws.push(redraw);
    rawPlotly.push(raw);
    emit({ repeat: i, draw_ms: round(r.mount, 1), plotly_ms: round(r.plotly, 1), page_to_drawn_ms: round(r.at, 1), redraw_ms: round(redraw, 1), plotly_raw_ms: round(raw, 1), trace_points: r.points });
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
t0 = median(drawn);
emit({
  bench: "curve-render",
  points,
  draw_ms: round(median(mounts), 1),
  plotly_ms: round(median(plotlyLoads), 1),
  page_to_drawn_ms: round(t0, 1),
  redraw_ms: round(median(redraws), 1),
  plotly_raw_ms: round(median(rawPlotly), 1),
  server_ms: round(serverMs, 1),
  page_kb: Math.round(page.length / 1024),
  target_ms: 500,
});
