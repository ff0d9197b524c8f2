import { flagWords } from "../shared/completion-flags.js";
import type { CompletionRowData, CompletionsData } from "../shared/types.js";
import { el } from "./runtime.js";

type Column = { key: keyof CompletionRowData | "flags"; label: string; text?: boolean };
const COLUMNS: Column[] = [
  { key: "step", label: "step" },
  { key: "group", label: "group" },
  { key: "prompt", label: "prompt", text: true },
  { key: "completion", label: "completion", text: true },
  { key: "reward", label: "reward" },
  { key: "advantage", label: "adv" },
  { key: "length", label: "len" },
  { key: "flags", label: "flags", text: true },
];

const cell = (r: CompletionRowData, key: Column["key"]): string | number | null => (key === "flags" ? flagWords(r).join(" ") : (r[key] as string | number | boolean | null) === null ? null : (r[key] as string | number));
const show = (v: string | number | null) => (v === null ? "—" : typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : String(v));

/** One row per completion, filtered by step, sorted by a clicked column. */
export class CompletionsView {
  private readonly body: HTMLTableSectionElement;
  private readonly count: HTMLSpanElement;
  private readonly heads: HTMLTableCellElement[] = [];
  private step: number | null;
  private sortKey: Column["key"] | undefined;
  private descending = false;

  constructor(root: HTMLElement, private readonly data: CompletionsData) {
    this.step = data.step;
    const controls = el("div", { class: "tw-controls" });
    const select = el("select", { class: "tw-step" });
    select.append(el("option", { value: "all" }, "all steps"));
    for (const s of data.steps) select.append(el("option", { value: String(s) }, `step ${s}`));
    select.value = this.step === null ? "all" : String(this.step);
    select.addEventListener("change", () => {
      this.step = select.value === "all" ? null : Number(select.value);
      this.draw();
    });
    const label = el("label", {}, "show ");
    label.append(select);
    this.count = el("span", {});
    controls.append(label, this.count);
    const table = el("table", { class: "tw-table tw-completions-table" });
    const headRow = el("tr");
    for (const c of COLUMNS) {
      const th = el("th", { "data-key": c.key, title: "sort" }, c.label);
      th.style.cursor = "pointer";
      th.addEventListener("click", () => {
        this.descending = this.sortKey === c.key ? !this.descending : c.key === "reward" || c.key === "advantage";
        this.sortKey = c.key;
        this.draw();
      });
      this.heads.push(th);
      headRow.append(th);
    }
    const thead = el("thead");
    thead.append(headRow);
    this.body = el("tbody");
    table.append(thead, this.body);
    root.append(el("div", { class: "tw-title" }, data.title), controls, table);
    this.draw();
  }

  private draw(): void {
    const rows = this.data.rows.filter((r) => this.step === null || r.step === this.step);
    const key = this.sortKey;
    if (key) {
      const sign = this.descending ? -1 : 1;
      rows.sort((a, b) => {
        const x = cell(a, key);
        const y = cell(b, key);
        // Missing values last, whichever the direction.
        if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
        return sign * (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y)));
      });
    }
    this.heads.forEach((th, i) => (th.textContent = `${COLUMNS[i]!.label}${COLUMNS[i]!.key === key ? (this.descending ? " ▼" : " ▲") : ""}`));
    this.count.textContent = `${rows.length} of ${this.data.total} completions${this.data.omitted ? ` (${this.data.omitted} of older steps not embedded)` : ""}`;
    this.body.replaceChildren(
      ...rows.map((r) => {
        const tr = el("tr", { "data-episode": String(r.episode), "data-step": String(r.step) });
        if (r.zeroVariance) tr.classList.add("tw-zero");
        for (const c of COLUMNS) {
          const td = el("td", c.text ? { class: "tw-text" } : {}, show(cell(r, c.key)));
          if (c.key === "prompt" && r.promptId !== null) td.title = `prompt ${r.promptId}`;
          tr.append(td);
        }
        return tr;
      }),
    );
  }
}
