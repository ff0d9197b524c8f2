import type { LiveToBrowser, LiveToKernel, ProgressData, TrainingData } from "../shared/types.js";
import { CurveView } from "./curve.js";
import { progressLine } from "../shared/progress-line.js";
import { el, type PlotlyApi } from "./runtime.js";


/** A training cell's live view: progress bar, SPS, ETA, latest metrics, a Stop button, and the reward curve growing. */
export class TrainingView {
  private readonly bar: HTMLDivElement;
  private readonly stats: HTMLDivElement;
  private readonly metrics: HTMLDivElement;
  private readonly stop: HTMLButtonElement;
  private readonly curve: CurveView | undefined;
  private socket: WebSocket | undefined;

  constructor(root: HTMLElement, private readonly data: TrainingData, plotly: PlotlyApi | undefined) {
    const head = el("div", { class: "tw-progress-head" });
    const track = el("div", { class: "tw-progress-track" });
    this.bar = el("div", { class: "tw-progress-bar" });
    track.append(this.bar);
    this.stop = el("button", { class: "tw-stop", type: "button", title: "Stops train() at the next env step; a later train() continues" }, "Stop");
    this.stop.disabled = true;
    this.stop.addEventListener("click", () => {
      this.send({ type: "stop", widget: data.widgetId });
      this.stop.disabled = true;
      this.stop.textContent = "Stopping…";
    });
    head.append(track, this.stop);
    this.stats = el("div", { class: "tw-stats" });
    this.metrics = el("div", { class: "tw-metrics" });
    root.append(head, this.stats, this.metrics);
    if (plotly) {
      this.curve = new CurveView(root, data.curve, plotly);
      void this.curve.draw();
    }
    this.show(data.progress);
    if (data.live && !data.progress.stopped) this.connect(data.live.url);
  }

  private send(m: LiveToKernel): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(m));
  }

  /** The kernel's loopback WebSocket: pushed points and progress, and the Stop button. Silently absent when unreachable. */
  private connect(url: string): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.send({ type: "subscribe", widget: this.data.widgetId });
      this.stop.disabled = !!this.data.progress.stopped;
    });
    socket.addEventListener("message", (e) => {
      const m = JSON.parse(String(e.data)) as LiveToBrowser;
      if (m.widget !== this.data.widgetId) return;
      if (m.type === "progress") this.show(m.progress);
      else if (m.type === "points") this.curve?.append(m.series, m.step, m.y, m.wallTime);
    });
    socket.addEventListener("close", () => {
      this.stop.disabled = true;
    });
  }

  show(p: ProgressData): void {
    const frac = p.targetStep ? Math.min(1, p.step / p.targetStep) : p.targetUpdates ? Math.min(1, p.updates / p.targetUpdates) : p.stopped ? 1 : 0;
    this.bar.style.width = `${(frac * 100).toFixed(1)}%`;
    this.bar.classList.toggle("tw-indeterminate", !p.targetStep && !p.targetUpdates && !p.stopped);
    this.stats.textContent = progressLine(p);
    this.metrics.textContent = p.metrics ? Object.entries(p.metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toPrecision(4)}`).join(" · ") : "";
    if (p.stopped) {
      this.stop.disabled = true;
      this.stop.textContent = p.stopped === "aborted" ? "Stopped" : "Done";
      this.socket?.close();
    }
  }
}
