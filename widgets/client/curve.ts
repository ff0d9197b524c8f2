import { emaSmooth } from "../shared/smoothing.js";
import type { CurveData } from "../shared/types.js";
import { COLORS, CONFIG, el, rgba, type PlotlyApi } from "./runtime.js";

const REDRAW_EVERY_MS = 250;

/**
 * An interactive reward curve: raw values faint, TensorBoard-smoothed
 * values solid (a slider sets the smoothing), the x axis by env steps or
 * wall time, mean ± std bands for groups of seeds, hover values. Points can
 * be appended later (live training).
 */
export class CurveView {
  private readonly plot: HTMLDivElement;
  private redraw: number | undefined;
  private smoothing: number;
  private xKey: "step" | "wallTime" = "step";
  private readonly data: CurveData;

  constructor(
    root: HTMLElement,
    data: CurveData,
    private readonly plotly: PlotlyApi,
  ) {
    this.data = data;
    this.smoothing = data.smoothing;
    const controls = el("div", { class: "tw-controls" });
    const label = el("label", {}, "smoothing ");
    const slider = el("input", { type: "range", min: "0", max: "0.99", step: "0.01", value: String(this.smoothing), class: "tw-smoothing" });
    const value = el("span", { class: "tw-smoothing-value" }, this.smoothing.toFixed(2));
    slider.addEventListener("input", () => {
      this.smoothing = Number(slider.value);
      value.textContent = this.smoothing.toFixed(2);
      void this.draw();
    });
    label.append(slider, value);
    controls.append(label);
    if (data.series.some((s) => s.wallTime && s.wallTime.length)) {
      const select = el("select", { class: "tw-xaxis" });
      for (const [v, t] of [["step", data.xLabel ?? "env steps"], ["wallTime", "wall time (s)"]] as const) select.append(el("option", { value: v }, t));
      select.addEventListener("change", () => {
        this.xKey = select.value as "step" | "wallTime";
        void this.draw();
      });
      const xl = el("label", {}, " x axis ");
      xl.append(select);
      controls.append(xl);
    }
    this.plot = el("div", { class: "tw-plot" });
    root.append(controls, this.plot);
  }

  private traces(): unknown[] {
    const w = this.smoothing;
    const out: unknown[] = [];
    this.data.series.forEach((s, i) => {
      const color = COLORS[i % COLORS.length]!;
      const x = this.xKey === "wallTime" && s.wallTime ? s.wallTime : s.step;
      if (s.raw) {
        out.push({ x, y: s.y, name: s.name, mode: "lines+markers", marker: { size: 5 }, line: { color, width: 1.5 }, legendgroup: s.name, hovertemplate: `${s.name}<br>%{x}<br>%{y:.3f}<extra></extra>` });
        return;
      }
      out.push({ x, y: s.y, name: `${s.name} (raw)`, mode: "lines", line: { color: rgba(color, 0.25), width: 1 }, showlegend: false, hoverinfo: "skip", legendgroup: s.name });
      out.push({ x, y: Array.from(emaSmooth(s.y, w)), name: s.name, mode: "lines", line: { color, width: 2 }, legendgroup: s.name, hovertemplate: `${s.name}<br>%{x}<br>%{y:.2f}<extra></extra>` });
    });
    this.data.bands.forEach((b, i) => {
      const color = COLORS[(this.data.series.length + i) % COLORS.length]!;
      out.push({ x: b.x, y: Array.from(emaSmooth(b.upper, w)), mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip", legendgroup: b.name });
      out.push({ x: b.x, y: Array.from(emaSmooth(b.lower, w)), mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: rgba(color, 0.2), showlegend: false, hoverinfo: "skip", legendgroup: b.name });
      out.push({ x: b.x, y: Array.from(emaSmooth(b.mean, w)), name: `${b.name} (mean of ${b.runs})`, mode: "lines", line: { color, width: 2 }, legendgroup: b.name, hovertemplate: `${b.name}<br>%{x}<br>%{y:.2f}<extra></extra>` });
    });
    return out;
  }

  /** Redraws everything (smoothing or axis changed, or points appended). */
  draw(): Promise<unknown> {
    const layout = {
      margin: { l: 50, r: 10, t: this.data.title ? 30 : 10, b: 40 },
      height: 320,
      title: this.data.title ? { text: this.data.title, font: { size: 14 } } : undefined,
      xaxis: { title: { text: this.xKey === "step" ? (this.data.xLabel ?? "env steps") : "wall time (s)" } },
      yaxis: { title: { text: this.data.yLabel } },
      hovermode: "x unified",
      legend: { orientation: "h", y: -0.2 },
    };
    return this.plotly.react(this.plot, this.traces(), layout, CONFIG);
  }

  /** Appends points to series `index` (live training); redraws at most 4 times a second, so a fast run never floods the page. */
  append(index: number, step: number[], y: number[], wallTime: number[]): void {
    const s = this.data.series[index];
    if (!s) return;
    s.step.push(...step);
    s.y.push(...y);
    s.wallTime?.push(...wallTime);
    this.redraw ??= window.setTimeout(() => {
      this.redraw = undefined;
      void this.draw();
    }, REDRAW_EVERY_MS);
  }

  get element(): HTMLDivElement {
    return this.plot;
  }
}
