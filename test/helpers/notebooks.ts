// Notebook files in tests: nbformat validation, execution by Jupyter's nbclient, and the outputs that must repeat.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { requirePython } from "./system.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Checks `path` with nbformat's own validator (nbformat 4.5). */
export function validateNbformat(path: string): void {
  const python = requirePython(["nbformat"]);
  const r = spawnSync(python, ["-c", `import nbformat, sys; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); print(nb.nbformat, nb.nbformat_minor)`, path], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "4 5");
}

/** Executes `source` with nbclient and the kernelspec under `jupyterPath`, writing `target`; rejects with nbclient's report on failure. */
export function runWithNbclient(source: string, target: string, jupyterPath: string): Promise<void> {
  const python = requirePython(["nbclient", "nbformat", "jupyter_client"]);
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(root, "test", "notebooks", "run_nbclient.py"), source, target], { env: { ...process.env, JUPYTER_PATH: jupyterPath, PYDEVD_DISABLE_FILE_VALIDATION: "1" } });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`nbclient failed on ${source} (exit ${code}):\n${output.slice(-4000)}`))));
  });
}

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}

const join1 = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join("") : (v ?? ""));

/**
 * What a re-execution must give again, per code cell: printed text, results'
 * text and errors. Displays are left out (training widgets carry wall-clock
 * speeds, and every widget a fresh element id).
 */
export function repeatableOutputs(nb: { cells: { cell_type: string; id?: string; outputs?: Output[] }[] }): { id: string | undefined; outputs: string[] }[] {
  return nb.cells
    .filter((c) => c.cell_type === "code")
    .map((c) => ({
      id: c.id,
      outputs: (c.outputs ?? []).flatMap((o) => {
        if (o.output_type === "stream") return [`${o.name}: ${join1(o.text)}`];
        if (o.output_type === "execute_result") return [`result: ${join1(o.data?.["text/plain"])}`];
        if (o.output_type === "error") return [`error: ${o.ename}: ${o.evalue}`];
        return [];
      }),
    }));
}
