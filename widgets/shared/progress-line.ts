import { fmtInt, fmtTime } from "./format.js";
import type { ProgressData } from "./types.js";

/**
 * The training loop's report as one line, the same on the console, in a
 * widget's static picture and in the live view:
 * `[ppo CartPole-v1] 2,048/4,096 steps · 4 updates · 4,096 SPS · ETA 0.5s · return 20.0 · mean100 18.3`.
 * Training from a dataset takes no env steps: its pace is in updates.
 */
export function progressLine(p: ProgressData): string {
  const offline = p.step === 0 && p.targetStep === undefined;
  const updates = `${fmtInt(p.updates)}${p.targetUpdates !== undefined ? `/${fmtInt(p.targetUpdates)}` : ""} updates`;
  const parts = [
    offline ? undefined : p.targetStep !== undefined ? `${fmtInt(p.step)}/${fmtInt(p.targetStep)} steps` : `${fmtInt(p.step)} steps`,
    updates,
    offline ? `${fmtInt(p.elapsedS > 0 ? p.updates / p.elapsedS : 0)} updates/s` : `${fmtInt(p.sps)} SPS`,
    p.stopped ? `took ${fmtTime(p.elapsedS)}` : p.etaS !== undefined ? `ETA ${fmtTime(p.etaS)}` : undefined,
    p.lastReturn !== undefined ? `return ${p.lastReturn.toFixed(1)}` : undefined,
    p.meanReturn !== undefined ? `mean100 ${p.meanReturn.toFixed(1)}` : undefined,
    p.workers?.length ? `${p.workers.length} worker${p.workers.length === 1 ? "" : "s"}` : undefined,
    p.stopped ? `stopped: ${p.stopped}` : undefined,
  ];
  return `[${p.label}] ${parts.filter((s) => s !== undefined).join(" · ")}`;
}

/**
 * The actors of a run with workers, one entry each:
 * `local/0 5 batches · 21,300 SPS acting; local/1 5 batches · 20,800 SPS acting`
 * (a sequence run's actors: tokens/s sampling; empty without workers).
 */
export function workersLine(p: ProgressData): string {
  return (p.workers ?? []).map((w) => `${w.worker} ${fmtInt(w.batches)} batch${w.batches === 1 ? "" : "es"} · ${fmtInt(w.stepsPerSecond)} ${w.unit === "tokens" ? "tokens/s sampling" : "SPS acting"}`).join("; ");
}
