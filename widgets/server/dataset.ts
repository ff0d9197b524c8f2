import { DataType, type Table } from "apache-arrow";
import type { DatasetColumn, DatasetData, Histogram } from "../shared/types.js";
import { escapeXml } from "../shared/xml.js";
import { fmtInt } from "../shared/format.js";
import { columnNumbers } from "./column-numbers.js";
import { Widget } from "./widget.js";

/** Rows the browser can page through (the rest is summarized by the histograms). */
const MAX_ROWS = 500;
const BINS = 30;
/** List columns get a histogram per element, up to this many elements. */
const MAX_ELEMENTS = 8;

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "∅";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(5);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "object" && typeof (v as { toArray?: unknown }).toArray === "function") {
    const a = Array.from((v as { toArray(): ArrayLike<number> }).toArray(), (x) => cellText(x));
    return `[${a.slice(0, 8).join(", ")}${a.length > 8 ? ", …" : ""}]`;
  }
  return String(v);
}

/** A histogram of finite values: integer columns with few distinct values get one bar per value. */
export function histogram(name: string, values: ArrayLike<number>, bins = BINS): Histogram | undefined {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  let integral = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    n++;
    if (!Number.isInteger(v)) integral = false;
  }
  if (!n) return undefined;
  let edges: number[];
  if (integral && max - min < bins) edges = Array.from({ length: max - min + 2 }, (_, k) => min - 0.5 + k);
  else {
    const width = max > min ? (max - min) / bins : 1;
    edges = Array.from({ length: bins + 1 }, (_, k) => min + k * width);
  }
  const counts = new Array<number>(edges.length - 1).fill(0);
  const lo = edges[0]!;
  const w = edges[1]! - lo;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    counts[Math.min(counts.length - 1, Math.max(0, Math.floor((v - lo) / w)))]!++;
  }
  return { name, edges, counts, min, max, mean: sum / n };
}

/**
 * The dataset browser: the schema (types, nulls), the first rows to page
 * through, and a histogram per numeric column (per element of list columns).
 */
export function datasetWidget(table: Table, options: { title?: string; stats?: Record<string, number> } = {}): Widget {
  const columns: DatasetColumn[] = table.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable, nulls: table.getChild(f.name)?.nullCount ?? 0 }));
  const shown = Math.min(MAX_ROWS, table.numRows);
  const rows: string[][] = [];
  for (let i = 0; i < shown; i++) rows.push(table.schema.fields.map((f) => cellText(table.getChild(f.name)!.get(i))));
  const histograms: Histogram[] = [];
  for (const f of table.schema.fields) {
    const t = f.type as DataType;
    if (DataType.isInt(t) || DataType.isFloat(t) || DataType.isBool(t)) {
      const h = histogram(f.name, columnNumbers(table.getChild(f.name)!).values);
      if (h) histograms.push(h);
    } else if (DataType.isFixedSizeList(t) && (DataType.isFloat(t.children[0]!.type) || DataType.isInt(t.children[0]!.type))) {
      const { values, width } = columnNumbers(table.getChild(f.name)!);
      for (let j = 0; j < Math.min(t.listSize, MAX_ELEMENTS); j++) {
        const h = histogram(`${f.name}[${j}]`, Float64Array.from({ length: table.numRows }, (_, r) => values[r * width + j]!));
        if (h) histograms.push(h);
      }
    }
  }
  const title = options.title ?? `dataset: ${fmtInt(table.numRows)} rows × ${columns.length} columns`;
  const data: DatasetData = { title, numRows: table.numRows, columns, rows, histograms, ...(options.stats ? { stats: options.stats } : {}) };
  const svg = () => histogramsSvg(title, histograms.slice(0, 12));
  const text = `${title}\n${columns.map((c) => `  ${c.name}: ${c.type}${c.nulls ? ` (${c.nulls} null)` : ""}`).join("\n")}`;
  return new Widget("dataset", { dataset: data }, svg, text);
}

/** Small multiples of histograms as one SVG. */
function histogramsSvg(title: string, hists: readonly Histogram[]): string {
  const cw = 220;
  const ch = 110;
  const cols = 4;
  const rowsN = Math.ceil(hists.length / cols);
  const W = cols * cw;
  const H = rowsN * ch + 30;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="Helvetica, Arial, sans-serif" font-size="10"><rect width="100%" height="100%" fill="#fff"/><text x="4" y="16" font-size="13">${escapeXml(title)}</text>`];
  hists.forEach((h, k) => {
    const x0 = (k % cols) * cw + 8;
    const y0 = Math.floor(k / cols) * ch + 30;
    const top = Math.max(1, ...h.counts);
    const bw = (cw - 20) / h.counts.length;
    parts.push(`<text x="${x0}" y="${y0 + 10}" fill="#1f2328">${h.name}</text>`);
    h.counts.forEach((c, i) => {
      const bh = (c / top) * (ch - 40);
      parts.push(`<rect x="${(x0 + i * bw).toFixed(1)}" y="${(y0 + ch - 22 - bh).toFixed(1)}" width="${Math.max(0.5, bw - 0.5).toFixed(1)}" height="${bh.toFixed(1)}" fill="#1f77b4"/>`);
    });
    parts.push(`<text x="${x0}" y="${y0 + ch - 10}" fill="#57606a">${Number(h.min.toPrecision(4))} … ${Number(h.max.toPrecision(4))}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}
