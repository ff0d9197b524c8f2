import type { CreditCompareData, CreditData, CreditMetric } from "../shared/types.js";
import { sourceColor } from "../shared/colors.js";
import { COLORS, CONFIG, el, type PlotlyApi } from "./runtime.js";

const LABELS: Record<CreditMetric, string> = { advantage: "advantage", return: "return", td_error: "TD error", ratio: "ratio π/π_behavior", kl: "KL to the behavior policy", kl_ref: "KL(π ‖ π_ref) to the reference", entropy: "entropy", cost: "constraint cost" };
const DIVERGING = new Set<CreditMetric>(["advantage", "td_error"]);

/** Episodes of different lengths as heatmap rows: each padded with null to the longest. */
function padRows(rows: (number | null)[][]): (number | null)[][] {
  const longest = Math.max(0, ...rows.map((r) => r.length));
  return rows.map((r) => [...r, ...Array<null>(longest - r.length).fill(null)]);
}

/** Heatmap of a per-step credit metric across episodes, with clipped steps and non-policy segments marked. */
export class CreditView {
  private readonly plot: HTMLDivElement;

  constructor(root: HTMLElement, private readonly data: CreditData, private readonly plotly: PlotlyApi) {
    const controls = el("div", { class: "tw-controls" });
    const select = el("select", { class: "tw-metric" });
    const metrics = Object.keys(data.metrics) as CreditMetric[];
    for (const m of metrics) select.append(el("option", { value: m }, LABELS[m]));
    select.addEventListener("change", () => void this.draw(select.value as CreditMetric));
    const label = el("label", {}, "show ");
    label.append(select);
    controls.append(label, el("span", {}, `${data.episodes.length} episodes · ${data.clipped.length} steps outside the ±${data.clip} clip (×)`));
    this.plot = el("div", { class: "tw-plot" });
    root.append(el("div", { class: "tw-title" }, data.title), controls, this.plot);
    if (metrics.length) void this.draw(metrics.includes("advantage") ? "advantage" : metrics[0]!);
  }

  draw(metric: CreditMetric): Promise<unknown> {
    const z = this.data.metrics[metric] ?? [];
    const padded = padRows(z);
    let scale = 0;
    for (const r of z) for (const v of r) if (v !== null) scale = Math.max(scale, Math.abs(metric === "ratio" ? v - 1 : v));
    const rows = this.data.episodes.map((e, i) => `ep ${e.id} (${i})`);
    const heat: Record<string, unknown> = { type: "heatmap", z: padded, y: rows, colorbar: { title: { text: LABELS[metric] } }, hovertemplate: `%{y} t=%{x}<br>${LABELS[metric]} %{z:.4g}<extra></extra>` };
    if (DIVERGING.has(metric)) Object.assign(heat, { colorscale: "RdBu", reversescale: true, zmid: 0 });
    else if (metric === "ratio") Object.assign(heat, { colorscale: "RdBu", reversescale: true, zmid: 1 });
    else Object.assign(heat, { colorscale: "Viridis" });
    const traces: unknown[] = [heat];
    if (this.data.clipped.length) {
      traces.push({ type: "scatter", mode: "markers", x: this.data.clipped.map((c) => c[1]), y: this.data.clipped.map((c) => rows[c[0]]), marker: { symbol: "x-thin", size: 7, line: { width: 1.5, color: "#000" } }, name: "clipped", hovertemplate: "clipped step %{x}<extra></extra>" });
    }
    const shapes = this.data.segments.map(([row, from, to, source]) => ({ type: "rect", xref: "x", yref: "y", x0: from - 0.5, x1: to + 0.5, y0: row - 0.5, y1: row + 0.5, line: { color: sourceColor(source), width: 2 } }));
    return this.plotly.react(this.plot, traces, { height: Math.max(220, 40 + 22 * rows.length), margin: { l: 90, r: 20, t: 10, b: 40 }, xaxis: { title: { text: "t" } }, yaxis: { autorange: "reversed" }, shapes, showlegend: false }, CONFIG);
  }
}

/** Advantage estimators on the same episodes: one episode's advantages overlaid, and a heatmap per estimator on one colour scale. */
export class CreditCompareView {
  private readonly line: HTMLDivElement;
  private readonly select: HTMLSelectElement;

  constructor(root: HTMLElement, private readonly data: CreditCompareData, private readonly plotly: PlotlyApi) {
    const controls = el("div", { class: "tw-controls" });
    this.select = el("select", { class: "tw-episode" });
    data.episodes.forEach((e, i) => this.select.append(el("option", { value: String(i) }, `episode ${e.id} · ${e.length} steps · return ${e.totalReturn.toFixed(1)}`)));
    this.select.addEventListener("change", () => void this.drawLine(Number(this.select.value)));
    const label = el("label", {}, "episode ");
    label.append(this.select);
    controls.append(label);
    this.line = el("div", { class: "tw-plot" });
    const grid = el("div", { class: "tw-heatmaps" });
    root.append(el("div", { class: "tw-title" }, `advantage estimators — ${data.title}`), controls, this.line, grid);
    void this.drawLine(0);
    let scale = 0;
    for (const e of data.estimators) for (const r of e.rows) for (const v of r) if (v !== null) scale = Math.max(scale, Math.abs(v));
    const rows = data.episodes.map((e, i) => `ep ${e.id} (${i})`);
    for (const est of data.estimators) {
      const div = el("div", { class: "tw-heatmap" });
      grid.append(div);
      const z = padRows(est.rows);
      void this.plotly.newPlot(
        div,
        [{ type: "heatmap", z, y: rows, colorscale: "RdBu", reversescale: true, zmin: -scale, zmax: scale, zmid: 0, showscale: false, hovertemplate: `%{y} t=%{x}<br>${est.name} %{z:.4g}<extra></extra>` }],
        { title: { text: est.name, font: { size: 12 } }, height: Math.max(160, 50 + 16 * rows.length), margin: { l: 80, r: 10, t: 28, b: 30 }, yaxis: { autorange: "reversed" } },
        { ...CONFIG, displayModeBar: false },
      );
    }
  }

  private drawLine(i: number): Promise<unknown> {
    const e = this.data.episodes[i]!;
    const t = Array.from({ length: e.length }, (_, k) => k);
    const traces: unknown[] = this.data.estimators.map((est, k) => ({ x: t, y: est.rows[i], name: est.name, mode: "lines", line: { color: COLORS[k % COLORS.length], width: 1.5 } }));
    traces.push({ x: t, y: this.data.rewards[i], name: "reward", mode: "markers", marker: { size: 3, color: "#8c959f" }, yaxis: "y2" });
    return this.plotly.react(this.line, traces, { height: 300, margin: { l: 55, r: 55, t: 10, b: 40 }, xaxis: { title: { text: "t" } }, yaxis: { title: { text: "advantage" }, zeroline: true }, yaxis2: { title: { text: "reward" }, overlaying: "y", side: "right", showgrid: false }, legend: { orientation: "h", y: 1.12 } }, CONFIG);
  }
}
