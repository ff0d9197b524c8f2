// The browser half of Trellis widgets: every widget output carries this
// script (it defines window.TrellisWidgets once), its data, and a static SVG
// that stays when no script runs. Plotly travels once per notebook, gzipped
// in the first widget output of a kernel session; the other outputs find it
// in the page.

/** The parts of plotly.js the widgets call. */
export interface PlotlyApi {
  newPlot(el: HTMLElement, data: unknown[], layout?: unknown, config?: unknown): Promise<unknown>;
  react(el: HTMLElement, data: unknown[], layout?: unknown, config?: unknown): Promise<unknown>;
  restyle(el: HTMLElement, update: unknown, indices?: number | number[]): Promise<unknown>;
  relayout(el: HTMLElement, update: unknown): Promise<unknown>;
  extendTraces(el: HTMLElement, update: unknown, indices: number[]): Promise<unknown>;
  purge(el: HTMLElement): void;
}

declare global {
  interface Window {
    Plotly?: PlotlyApi;
    TrellisWidgets?: { version: string; mount(id: string): Promise<void> };
    __trellisQueue?: string[];
  }
}

/** Base64 of gzip → text, with the browser's DecompressionStream. */
export async function gunzipBase64(b64: string): Promise<string> {
  const bytes = Uint8Array.from(atob(b64.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

/** The JSON of a data script: plain (`application/json`) or gzipped (`application/x-trellis-gzip`). */
export async function readData<T>(el: HTMLScriptElement): Promise<T> {
  const text = el.type === "application/x-trellis-gzip" ? await gunzipBase64(el.textContent ?? "") : (el.textContent ?? "");
  return JSON.parse(text) as T;
}

let plotlyLoading: Promise<PlotlyApi | undefined> | undefined;

/** plotly.js from the page (loaded from the gzipped copy in the first widget output when needed); undefined when none is there. */
export function ensurePlotly(): Promise<PlotlyApi | undefined> {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  const source = document.getElementById("trellis-plotly") as HTMLScriptElement | null;
  // Not in the page yet: it may arrive with a later output (its event mounts the waiting widgets).
  if (!source) return Promise.resolve(undefined);
  plotlyLoading ??= (async () => {
    const code = await gunzipBase64(source.textContent ?? "");
    const script = document.createElement("script");
    script.textContent = code;
    document.head.appendChild(script);
    return window.Plotly;
  })();
  return plotlyLoading;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

export const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
export { COLORS } from "../shared/colors.js";

/** "#1f77b4" → "rgba(31,119,180,a)". */
export function rgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
