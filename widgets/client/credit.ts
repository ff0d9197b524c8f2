import type { CreditData, CreditMetric } from "../shared/types.js";
import { sourceColor } from "../shared/colors.js";
import { CONFIG, el, type PlotlyApi } from "./runtime.js";

const LABELS: Record<CreditMetric, string> = { advantage: "advantage", return: "return", td_error: "TD error", ratio: "ratio π/π_behavior", kl: "KL to the behavior policy", entropy: "entropy" };
const DIVERGING = new Set<CreditMetric>(["advantage", "td_error"]);

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
    const longest = Math.max(0, ...z.map((r) => r.length));
    const padded = z.map((r) => [...r, ...Array<null>(longest - r.length).fill(null)]);
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
