import { formatProgress, type Display, type TrainProgress } from "../../lib/index.js";
import { currentCell } from "./context.js";

/** Fewest milliseconds between two updates of one progress output (≤ 4 Hz). */
const UPDATE_EVERY_MS = 250;

/**
 * Training progress in a notebook: each `train()` call gets one output below
 * its cell, updated in place (update_display_data) at most 4 times a second,
 * and a last time when training stops.
 */
export class NotebookProgress implements Display {
  private readonly lastUpdate = new Map<string, number>();

  progress(p: TrainProgress): void {
    const cell = currentCell();
    if (!cell) return;
    // One output per train() call: the run and the step it started from.
    const id = `trellis-progress-${p.runId}-${p.step - p.callSteps}-${cell.parent.msg_id}`;
    const now = performance.now();
    const last = this.lastUpdate.get(id);
    if (!p.stopped && last !== undefined && now - last < UPDATE_EVERY_MS) return;
    this.lastUpdate.set(id, now);
    if (p.stopped) this.lastUpdate.delete(id);
    cell.display({ "text/plain": formatProgress(p) }, { displayId: id, update: last !== undefined });
  }
}
