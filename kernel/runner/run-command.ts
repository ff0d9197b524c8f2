import { mkdir, rename, writeFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { notebookJson, readNotebook, sourceText, type Output } from "./notebook.js";
import { notebookHtml } from "./report.js";
import { runNotebook } from "./run-notebook.js";

export const RUN_USAGE = "trellis run NOTEBOOK.ipynb [--out OUT.ipynb] [--html REPORT.html] [--timeout SECONDS] [--allow-errors] [--no-typecheck] [--quiet]";

/** Replaces `path` in one step (a crash never leaves a half-written notebook). */
async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** The text an output shows in a terminal (text/plain, streams, tracebacks). */
function outputText(o: Output): string {
  if (o.output_type === "stream") return o.text;
  if (o.output_type === "error") return o.traceback.join("\n").replace(/\u001b\[[0-9;]*m/g, "") + "\n";
  const plain = o.data["text/plain"];
  const text = Array.isArray(plain) ? plain.join("") : typeof plain === "string" ? plain : "";
  return text ? `${text}\n` : "";
}

/**
 * `trellis run`: executes a notebook headless with the Trellis kernel,
 * shows each cell's text output as it finishes, writes the notebook with its
 * outputs (in place unless --out) and an HTML report (--html). Exits 1
 * naming the first failing cell.
 */
export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      html: { type: "string" },
      timeout: { type: "string" },
      "allow-errors": { type: "boolean", default: false },
      "no-typecheck": { type: "boolean", default: false },
      quiet: { type: "boolean", short: "q", default: false },
    },
  });
  const path = positionals[0];
  if (!path || positionals.length > 1) {
    console.error(`usage: ${RUN_USAGE}`);
    return 2;
  }
  for (const [flag, value] of [["--out", values.out], ["--html", values.html]] as const) {
    if (value === "") {
      console.error(`trellis run: ${flag} takes a file path, got an empty one`);
      return 2;
    }
  }
  const timeoutS = values.timeout !== undefined ? Number(values.timeout) : undefined;
  if (timeoutS !== undefined && !(timeoutS > 0)) {
    console.error(`trellis run: --timeout takes a number of seconds > 0, got ${values.timeout}`);
    return 2;
  }
  // Every path the user gave is the caller's; cells run in the notebook's folder.
  const input = resolve(path);
  const out = resolve(values.out ?? input);
  const html = values.html !== undefined ? resolve(values.html) : undefined;
  const nb = await readNotebook(input);
  const log = (s: string) => process.stderr.write(s);
  const result = await runNotebook(nb, {
    dir: dirname(input),
    allowErrors: values["allow-errors"],
    typecheck: !values["no-typecheck"],
    ...(timeoutS !== undefined ? { timeoutS } : {}),
    onCell: (e) => {
      if (!e.done) {
        const first = sourceText(e.cell).split("\n").find((l) => l.trim()) ?? "";
        log(`[${e.codeCell}/${e.codeCells}] ${first.length > 70 ? first.slice(0, 69) + "…" : first}\n`);
        return;
      }
      if (!values.quiet) for (const o of e.cell.outputs) process.stdout.write(outputText(o));
      log(`      ${e.done.status === "ok" ? "ok" : e.done.timedOut ? "timed out" : "FAILED"} (In[${e.cell.execution_count ?? " "}], ${e.done.seconds.toFixed(2)} s)\n`);
    },
  });
  await writeAtomic(out, notebookJson(result.notebook));
  const f = result.failure;
  const note = f ? `Failed at code cell ${f.codeCell} (In[${f.executionCount}]): ${f.ename}: ${f.evalue}` : `Ran in ${result.seconds.toFixed(1)} s with the Trellis kernel.`;
  if (html) await writeAtomic(html, notebookHtml(result.notebook, { title: basename(input, ".ipynb"), note, ...(f ? { failedIndex: f.index } : {}) }));
  log(`wrote ${out}${html ? ` and ${html}` : ""}\n`);
  if (f) {
    log(`trellis run: ${basename(input)} failed at code cell ${f.codeCell} (In[${f.executionCount}]): ${f.timedOut ? `timed out after ${timeoutS} s` : `${f.ename}: ${f.evalue}`}\n`);
    return 1;
  }
  log(`trellis run: ${basename(input)} ran in ${result.seconds.toFixed(1)} s\n`);
  return 0;
}
