import { marked } from "marked";
import { sourceText, type Notebook, type Output } from "./notebook.js";

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
// Tracebacks may carry terminal colours.
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, "");

const STYLE = `
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #1f2328; }
header { border-bottom: 1px solid #d0d7de; margin-bottom: 1.5em; }
header .meta { color: #656d76; font-size: 12px; }
.cell { margin: 1em 0; }
.prompt { color: #656d76; font: 12px ui-monospace, Menlo, monospace; }
pre { margin: 0; padding: .6em .8em; overflow-x: auto; font: 12.5px/1.45 ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-word; }
pre.source { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; }
.output { margin: .3em 0 0 0; }
pre.stderr { background: #fff8e6; }
pre.error { background: #ffebe9; color: #82071e; }
.output img { max-width: 100%; }
.markdown h1, .markdown h2, .markdown h3 { margin: .6em 0 .3em; }
.failed { border-left: 4px solid #cf222e; padding-left: .6em; }
`;

/** The richest representation of a MIME bundle this report can show, as HTML. */
function bundleHtml(data: Record<string, unknown>): string {
  const str = (k: string) => (Array.isArray(data[k]) ? (data[k] as string[]).join("") : String(data[k]));
  if ("text/html" in data) return str("text/html");
  if ("image/svg+xml" in data) return str("image/svg+xml");
  for (const k of ["image/png", "image/jpeg", "image/gif"]) if (k in data) return `<img src="data:${k};base64,${str(k).replace(/\s/g, "")}">`;
  if ("text/markdown" in data) return `<div class="markdown">${marked.parse(str("text/markdown"), { async: false })}</div>`;
  if ("text/latex" in data) return `<pre>${escapeHtml(str("text/latex"))}</pre>`;
  if ("application/json" in data) return `<pre>${escapeHtml(JSON.stringify(data["application/json"], null, 2))}</pre>`;
  if ("text/plain" in data) return `<pre>${escapeHtml(str("text/plain"))}</pre>`;
  return "";
}

function outputHtml(o: Output): string {
  if (o.output_type === "stream") return `<pre class="${o.name}">${escapeHtml(o.text)}</pre>`;
  if (o.output_type === "error") return `<pre class="error">${escapeHtml(stripAnsi(o.traceback.join("\n")))}</pre>`;
  return bundleHtml(o.data);
}

/**
 * A notebook with its outputs as one self-contained HTML page: markdown
 * rendered, code and text escaped, images inline, HTML outputs (widgets)
 * embedded as they are.
 */
export function notebookHtml(nb: Notebook, options: { title: string; failedIndex?: number; note?: string }): string {
  const cells = nb.cells.map((cell, index) => {
    if (cell.cell_type === "markdown") return `<div class="cell markdown">${marked.parse(sourceText(cell), { async: false })}</div>`;
    if (cell.cell_type !== "code") return `<div class="cell"><pre>${escapeHtml(sourceText(cell))}</pre></div>`;
    const prompt = `In [${cell.execution_count ?? " "}]:`;
    const outputs = cell.outputs.map((o) => `<div class="output">${outputHtml(o)}</div>`).join("\n");
    return `<div class="cell${index === options.failedIndex ? " failed" : ""}"><div class="prompt">${prompt}</div><pre class="source">${escapeHtml(sourceText(cell))}</pre>${outputs}</div>`;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(options.title)}</h1>${options.note ? `<p class="meta">${escapeHtml(options.note)}</p>` : ""}</header>
${cells.join("\n")}
</body></html>
`;
}
