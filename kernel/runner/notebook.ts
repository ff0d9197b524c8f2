import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { kernelInfo } from "../info.js";

/** One output of a code cell (nbformat 4). */
export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: "execute_result"; execution_count: number | null; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface CodeCell {
  cell_type: "code";
  id: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  execution_count: number | null;
  outputs: Output[];
}

export interface OtherCell {
  cell_type: "markdown" | "raw";
  id: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  attachments?: Record<string, unknown>;
}

export type Cell = CodeCell | OtherCell;

/** An nbformat 4 notebook. */
export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
}

/** A cell's source as one string (nbformat allows a list of lines). */
export function sourceText(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** A new nbformat 4.5 cell id (8 hex characters). */
export const newCellId = () => randomBytes(4).toString("hex");

/**
 * Reads an .ipynb file and brings it to nbformat 4.5: cells get ids, code
 * cells outputs and execution counts; errors name the file and the problem.
 */
export async function readNotebook(path: string): Promise<Notebook> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`${path}: not a readable notebook (${(error as Error).message})`);
  }
  const nb = raw as Partial<Notebook>;
  if (nb.nbformat !== 4) throw new Error(`${path}: nbformat ${String(nb.nbformat)} is not supported; Trellis runs nbformat 4 notebooks (convert with \`jupyter nbconvert --to notebook\`)`);
  if (!Array.isArray(nb.cells)) throw new Error(`${path}: the notebook has no cells array`);
  const seen = new Set<string>();
  const cells = nb.cells.map((c, i): Cell => {
    if (!c || typeof c !== "object" || !["code", "markdown", "raw"].includes((c as Cell).cell_type)) throw new Error(`${path}: cell ${i + 1} has no valid cell_type`);
    let id = typeof c.id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(c.id) && !seen.has(c.id) ? c.id : newCellId();
    while (seen.has(id)) id = newCellId();
    seen.add(id);
    const base = { id, source: c.source ?? "", metadata: c.metadata ?? {} };
    return c.cell_type === "code" ? { cell_type: "code", ...base, execution_count: c.execution_count ?? null, outputs: c.outputs ?? [] } : { ...c, ...base };
  });
  return { nbformat: 4, nbformat_minor: Math.max(5, nb.nbformat_minor ?? 5), metadata: nb.metadata ?? {}, cells };
}

/** The notebook metadata of a notebook run with this kernel. */
export function trellisMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  const info = kernelInfo() as { language_info: Record<string, unknown> };
  return {
    ...metadata,
    kernelspec: { name: "trellis", display_name: "TypeScript (Trellis)", language: "typescript" },
    language_info: { name: "typescript", version: info.language_info.version, mimetype: "text/typescript", file_extension: ".ts", codemirror_mode: info.language_info.codemirror_mode },
  };
}

/** Multiline strings as nbformat writes them: a list of lines, each but the last ending in "\n". */
function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

/** The notebook as JSON text in Jupyter's layout (1-space indent, sorted-free, sources as line lists). */
export function notebookJson(nb: Notebook): string {
  const cells = nb.cells.map((c) => {
    const source = splitLines(sourceText(c));
    if (c.cell_type !== "code") return { ...c, source };
    return {
      ...c,
      source,
      outputs: c.outputs.map((o) => {
        if (o.output_type === "stream") return { ...o, text: splitLines(o.text) };
        if (o.output_type === "error") return o;
        const data = Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, typeof v === "string" && (k.startsWith("text/") || k === "image/svg+xml" || k === "application/javascript") ? splitLines(v) : v]));
        return { ...o, data };
      }),
    };
  });
  return JSON.stringify({ ...nb, cells }, null, 1) + "\n";
}
