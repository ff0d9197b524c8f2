import type { Display, TrainProgress } from "../../lib/index.js";
import { TrainingView } from "../../widgets/server/training.js";
import type { LiveServer } from "./live.js";
import { LIVE_COMM_TARGET, type LiveHub } from "./live-hub.js";
import type { LiveEndpoints } from "../../widgets/shared/types.js";
import { currentCell, type CellContext } from "./context.js";

/** Fewest milliseconds between two snapshot updates of a training view (≤ 4 Hz). */
const SNAPSHOT_EVERY_MS = 250;
/** Fewest milliseconds between two progress pushes to a live view. */
const PUSH_EVERY_MS = 100;

interface Active {
  readonly view: TrainingView;
  readonly cell: CellContext;
  readonly displayId: string;
  lastSnapshot: number;
  lastPush: number;
  stop: (() => boolean) | undefined;
}

/**
 * Training in a notebook: each `train()` call gets one widget below its
 * cell (progress bar, SPS, ETA, latest metrics, Stop, the reward curve).
 * A view connected to the kernel's live WebSocket gets points and progress
 * pushed; otherwise the output is replaced by a snapshot (update_display_data)
 * at most 4 times a second. The last report always updates the output, so a
 * saved notebook keeps the final state.
 */
export class NotebookProgress implements Display {
  private readonly active = new Map<string, Active>();
  private readonly byRun = new Map<string, Active>();
  private port: number | undefined;

  /** `live`: who watches which view; `socket`: the loopback WebSocket, when it runs (views fall back to a comm). */
  constructor(
    private readonly live: LiveHub | undefined,
    private readonly socket?: LiveServer,
  ) {
    void socket?.ready.then((p) => (this.port = p), () => {});
  }

  private liveEndpoints = (): LiveEndpoints | undefined =>
    this.live ? { ...(this.socket && this.port !== undefined ? { url: this.socket.url(this.port) } : {}), comm: LIVE_COMM_TARGET } : undefined;

  progress(p: TrainProgress): void {
    const cell = currentCell();
    if (!cell) return;
    const key = `${p.runId}:${p.step - p.callSteps}:${cell.parent.msg_id}`;
    let a = this.active.get(key);
    const now = performance.now();
    if (!a) {
      const widgetId = `trellis-train-${key}`;
      a = { view: new TrainingView(p.runId, widgetId, p.label, this.liveEndpoints), cell, displayId: widgetId, lastSnapshot: now, lastPush: 0, stop: p.stop };
      // A later train() call of the same run: its curve continues the run's, as in one growing plot.
      const history = p.history?.();
      if (history) a.view.seed(history);
      this.active.set(key, a);
      this.byRun.set(p.runId, a);
      const entry = a;
      this.live?.onControl(widgetId, (m) => {
        if (m.type === "stop") entry.stop?.();
      });
      a.view.report(p);
      cell.display(this.bundle(a), { displayId: a.displayId, update: false });
      return;
    }
    a.view.report(p);
    const watched = this.live?.watched(a.view.widgetId) === true;
    if (watched && (p.stopped || now - a.lastPush >= PUSH_EVERY_MS)) {
      a.lastPush = now;
      this.live!.push({ type: "progress", widget: a.view.widgetId, progress: a.view.progress });
    }
    if (p.stopped || (!watched && now - a.lastSnapshot >= SNAPSHOT_EVERY_MS)) {
      a.lastSnapshot = now;
      a.cell.display(this.bundle(a), { displayId: a.displayId, update: true });
    }
    if (p.stopped) {
      this.active.delete(key);
      if (this.byRun.get(p.runId) === a) this.byRun.delete(p.runId);
      this.live?.forget(a.view.widgetId);
    }
  }

  metricsRow(runId: string, row: Readonly<Record<string, number>>): void {
    const a = this.byRun.get(runId);
    if (!a) return;
    const points = a.view.rowPoints(row);
    if (points.length && this.live?.watched(a.view.widgetId)) {
      for (const p of points) this.live.push({ type: "points", widget: a.view.widgetId, series: p.series, step: [p.step], y: [p.y], wallTime: [p.wallTime] });
    }
  }

  private bundle(a: Active): Record<string, unknown> {
    return a.view.widget().bundle();
  }
}
