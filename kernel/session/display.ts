import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import type { MimeBundle } from "../protocol/message.js";
import { currentCell } from "./context.js";

/** Objects with a method under this symbol show themselves: it returns a MIME bundle (Deno's and Trellis's convention). */
export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/** How `value` shows as a cell result or through `display(value)`; always has `text/plain`. */
export function mimeBundleOf(value: unknown): MimeBundle {
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const method = (value as Record<symbol, unknown>)[JUPYTER_DISPLAY];
    if (typeof method === "function") {
      const bundle = method.call(value) as MimeBundle | null | undefined;
      if (bundle && typeof bundle === "object") return "text/plain" in bundle ? bundle : { ...bundle, "text/plain": plainText(value) };
    }
  }
  return { "text/plain": plainText(value) };
}

/** `util.inspect` as a REPL prints results (depth 4, long arrays cut). */
export function plainText(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 100, colors: false });
}

const base64 = (b: Uint8Array | string) => (typeof b === "string" ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64"));

/** Where display calls go: a new output, or one output updated in place. */
export interface Display {
  /** Shows any value (its MIME bundle, see {@link mimeBundleOf}). */
  (value: unknown): void;
  javascript(s: string): void;
  html(s: string): void;
  markdown(s: string): void;
  latex(s: string): void;
  svg(s: string): void;
  png(b: Uint8Array): void;
  jpeg(b: Uint8Array): void;
  gif(b: Uint8Array): void;
  pdf(b: Uint8Array): void;
  text(s: string): void;
  /** Shows `b` as `contentType` (bytes are sent base64-encoded). */
  raw(contentType: string, b: string | Uint8Array): void;
  /** Shows a whole MIME bundle. */
  bundle(bundle: MimeBundle, metadata?: Record<string, unknown>): void;
}

function send(bundle: MimeBundle, metadata: Record<string, unknown> | undefined, displayId: string | undefined, update: boolean): void {
  const cell = currentCell();
  if (!cell) throw new Error("display() shows output in a notebook cell; here no cell is running (in a plain script, print instead)");
  cell.display(bundle, { ...(metadata ? { metadata } : {}), ...(displayId ? { displayId, update } : {}) });
}

function makeDisplay(displayId?: string): Display {
  let shown = false;
  const show = (bundle: MimeBundle, metadata?: Record<string, unknown>) => {
    send(bundle, metadata, displayId, shown);
    shown = true;
  };
  const d = ((value: unknown) => show(mimeBundleOf(value))) as Display;
  d.javascript = (s) => show({ "application/javascript": s, "text/plain": "<script>" });
  d.html = (s) => show({ "text/html": s, "text/plain": s });
  d.markdown = (s) => show({ "text/markdown": s, "text/plain": s });
  d.latex = (s) => show({ "text/latex": s, "text/plain": s });
  d.svg = (s) => show({ "image/svg+xml": s, "text/plain": "<svg image>" });
  d.png = (b) => show({ "image/png": base64(b), "text/plain": "<png image>" });
  d.jpeg = (b) => show({ "image/jpeg": base64(b), "text/plain": "<jpeg image>" });
  d.gif = (b) => show({ "image/gif": base64(b), "text/plain": "<gif image>" });
  d.pdf = (b) => show({ "application/pdf": base64(b), "text/plain": "<pdf>" });
  d.text = (s) => show({ "text/plain": s });
  d.raw = (contentType, b) => show({ [contentType]: typeof b === "string" ? b : base64(b), ...(contentType === "text/plain" ? {} : { "text/plain": `<${contentType}>` }) });
  d.bundle = (bundle, metadata) => show("text/plain" in bundle ? bundle : { ...bundle, "text/plain": plainText(bundle) }, metadata);
  return d;
}

/** Shows values below the running cell: `display(x)`, `display.html("<b>hi</b>")`, `display.png(bytes)`, … */
export const display: Display = makeDisplay();

/**
 * A display that stays one output: the first call shows it, later calls
 * replace it in place (`update_display_data`), also from later cells.
 */
export function newDisplay(): Display {
  return makeDisplay(randomUUID());
}

/** Clears the running cell's output (`wait`: only when the next output arrives, which avoids flicker). */
export function clearOutput(wait = false): void {
  const cell = currentCell();
  if (!cell) throw new Error("clearOutput() clears a notebook cell's output; here no cell is running");
  cell.clearOutput(wait);
}
