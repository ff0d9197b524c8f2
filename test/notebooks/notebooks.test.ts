// Every notebook in notebooks/ runs twice — headless with `trellis run`, and
// in Jupyter through nbclient and the Trellis kernelspec — with the same
// numbers both times, stays under 2 MB with its outputs, and keeps its
// widgets (one plotly copy, each widget's data and static picture).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { installKernelspec } from "../../kernel/kernelspec.js";
import { repeatableOutputs, runWithNbclient, validateNbformat } from "../helpers/notebooks.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const notebooksDir = join(root, "notebooks");
const cli = join(root, "dist", "kernel", "cli.js");
/** Executed notebooks and their HTML reports are kept here (the browser tests and a reader look at them). */
const executedDir = join(root, "test-output", "notebooks");
const MAX_BYTES = 2 * 1024 * 1024;
/** The notebooks, the seed papers' under seeds/ (as "seeds/name.ipynb"). */
const names = [
  ...readdirSync(notebooksDir).filter((f) => f.endsWith(".ipynb")),
  ...readdirSync(join(notebooksDir, "seeds")).filter((f) => f.endsWith(".ipynb")).map((f) => `seeds/${f}`),
].sort();
let prefix: string;

before(async () => {
  mkdirSync(executedDir, { recursive: true });
  prefix = await mkdtemp(join(tmpdir(), "trellis-nb-kernelspec-"));
  await installKernelspec({ prefix });
});
after(async () => {
  await rm(prefix, { recursive: true, force: true });
});

test("the research notebooks are there", () => {
  assert.deepEqual(names, ["components.ipynb", "credit-assignment.ipynb", "datasets.ipynb", "distributed.ipynb", "grpo.ipynb", "hybrid.ipynb", "quickstart.ipynb", "seeds/budget-guidance.ipynb", "seeds/divergences.ipynb", "seeds/hints-teachers.ipynb", "seeds/lipo.ipynb", "seeds/moorl.ipynb", "seeds/mpo.ipynb", "seeds/ogsrl.ipynb", "seeds/ppo-lagrangian.ipynb", "seeds/ppo-max.ipynb", "seeds/references.ipynb", "seeds/rlg.ipynb", "seeds/step-credit.ipynb", "seeds/think-or-not.ipynb", "seeds/vgps.ipynb"]);
});

type Notebook = { cells: { cell_type: string; id?: string; outputs?: { output_type: string; data?: Record<string, string | string[]> }[] }[] };
const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join("") : (v ?? ""));

for (const name of names) {
  test(`${name}: runs with \`trellis run\` and with nbclient, same numbers both ways, under 2 MB, widgets kept`, async () => {
    const base = name.replace(/\.ipynb$/, "").replace("/", "-");
    const headless = join(executedDir, `${base}.ipynb`);
    const viaJupyter = join(executedDir, `${base}.nbclient.ipynb`);
    // the two executions run at once (each is mostly one busy core)
    const headlessRun = new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, "run", join(notebooksDir, name), "--out", headless, "--html", join(executedDir, `${base}.html`), "--quiet"], { env: { ...process.env, TRELLIS_QUIET: "1" } });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`trellis run failed on ${name} (exit ${code}):\n${stderr.slice(-4000)}`))));
    });
    await Promise.all([headlessRun, runWithNbclient(join(notebooksDir, name), viaJupyter, join(prefix, "share", "jupyter"))]);
    const runs: Notebook[] = [];
    for (const path of [headless, viaJupyter]) {
      validateNbformat(path);
      const size = statSync(path).size;
      assert.ok(size < MAX_BYTES, `${path} is ${(size / 1e6).toFixed(2)} MB`);
      runs.push(JSON.parse(readFileSync(path, "utf8")) as Notebook);
    }
    assert.deepEqual(repeatableOutputs(runs[1]!), repeatableOutputs(runs[0]!), "the same seeds give the same numbers");
    for (const nb of runs) {
      const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
      assert.equal(outputs.filter((o) => o.output_type === "error").length, 0);
      const html = outputs.map((o) => text(o.data?.["text/html"]));
      assert.equal(html.filter((h) => h.includes('id="trellis-plotly"')).length, 1, "plotly once per notebook");
      const widgets = html.filter((h) => h.includes('class="trellis-widget"'));
      assert.ok(widgets.length >= 3, `${widgets.length} widgets`);
      for (const w of widgets) assert.match(w, /<div class="tw-static"><svg/, "each widget keeps its static picture");
    }
  });
}
