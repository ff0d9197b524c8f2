import { decodeFrame } from "../shared/frames.js";
import { frameToSvg, type Frame } from "../shared/frame-svg.js";
import type { TrajectoryData } from "../shared/types.js";
import { COLORS, CONFIG, el, type PlotlyApi } from "./runtime.js";

/**
 * Step through an episode: the env's frame, a scrubber and a play button,
 * and the timeline of action, reward, value, return and advantage with the
 * current step marked.
 */
export class TrajectoryView {
  private episode = 0;
  private t = 0;
  private timer: number | undefined;
  private readonly frame: HTMLDivElement;
  private readonly scrubber: HTMLInputElement;
  private readonly label: HTMLSpanElement;
  private readonly play: HTMLButtonElement;
  private readonly plot: HTMLDivElement;

  constructor(root: HTMLElement, private readonly data: TrajectoryData, private readonly plotly: PlotlyApi) {
    const controls = el("div", { class: "tw-controls" });
    const pick = el("select", { class: "tw-episode" });
    data.episodes.forEach((e, i) => pick.append(el("option", { value: String(i) }, `episode ${e.id} — ${e.length} steps, return ${e.totalReturn.toFixed(1)} (${e.end})`)));
    pick.addEventListener("change", () => this.select(Number(pick.value)));
    this.play = el("button", { class: "tw-play", type: "button" }, "▶ play");
    this.play.addEventListener("click", () => this.toggle());
    this.scrubber = el("input", { type: "range", min: "0", value: "0", step: "1", class: "tw-scrubber" });
    this.scrubber.style.width = "320px";
    this.scrubber.addEventListener("input", () => this.go(Number(this.scrubber.value)));
    this.label = el("span", { class: "tw-step" });
    controls.append(pick, this.play, this.scrubber, this.label);
    const row = el("div", { class: "tw-row" });
    this.frame = el("div", { class: "tw-frame" });
    this.plot = el("div", { class: "tw-plot" });
    // Sized before plotly measures it: the frame's column is fixed, the plot takes the rest.
    this.plot.style.flex = "1 1 0";
    this.plot.style.minWidth = "320px";
    row.append(this.frame, this.plot);
    root.append(el("div", { class: "tw-title" }, data.title), controls, row);
    this.select(0);
  }

  private get current() {
    return this.data.episodes[this.episode]!;
  }

  private select(i: number): void {
    this.episode = i;
    const e = this.current;
    this.scrubber.max = String(Math.max(0, e.frames.frames.length - 1));
    const t = e.series.reward.map((_, k) => k);
    const traces: unknown[] = [];
    const add = (name: string, y: number[] | undefined, k: number, dash?: string) => {
      if (y) traces.push({ x: t, y, name, mode: "lines", line: { color: COLORS[k], width: 1.5, ...(dash ? { dash } : {}) } });
    };
    add("reward", e.series.reward, 0);
    add("return", e.series.return, 2);
    add("value", e.series.value, 1);
    add("advantage", e.series.advantage, 3);
    traces.push({ x: t, y: e.series.action, name: "action", mode: "lines", line: { color: COLORS[4], width: 1, shape: "hv" }, yaxis: "y2" });
    // The action above the numbers, in its own strip (the t axis stays at the bottom).
    void this.plotly.react(
      this.plot,
      traces,
      { height: 340, margin: { l: 45, r: 20, t: 10, b: 35 }, xaxis: { title: { text: "t" } }, yaxis: { domain: [0, 0.7] }, yaxis2: { domain: [0.78, 1], title: { text: "action" }, showgrid: false }, legend: { orientation: "h", y: -0.22 }, shapes: [this.cursor(0)] },
      CONFIG,
    );
    this.go(0);
  }

  private cursor(t: number): unknown {
    return { type: "line", xref: "x", yref: "paper", x0: t, x1: t, y0: 0, y1: 1, line: { color: "#57606a", width: 1, dash: "dot" } };
  }

  /** Shows step `t`: its frame, the scrubber, the timeline's cursor. */
  go(t: number): void {
    const e = this.current;
    this.t = Math.max(0, Math.min(t, e.frames.frames.length - 1));
    this.scrubber.value = String(this.t);
    this.frame.innerHTML = e.frames.frames.length ? frameToSvg(decodeFrame(e.frames, this.t) as unknown as Frame) : "";
    const at = this.t < e.length ? ` · action ${e.series.action[this.t]} · reward ${e.series.reward[this.t]}` : " · final state";
    this.label.textContent = `t = ${this.t}${at}`;
    void this.plotly.relayout(this.plot, { shapes: [this.cursor(this.t)] });
  }

  private toggle(): void {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.play.textContent = "▶ play";
      return;
    }
    this.play.textContent = "❚❚ pause";
    if (this.t >= this.current.frames.frames.length - 1) this.go(0);
    this.timer = window.setInterval(() => {
      if (this.t >= this.current.frames.frames.length - 1) return this.toggle();
      this.go(this.t + 1);
    }, 1000 / 30);
  }
}
