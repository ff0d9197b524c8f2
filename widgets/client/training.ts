import type { LiveEndpoints, LiveToBrowser, LiveToKernel, ProgressData, TrainingData } from "../shared/types.js";
import { CurveView } from "./curve.js";
import { progressLine, workersLine } from "../shared/progress-line.js";
import { el, type PlotlyApi } from "./runtime.js";


/** A view's connection to the kernel: the loopback WebSocket or a Jupyter comm. */
interface Link {
  send(m: LiveToKernel): void;
  close(): void;
}

/** What the classic notebook's `Jupyter.notebook.kernel.comm_manager` offers. */
interface JupyterCommManager {
  new_comm(target: string, data: unknown): JupyterComm | Promise<JupyterComm>;
}
interface JupyterComm {
  send(data: unknown): void;
  close(): void;
  on_msg(handler: (msg: { content: { data: unknown } }) => void): void;
  on_close?(handler: () => void): void;
}

/** A training cell's live view: progress bar, SPS, ETA, latest metrics, a Stop button, and the reward curve growing. */
export class TrainingView {
  private readonly bar: HTMLDivElement;
  private readonly stats: HTMLDivElement;
  private readonly metrics: HTMLDivElement;
  private readonly workers: HTMLDivElement;
  private readonly stop: HTMLButtonElement;
  private readonly curve: CurveView | undefined;
  private link: Link | undefined;
  private stopped: boolean;

  constructor(
    private readonly root: HTMLElement,
    private readonly data: TrainingData,
    plotly: PlotlyApi | undefined,
  ) {
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
    this.workers = el("div", { class: "tw-workers" });
    root.append(head, this.stats, this.metrics, this.workers);
    if (plotly) {
      this.curve = new CurveView(root, data.curve, plotly);
      void this.curve.draw();
    }
    this.stopped = !!data.progress.stopped;
    this.show(data.progress);
    if (data.live && !data.progress.stopped) this.connect(data.live);
  }

  private send(m: LiveToKernel): void {
    this.link?.send(m);
  }

  private receive(m: LiveToBrowser): void {
    if (m.widget !== this.data.widgetId) return;
    // A comm opens whether or not the kernel still trains this widget (a notebook reopened later): Stop waits for a push.
    if (this.root.dataset.live === "comm" && !this.stopped) this.stop.disabled = false;
    if (m.type === "progress") this.show(m.progress);
    else if (m.type === "points") this.curve?.append(m.series, m.step, m.y, m.wallTime);
  }

  /** Pushed points and progress, and the Stop button: the kernel's loopback WebSocket, else a comm; else the snapshots only. */
  private connect(live: LiveEndpoints): void {
    const comm = () => {
      if (live.comm) this.connectComm(live.comm);
    };
    if (live.url) this.connectSocket(live.url, comm);
    else comm();
  }

  private connectSocket(url: string, otherwise: () => void): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      otherwise();
      return;
    }
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      this.link = { send: (m) => socket.send(JSON.stringify(m)), close: () => socket.close() };
      // Which way the view reached the kernel (tests and curious users read it).
      this.root.dataset.live = "socket";
      this.send({ type: "subscribe", widget: this.data.widgetId });
      this.stop.disabled = this.stopped;
    });
    socket.addEventListener("message", (e) => this.receive(JSON.parse(String(e.data)) as LiveToBrowser));
    socket.addEventListener("close", () => {
      // Never opened: this browser cannot reach the kernel's machine (a server behind an SSH tunnel, say).
      if (opened) this.stop.disabled = true;
      else otherwise();
    });
  }

  /** A `trellis.live` comm through the classic notebook's kernel object (JupyterLab gives output scripts none). */
  private connectComm(target: string): void {
    const manager = (globalThis as { Jupyter?: { notebook?: { kernel?: { comm_manager?: JupyterCommManager } } } }).Jupyter?.notebook?.kernel?.comm_manager;
    if (!manager?.new_comm) return;
    try {
      Promise.resolve(manager.new_comm(target, { type: "subscribe", widget: this.data.widgetId })).then(
        (comm) => {
          comm.on_msg((msg) => this.receive(msg.content.data as LiveToBrowser));
          comm.on_close?.(() => (this.stop.disabled = true));
          this.link = { send: (m) => comm.send(m), close: () => comm.close() };
          this.root.dataset.live = "comm";
        },
        () => {
          // Keep the snapshots.
        },
      );
    } catch {
      // Keep the snapshots.
    }
  }

  show(p: ProgressData): void {
    const frac = p.targetStep ? Math.min(1, p.step / p.targetStep) : p.targetUpdates ? Math.min(1, p.updates / p.targetUpdates) : p.stopped ? 1 : 0;
    this.bar.style.width = `${(frac * 100).toFixed(1)}%`;
    this.bar.classList.toggle("tw-indeterminate", !p.targetStep && !p.targetUpdates && !p.stopped);
    this.stats.textContent = progressLine(p);
    this.workers.textContent = workersLine(p);
    this.metrics.textContent = p.metrics ? Object.entries(p.metrics).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toPrecision(4)}`).join(" · ") : "";
    if (p.stopped) {
      this.stopped = true;
      this.stop.disabled = true;
      this.stop.textContent = p.stopped === "aborted" ? "Stopped" : "Done";
      this.link?.close();
      this.link = undefined;
    }
  }
}
