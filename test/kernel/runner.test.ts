import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { validateNbformat } from "../helpers/notebooks.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "dist", "kernel", "cli.js");
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-run-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const code = (source: string, id: string) => ({ cell_type: "code", id, metadata: {}, execution_count: null, outputs: [{ output_type: "stream", name: "stdout", text: "stale output\n" }], source });
const md = (source: string, id: string) => ({ cell_type: "markdown", id, metadata: {}, source });
async function notebook(name: string, cells: unknown[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells }));
  return path;
}
function run(...args: string[]) {
  return spawnSync(process.execPath, [cli, "run", ...args], { encoding: "utf8", env: { ...process.env, TRELLIS_QUIET: "1" } });
}

test("trellis run writes nbformat 4.5 outputs: merged streams, results, displays updated in place, clear_output, and an HTML report", async () => {
  const path = await notebook("good.ipynb", [
    md("# Title *with* markdown", "m1"),
    code('console.log("a"); console.log("b");\nconst shown = tslab.newDisplay();\nshown.text("first");\n6 * 7', "c1"),
    code('import * as tslab from "tslab";', "c0"),
    code('shown.html("<b>updated later</b>");\nconsole.log("x");\nclearOutput(true);\nconsole.log("after clear");\ndisplay.html("<i>shown</i> & <kept>")', "c2"),
    code("   ", "empty"),
  ]);
  // The tslab import must come first: move it.
  const nb = JSON.parse(await readFile(path, "utf8"));
  nb.cells = [nb.cells[0], nb.cells[2], nb.cells[1], nb.cells[3], nb.cells[4]];
  await writeFile(path, JSON.stringify(nb));
  const out = join(dir, "good.out.ipynb");
  const html = join(dir, "good.html");
  const r = run(path, "--out", out, "--html", html);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^a\nb\nfirst\n42\n/m, "each cell's text output is shown as it finishes");
  validateNbformat(out);
  const result = JSON.parse(await readFile(out, "utf8"));
  assert.equal(result.metadata.kernelspec.name, "trellis");
  const [, imp, first, second, empty] = result.cells;
  assert.equal(imp.execution_count, 1);
  assert.deepEqual(imp.outputs, []);
  assert.equal(first.execution_count, 2);
  assert.deepEqual(first.outputs[0], { output_type: "stream", name: "stdout", text: ["a\n", "b\n"] });
  // The display created here was updated by the next cell.
  assert.deepEqual(first.outputs[1].data, { "text/html": ["<b>updated later</b>"], "text/plain": ["<b>updated later</b>"] });
  assert.deepEqual(first.outputs[2], { output_type: "execute_result", execution_count: 2, data: { "text/plain": ["42"] }, metadata: {} });
  // clear_output(wait) removed "x" when the next output came.
  assert.deepEqual(second.outputs.map((o: { output_type: string }) => o.output_type), ["stream", "display_data"]);
  assert.deepEqual(second.outputs[0].text, ["after clear\n"]);
  assert.equal(empty.execution_count, null);
  assert.deepEqual(empty.outputs, [], "stale outputs of a cell not run are removed");
  const page = await readFile(html, "utf8");
  assert.match(page, /<h1>Title <em>with<\/em> markdown<\/h1>/);
  assert.match(page, /<i>shown<\/i> & <kept>/, "HTML outputs are embedded as they are");
  assert.match(page, /console\.log\(&quot;a&quot;\)/, "sources are escaped");
  // The input was not changed.
  assert.equal(JSON.parse(await readFile(path, "utf8")).cells[1].outputs[0].text, "stale output\n");
});

test("a failing cell: exit code 1 naming it, later cells not run, outputs written in place; --allow-errors runs on", async () => {
  const path = await notebook("bad.ipynb", [code("const ok = 1;", "c1"), code('throw new TypeError("broken on purpose")', "c2"), code("console.log('after')", "c3")]);
  const r = run(path);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.ipynb failed at code cell 2 \(In\[2\]\): TypeError: broken on purpose/);
  const nb = JSON.parse(await readFile(path, "utf8"));
  assert.equal(nb.cells[1].outputs[0].output_type, "error");
  assert.equal(nb.cells[2].execution_count, null);
  validateNbformat(path);
  const all = run(path, "--allow-errors", "--out", join(dir, "bad.all.ipynb"));
  assert.equal(all.status, 1);
  assert.equal(JSON.parse(await readFile(join(dir, "bad.all.ipynb"), "utf8")).cells[2].outputs[0].text[0], "after\n");
});

