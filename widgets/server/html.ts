import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { escapeXml } from "../shared/xml.js";
import { clientScript, plotlyBundle } from "./bundle.js";

/** Data larger than this travels gzipped (base64) in the output. */
const GZIP_ABOVE = 8 * 1024;

/** `s` safe inside a <script> element. */
const scriptSafe = (s: string) => s.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");

/** Significant digits of the fractional numbers in widget data (what a plot or a hover can show). */
const DIGITS = 5;

/** A data script: JSON as it is, or gzipped when large. */
function dataScript(id: string, payload: unknown): string {
  const json = JSON.stringify(payload, (_k, v: unknown) => (typeof v !== "number" || Number.isInteger(v) ? v : Number.isFinite(v) ? Number(v.toPrecision(DIGITS)) : null));
  if (json.length <= GZIP_ABOVE) return `<script type="application/json" id="${id}">${scriptSafe(json)}</script>`;
  return `<script type="application/x-trellis-gzip" id="${id}">${gzipSync(json, { level: 6 }).toString("base64")}</script>`;
}

/**
 * One widget as HTML: a container with the static SVG (what viewers that run
 * no scripts show), the widget's data, the browser runtime, and the call
 * that replaces the picture with the interactive view once plotly is in the
 * page (see {@link plotlyHtml}).
 */
export function widgetHtml(kind: string, payload: object, staticSvg: string, options: { id?: string } = {}): string {
  const id = options.id ?? `tw-${randomUUID()}`;
  return [
    `<div class="trellis-widget" id="${id}" data-kind="${kind}"><div class="tw-static">${staticSvg}</div></div>`,
    dataScript(`${id}-data`, { kind, ...payload }),
    `<script>${clientScript()}</script>`,
    `<script>(window.__trellisQueue=window.__trellisQueue||[]).push(${JSON.stringify(id)});window.TrellisWidgets&&window.TrellisWidgets.mount(${JSON.stringify(id)});</script>`,
  ].join("\n");
}

/** plotly.js for a page (gzipped, ~0.67 MB), and the event that mounts the widgets waiting for it. Once per notebook or page. */
export function plotlyHtml(): string {
  return `<script type="application/x-trellis-gzip" id="trellis-plotly">${plotlyBundle().gzipBase64}</script>\n<script>window.dispatchEvent(new Event("trellis-plotly"));</script>`;
}

/** A standalone page around widget HTML (the plain-script fallback). */
export function pageHtml(title: string, body: string): string {
  const esc = escapeXml(title);
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc}</title></head>\n<body style="margin:2em">\n<h2 style="font-family:Helvetica,Arial,sans-serif">${esc}</h2>\n${body}\n${plotlyHtml()}\n</body></html>\n`;
}
