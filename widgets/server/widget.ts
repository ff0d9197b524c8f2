import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pageHtml, widgetHtml } from "./html.js";

/**
 * The bundle key that marks a Trellis widget: the kernel strips it and makes
 * sure plotly is in the notebook once (frontends never see it).
 */
export const WIDGET_MARKER = "application/vnd.trellis.widget+json";

/** Where the kernel installs the function that shows a bundle in the running cell (widgets never import the kernel). */
const SHOW_KEY = Symbol.for("trellis.kernel.show");
let fileCounter = 0;

/**
 * A widget: one MIME bundle that works in every Jupyter frontend —
 * `text/html` (interactive view with its data, static SVG inside),
 * `image/svg+xml` (for viewers that run no scripts) and `text/plain`.
 * Shown as a cell's result, with `display(w)`, or `w.show()`; outside a
 * notebook `show()` writes an HTML page and prints its path.
 */
export class Widget {
  constructor(
    readonly kind: string,
    readonly payload: object,
    private readonly svg: () => string,
    readonly text: string,
  ) {}

  /** The MIME bundle (what `display()` and a cell's result show). */
  bundle(): Record<string, unknown> {
    const svg = this.svg();
    return { "text/html": widgetHtml(this.kind, this.payload, svg), "image/svg+xml": svg, "text/plain": this.text, [WIDGET_MARKER]: { kind: this.kind } };
  }

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return this.bundle();
  }

  /** The static picture. */
  toSvg(): string {
    return this.svg();
  }

  /** A standalone HTML page with this widget (plotly included). */
  toHtml(title = `Trellis ${this.kind}`): string {
    return pageHtml(title, widgetHtml(this.kind, this.payload, this.svg()));
  }

  /** Writes the standalone page to `path` (default: ./trellis-widgets/<kind>-<n>.html) and returns its absolute path. */
  save(path?: string): string {
    const target = resolve(path ?? join("trellis-widgets", `${this.kind}-${++fileCounter}.html`));
    mkdirSync(resolve(target, ".."), { recursive: true });
    writeFileSync(target, this.toHtml());
    return target;
  }

  /** Shows it below the running notebook cell; in a plain script, saves the page and prints its path. */
  show(): void {
    const show = (globalThis as Record<symbol, unknown>)[SHOW_KEY] as ((value: unknown) => boolean) | undefined;
    if (show?.(this)) return;
    console.log(`${this.text}\nwidget saved to ${this.save()}`);
  }

  toString(): string {
    return this.text;
  }
}