test("--timeout interrupts a cell that runs too long", async () => {
  const path = await notebook("slow.ipynb", [code("let n = 0;\nwhile (true) { n++; }", "c1"), code("'never'", "c2")]);
  const t0 = performance.now();
  const r = run(path, "--timeout", "1");
  assert.equal(r.status, 1);
  assert.ok(performance.now() - t0 < 15_000);
  assert.match(r.stderr, /failed at code cell 1 \(In\[1\]\): timed out after 1 s/);
  const nb = JSON.parse(await readFile(path, "utf8"));
  assert.match(nb.cells[0].outputs[0].evalue, /ran longer than the 1 s timeout/);
});

test("--timeout stops a guarded loop, an awaiting cell and code that checks nothing; with --allow-errors the cells after each run untouched", async () => {
  const path = await notebook("slow-kinds.ipynb", [
    code("let m = 0;\nwhile (true) { m++; }", "g"),
    code("await new Promise((r) => setTimeout(r, 5));\n'after the loop'", "a1"),
    code("await new Promise((r) => setTimeout(r, 60_000).unref());", "w"),
    code("await new Promise((r) => setTimeout(r, 5));\n'after the await'", "a2"),
    code('eval("while (true) {}")', "e"),
    code("await new Promise((r) => setTimeout(r, 5));\n'after the eval'", "a3"),
  ]);
  const r = run(path, "--timeout", "1", "--allow-errors");
  assert.match(r.stderr, /failed at code cell 1 \(In\[1\]\): timed out after 1 s/i, r.stderr);
  const cells = JSON.parse(await readFile(path, "utf8")).cells;
  for (const i of [0, 2, 4]) assert.match(cells[i].outputs[0].evalue, /ran longer than the 1 s timeout/, `cell ${i}`);
  assert.deepEqual([1, 3, 5].map((i) => cells[i].outputs[0]?.data?.["text/plain"]?.join?.("") ?? JSON.stringify(cells[i].outputs)), ["'after the loop'", "'after the await'", "'after the eval'"]);
});

test("bad input: a missing file, a file that is not a notebook, a bad timeout", async () => {
  assert.match(run(join(dir, "nope.ipynb")).stderr, /nope\.ipynb: not a readable notebook/);
  const notNb = join(dir, "x.ipynb");
  await writeFile(notNb, JSON.stringify({ nbformat: 3, worksheets: [] }));
  assert.match(run(notNb).stderr, /nbformat 3 is not supported/);
  assert.equal(run(notNb, "--timeout=-2").status, 2);
});

test("cells run in the notebook's folder, as under Jupyter: relative paths in cells are the notebook's; --out and --html are the caller's", async () => {
  const nbDir = join(dir, "project", "notebooks");
  await mkdir(nbDir, { recursive: true });
  await writeFile(join(nbDir, "data.txt"), "next to the notebook\n");
  const path = join(nbDir, "paths.ipynb");
  await writeFile(path, JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [code('import { readFileSync, writeFileSync } from "node:fs";\nwriteFileSync("made-by-cell.txt", "x");\nreadFileSync("data.txt", "utf8").trim() + " | " + process.cwd()', "p1")] }));
  const caller = join(dir, "elsewhere");
  await mkdir(caller, { recursive: true });
  const r = spawnSync(process.execPath, [cli, "run", path, "--out", "out.ipynb", "--html", "report.html"], { encoding: "utf8", cwd: caller, env: { ...process.env, TRELLIS_QUIET: "1" } });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes(`next to the notebook | ${nbDir}`), r.stdout);
  assert.ok(existsSync(join(nbDir, "made-by-cell.txt")), "a relative path written by a cell lands next to the notebook");
  assert.ok(existsSync(join(caller, "out.ipynb")) && existsSync(join(caller, "report.html")), "--out and --html are relative to the caller");
  assert.equal(run(path, "--out", "").status, 2);
  assert.match(run(path, "--html", "").stderr, /--html takes a file path, got an empty one/);
});
