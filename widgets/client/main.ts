import type { CompletionsData, CreditCompareData, CreditData, CurveData, DatasetData, SequenceCreditData, TrainingData, TrajectoryData } from "../shared/types.js";
import { CurveView } from "./curve.js";
import { ensurePlotly, readData, type PlotlyApi } from "./runtime.js";
import { TrainingView } from "./training.js";
import { TrajectoryView } from "./trajectory.js";
import { CreditCompareView, CreditView } from "./credit.js";
import { DatasetView } from "./dataset.js";
import { SequenceView } from "./sequences.js";
import { CompletionsView } from "./completions.js";

import { STYLE } from "./style.js";

/** What a widget output's data script holds. */
export type WidgetPayload = { kind: "curve"; curve: CurveData } | { kind: "training"; training: TrainingData } | { kind: string; [key: string]: unknown };

type Mounter = (root: HTMLElement, payload: WidgetPayload, plotly: PlotlyApi) => void;
const mounters: Record<string, Mounter> = {
  curve: (root, p, plotly) => void new CurveView(root, (p as { curve: CurveData }).curve, plotly).draw(),
  training: (root, p, plotly) => void new TrainingView(root, (p as { training: TrainingData }).training, plotly),
  trajectory: (root, p, plotly) => void new TrajectoryView(root, (p as unknown as { trajectory: TrajectoryData }).trajectory, plotly),
  credit: (root, p, plotly) => void new CreditView(root, (p as unknown as { credit: CreditData }).credit, plotly),
  dataset: (root, p, plotly) => void new DatasetView(root, (p as unknown as { dataset: DatasetData }).dataset, plotly),
  "credit-compare": (root, p, plotly) => void new CreditCompareView(root, (p as unknown as { creditCompare: CreditCompareData }).creditCompare, plotly),
  sequences: (root, p) => void new SequenceView(root, (p as unknown as { sequences: SequenceCreditData }).sequences),
  completions: (root, p) => void new CompletionsView(root, (p as unknown as { completions: CompletionsData }).completions),
};

/** Registers a view for a widget kind (the other kinds register in their modules). */
export function registerView(kind: string, mount: Mounter): void {
  mounters[kind] = mount;
}

function injectStyle(): void {
  if (document.getElementById("trellis-widget-style")) return;
  const style = document.createElement("style");
  style.id = "trellis-widget-style";
  style.textContent = STYLE;
  document.head.appendChild(style);
}

/** Replaces a widget's static picture with its interactive view, once plotly is there. */
async function mount(id: string): Promise<void> {
  const root = document.getElementById(id);
  // Marked at once: several calls for one widget (its own script, the queue, the plotly event) mount it once.
  if (!root || root.dataset.mounted || root.dataset.mounting) return;
  const dataEl = document.getElementById(`${id}-data`) as HTMLScriptElement | null;
  if (!dataEl) return;
  root.dataset.mounting = "1";
  const started = performance.now();
  const plotly = await ensurePlotly();
  // Without plotly (a page that has no widget output carrying it) the static SVG stays; the plotly event retries.
  if (!plotly) {
    delete root.dataset.mounting;
    return;
  }
  const plotlyAt = performance.now();
  const payload = await readData<WidgetPayload>(dataEl);
  const mounter = mounters[payload.kind];
  if (!mounter) return;
  injectStyle();
  root.dataset.mounted = "1";
  const view = document.createElement("div");
  view.className = "tw-live";
  root.querySelector<HTMLElement>(".tw-static")?.setAttribute("hidden", "");
  root.append(view);
  const drawing: Promise<unknown>[] = [];
  mounter(view, payload, tracking(plotly, drawing));
  await Promise.all(drawing);
  // Drawn: tests and benchmarks wait for this, and read how long loading plotly (first widget of a page) and drawing took.
  root.dataset.ready = "1";
  root.dataset.plotlyMs = (plotlyAt - started).toFixed(1);
  root.dataset.renderMs = (performance.now() - plotlyAt).toFixed(1);
  root.dispatchEvent(new CustomEvent("trellis-widget-ready", { bubbles: true, detail: { id, plotlyMs: Number(root.dataset.plotlyMs), renderMs: Number(root.dataset.renderMs) } }));
}

/** Plotly whose drawing calls made while a view mounts are collected in `into` (the view is drawn when they settle). */
function tracking(plotly: PlotlyApi, into: Promise<unknown>[]): PlotlyApi {
  let mounting = true;
  void Promise.resolve().then(() => (mounting = false));
  const track = <T>(p: Promise<T>): Promise<T> => {
    if (mounting) into.push(p);
    return p;
  };
  return {
    newPlot: (...a) => track(plotly.newPlot(...a)),
    react: (...a) => track(plotly.react(...a)),
    restyle: (...a) => track(plotly.restyle(...a)),
    relayout: (...a) => track(plotly.relayout(...a)),
    extendTraces: (...a) => track(plotly.extendTraces(...a)),
    purge: (el) => plotly.purge(el),
  };
}

function mountAll(): void {
  for (const id of (window.__trellisQueue ?? []).splice(0)) void mount(id);
  for (const el of Array.from(document.querySelectorAll<HTMLElement>(".trellis-widget:not([data-mounted])"))) void mount(el.id);
}

if (!window.TrellisWidgets) {
  window.TrellisWidgets = { version: "1", mount };
  // Plotly arrives with some output (maybe later than this one): mount what waits when it does.
  window.addEventListener("trellis-plotly", mountAll);
  mountAll();
}
