import type { DatasetData } from "../shared/types.js";
import { CONFIG, el, type PlotlyApi } from "./runtime.js";
import { fmtInt } from "../shared/format.js";

const PAGE = 20;

/** The dataset browser: schema, rows page by page, histograms. */
export class DatasetView {
  private page = 0;
  private readonly body: HTMLTableSectionElement;
  private readonly where: HTMLSpanElement;

  constructor(root: HTMLElement, private readonly data: DatasetData, plotly: PlotlyApi) {
    root.append(el("div", { class: "tw-title" }, data.title));
    if (data.stats) root.append(el("div", { class: "tw-metrics" }, Object.entries(data.stats).map(([k, v]) => `${k} ${Number.isInteger(v) ? fmtInt(v) : v.toPrecision(4)}`).join(" · ")));
    const schema = el("table", { class: "tw-table tw-schema" });
    schema.append(el("tr", {}), el("tr", {}), el("tr", {}));
    const [names, types, nulls] = Array.from(schema.querySelectorAll("tr"));
    for (const c of data.columns) {
      names!.append(el("th", {}, c.name));
      types!.append(el("td", {}, c.type));
      nulls!.append(el("td", {}, c.nulls ? `${c.nulls} null` : c.nullable ? "nullable" : ""));
    }
    const rows = el("table", { class: "tw-table tw-rows" });
    const head = el("tr", {});
    for (const c of data.columns) head.append(el("th", {}, c.name));
    this.body = el("tbody", {});
    rows.append(head, this.body);
    const pager = el("div", { class: "tw-pager" });
    const prev = el("button", { type: "button", class: "tw-prev" }, "‹ prev");
    const next = el("button", { type: "button", class: "tw-next" }, "next ›");
    this.where = el("span", {});
    prev.addEventListener("click", () => this.show(this.page - 1));
    next.addEventListener("click", () => this.show(this.page + 1));
    pager.append(prev, next, this.where);
    const hists = el("div", { class: "tw-hists" });
    root.append(el("div", { class: "tw-title" }, "schema"), schema, el("div", { class: "tw-title" }, "rows"), pager, rows, el("div", { class: "tw-title" }, "histograms"), hists);
    this.show(0);
    for (const h of data.histograms) {
      const div = el("div", { class: "tw-hist" });
      hists.append(div);
      const centers = h.counts.map((_, i) => (h.edges[i]! + h.edges[i + 1]!) / 2);
      void plotly.newPlot(div, [{ type: "bar", x: centers, y: h.counts, marker: { color: "#1f77b4" }, hovertemplate: `${h.name} %{x:.4g}: %{y}<extra></extra>` }], { height: 160, margin: { l: 35, r: 5, t: 22, b: 25 }, title: { text: h.name, font: { size: 11 } }, bargap: 0.05 }, { ...CONFIG, displayModeBar: false });
    }
  }

  private show(page: number): void {
    const pages = Math.max(1, Math.ceil(this.data.rows.length / PAGE));
    this.page = Math.max(0, Math.min(page, pages - 1));
    this.body.replaceChildren(
      ...this.data.rows.slice(this.page * PAGE, (this.page + 1) * PAGE).map((r) => {
        const tr = el("tr", {});
        for (const cell of r) tr.append(el("td", {}, cell));
        return tr;
      }),
    );
    const from = this.page * PAGE;
    this.where.textContent = `rows ${from}–${Math.min(from + PAGE, this.data.rows.length) - 1} of ${fmtInt(this.data.numRows)}${this.data.rows.length < this.data.numRows ? ` (the first ${this.data.rows.length} are shown)` : ""}`;
  }
}
