// The widgets in a real browser (headless Chromium, playwright-core):
// 1. the HTML report `trellis run --html` writes for the quickstart notebook,
//    opened from disk with no kernel: every widget draws, the curve's traces
//    hold the embedded points, the smoothing slider changes the line, the
//    trajectory scrubber changes the frame;
// 2. the quickstart notebook running live in Notebook 6 (Debian's
//    jupyter-notebook) with the Trellis kernel: the training widget's curve
//    gains points over the loopback WebSocket while a cell trains, its Stop
//    button ends train() and the next cell continues the run.
// Screenshots go to test-output/widgets/.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { NotebookServer, notebookCells } from "../helpers/notebook-server.js";
import { payload } from "../helpers/widgets.js";
import { syntheticRows } from "../helpers/sequences.js";
import { stepRows } from "../helpers/completions.js";
import { completionRows } from "../../lib/data/completion-rows.js";
import { sequenceTable } from "../../lib/data/sequence-table.js";
import { sequenceCredit } from "../../lib/credit/sequences.js";
import { completionsWidget } from "../../widgets/server/completions.js";
import { sequenceCreditWidget } from "../../widgets/server/sequences.js";
import { rl, setDisplay, type Widget } from "../../lib/index.js";
import { TrainingView } from "../../widgets/server/training.js";
import { pageHtml } from "../../widgets/server/html.js";
import type { CurveData } from "../../widgets/shared/types.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const shots = join(root, "test-output", "widgets");
const cli = join(root, "dist", "kernel", "cli.js");
let dir: string;
let browser: Browser;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-widgets-browser-"));
  mkdirSync(shots, { recursive: true });
  browser = await NotebookServer.browser();
});
after(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

type Cell = { cell_type: string; id?: string; source: string | string[]; outputs?: { output_type: string; data?: Record<string, string | string[]> }[] };
const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join("") : (v ?? ""));

/** In-page helpers (page code is passed as strings: tests compile without the DOM types). */
const IN_PAGE = `
window.tw = {
  widgets: (kind) => Array.from(document.querySelectorAll('.trellis-widget' + (kind ? '[data-kind="' + kind + '"]' : ''))),
  plot: (w, i = 0) => w.querySelectorAll('.tw-live .js-plotly-plot')[i],
  redrawn: (plot, act) => new Promise((resolve) => { plot.once ? plot.once('plotly_afterplot', resolve) : plot.on('plotly_afterplot', resolve); act(); }),
};`;

async function allReady(page: Page, timeout = 60_000): Promise<number> {
  const handle = await page.waitForFunction(`(() => { const all = document.querySelectorAll('.trellis-widget'); return all.length > 0 && Array.from(all).every((w) => w.dataset.ready) ? all.length : 0; })()`, undefined, { timeout, polling: 100 });
  return (await handle.jsonValue()) as number;
}

describe("the HTML report of the quickstart notebook, opened from disk", () => {
  let page: Page;
  let cells: Cell[];

  before(async () => {
    const out = join(dir, "quickstart.ipynb");
    const html = join(dir, "quickstart.html");
    const r = spawnSync(process.execPath, [cli, "run", join(root, "notebooks", "quickstart.ipynb"), "--out", out, "--html", html, "--quiet"], { encoding: "utf8", env: { ...process.env, TRELLIS_QUIET: "1" } });
    assert.equal(r.status, 0, r.stderr);
    copyFileSync(html, join(shots, "quickstart-report.html"));
    cells = (JSON.parse(readFileSync(out, "utf8")) as { cells: Cell[] }).cells;
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`file://${html}`);
    await page.evaluate(IN_PAGE);
    const widgets = await allReady(page);
    assert.equal(errors.length, 0, errors.join("\n"));
    assert.ok(widgets >= 5, `${widgets} widgets`);
  });

  test("the reward curve's traces hold the embedded points, and the slider changes the smoothed line", async () => {
    const curveOutput = cells.find((c) => c.id === "curve")!.outputs!.find((o) => o.output_type === "execute_result")!;
    const embedded = payload<{ curve: CurveData }>(text(curveOutput.data!["text/html"])).curve;
    const points = embedded.series[0]!.y.length;
    assert.ok(points > 50, `${points} points`);
    const counts = (await page.evaluate(`tw.plot(tw.widgets('curve')[0]).data.map((t) => t.x.length)`)) as number[];
    assert.deepEqual(counts, [points, points], "raw and smoothed traces, one point per episode return");
    const before = (await page.evaluate(`Array.from(tw.plot(tw.widgets('curve')[0]).data[1].y)`)) as number[];
    await page.evaluate(`(() => { const w = tw.widgets('curve')[0]; const s = w.querySelector('.tw-smoothing'); return tw.redrawn(tw.plot(w), () => { s.value = '0.95'; s.dispatchEvent(new Event('input')); }); })()`);
    const after = (await page.evaluate(`Array.from(tw.plot(tw.widgets('curve')[0]).data[1].y)`)) as number[];
    const raw = (await page.evaluate(`Array.from(tw.plot(tw.widgets('curve')[0]).data[0].y)`)) as number[];
    assert.equal(after.length, before.length);
    assert.ok(after.some((v, i) => Math.abs(v - before[i]!) > 1e-6), "the smoothed line moved");
    assert.deepEqual(raw, embedded.series[0]!.y, "the raw points stay");
    // Heavier smoothing: a smoother line (smaller total variation).
    const tv = (ys: number[]) => ys.slice(1).reduce((s, y, i) => s + Math.abs(y - ys[i]!), 0);
    assert.ok(tv(after) < tv(before));
    await page.locator('.trellis-widget[data-kind="curve"]').first().screenshot({ path: join(shots, "report-curve.png") });
  });

  test("the trajectory scrubber changes the frame and the step shown", async () => {
    const w = page.locator('.trellis-widget[data-kind="trajectory"]').first();
    const frame0 = await w.locator(".tw-frame").innerHTML();
    assert.match(frame0, /^<svg/);
    await page.evaluate(`(() => { const s = tw.widgets('trajectory')[0].querySelector('.tw-scrubber'); s.value = '120'; s.dispatchEvent(new Event('input')); })()`);
    const frame120 = await w.locator(".tw-frame").innerHTML();
    assert.notEqual(frame120, frame0);
    assert.match(await w.locator(".tw-step").innerText(), /^t = 120 · action [01] · reward 1$/);
    await w.screenshot({ path: join(shots, "report-trajectory.png") });
  });

  test("the training views, the credit heatmap and the curve all drew from the saved file", async () => {
    const credit = (await page.evaluate(`(() => { const d = tw.plot(tw.widgets('credit')[0]).data; return { type: d[0].type, rows: d[0].z.length, clipped: d.length > 1 ? d[1].x.length : 0 }; })()`)) as { type: string; rows: number; clipped: number };
    assert.deepEqual({ type: credit.type, rows: credit.rows }, { type: "heatmap", rows: 8 });
    const training = (await page.evaluate(`tw.widgets('training').map((w) => w.querySelector('.tw-stats').textContent)`)) as string[];
    assert.equal(training.length, 2);
    for (const t of training) assert.match(t, /stopped: (steps|until)/);
    await page.locator('.trellis-widget[data-kind="credit"]').first().screenshot({ path: join(shots, "report-credit.png") });
    await page.screenshot({ path: join(shots, "report-full.png"), fullPage: true });
  });
});

describe("the sequence, credit-comparison and dataset views on one page written by a script", () => {
  let page: Page;

  before(async () => {
    const run = rl.env("CartPole-v1", { n: 2, seed: 4 }).algo(rl.ppo()).build();
    await run.train({ steps: 4096 });
    // The training view of a run that learns from a dataset: a snapshot at the first report after
    // some updates of a long call (which it then stops), and a short call's final view.
    const bc = rl.offline(rl.dataset.from(run.data), { seed: 1 }).algo(rl.bc({ batchSize: 64, logEvery: 10 })).build();
    const long = new TrainingView(bc.id, "offline-long", bc.label, () => undefined);
    const view = new TrainingView(bc.id, "offline-view", bc.label, () => undefined);
    let partWay: Widget | undefined;
    let current = long;
    const previous = setDisplay({
      progress(p) {
        current.report(p);
        if (current === long && !partWay && !p.stopped && p.updates > 0) {
          partWay = long.widget();
          p.stop?.();
        }
      },
      metricsRow(_id, row) {
        current.row(row);
      },
    });
    try {
      await bc.train({ updates: 1_000_000 });
      current = view;
      await bc.train({ updates: 300 });
    } finally {
      setDisplay(previous);
    }
    assert.ok(partWay, "a report came part-way");
    // A sequence run's view: reward every step, pass@1 at the evaluated steps only.
    const seqView = new TrainingView("seq", "seq-view", "grpo add", () => undefined);
    seqView.report({ label: "grpo add", step: 6, targetStep: 6, updates: 6, elapsedS: 1, sps: 6, etaS: 0, lastReturn: undefined, meanReturn: undefined, stopped: "steps", curve: { key: "reward", label: "mean reward", x: "step", extra: [{ key: "pass1", label: "pass@1" }] } });
    for (let i = 1; i <= 6; i++) seqView.row({ step: i, reward: 0.1 * i, ...(i % 3 === 0 ? { pass1: i / 12 } : {}) });
    // A run with two local workers, one rollout ahead: the view lists the actors; the glance line has the policy lag.
    const distributed = rl.env("CartPole-v1", { n: 4, seed: 4 }).algo(rl.ppo({ numSteps: 32 })).workers(rl.workers.local({ n: 2, lag: 1 })).build();
    const workersView = new TrainingView(distributed.id, "workers-view", distributed.label, () => undefined);
    await distributed.train({ steps: 4 * 32 * 4, display: { progress: (p) => workersView.report(p), metricsRow: (_id, row) => void workersView.row(row) } });
    distributed.dispose();
    const vocab = ["<pad>", "<bos>", "<eos>", "a", "b", "c", "d", "e", "f", "g"];
    const parts = [
      rl.dataset.sequences(syntheticRows()).credit({ decode: Array.from({ length: 110 }, (_, i) => `w${i}`) }),
      run.episodes({ last: 3 }).compareCredit(),
      rl.dataset.from(run.data).widget("transitions"),
      partWay,
      view.widget(),
      completionsWidget("completions", completionRows(sequenceTable(stepRows())), { decode: vocab, eos: 2 }),
      sequenceCreditWidget("clipped", sequenceCredit(sequenceTable(stepRows())), { decode: vocab }),
      seqView.widget(),
      workersView.widget(),
    ].map((w) => (w as unknown as { [k: symbol]: () => Record<string, string> })[Symbol.for("Jupyter.display")]!()["text/html"]!);
    run.dispose();
    bc.dispose();
    const file = join(shots, "views.html");
    writeFileSync(file, pageHtml("Trellis views", parts.join("\n")));
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`file://${file}`);
    await page.evaluate(IN_PAGE);
    assert.equal(await allReady(page), 9);
  });
  after(() => page?.close());

  test("offline training view: its bar and line count updates, part-way with rate and ETA, then done", async () => {
    const views = page.locator('.trellis-widget[data-kind="training"]');
    assert.equal(await views.count(), 4);
    const stats = (i: number) => views.nth(i).locator(".tw-stats").innerText();
    const bar = (i: number) => views.nth(i).locator(".tw-progress-bar").evaluate((e: unknown) => parseFloat((e as { style: { width: string } }).style.width));
    assert.match(await stats(0), /^\[bc CartPole-v1\] [\d,]+\/1,000,000 updates · [\d,]+ updates\/s · ETA [\dhms.]+$/);
    const done = Number(/\] ([\d,]+)\//.exec(await stats(0))![1]!.replaceAll(",", ""));
    assert.equal(await bar(0), Number(((done / 1e6) * 100).toFixed(1)));
    const final = /^\[bc CartPole-v1\] ([\d,]+)\/([\d,]+) updates · [\d,]+ updates\/s · took [\d.]+s · stopped: updates$/.exec(await stats(1));
    assert.ok(final && final[1] === final[2], `${await stats(1)}`);
    assert.equal(await bar(1), 100);
    assert.equal(await views.nth(1).locator(".tw-stop").innerText(), "Done");
    // The glance line carries the offline method's own numbers.
    assert.match(await views.nth(1).locator(".tw-metrics").innerText(), /bcLoss [\d.]+ · accuracy [\d.]+/);
    // No episodes to plot: the BC loss against updates.
    const plotted = (await page.evaluate(`(() => { const p = tw.plot(tw.widgets('training')[1]); return { n: p.data[1].x.length, x: p.layout.xaxis.title.text, y: p.layout.yaxis.title.text }; })()`)) as { n: number; x: string; y: string };
    assert.ok(plotted.n > 0, "points drawn");
    assert.deepEqual({ x: plotted.x, y: plotted.y }, { x: "updates", y: "BC loss (−log π of the dataset actions)" });
    await views.nth(0).screenshot({ path: join(shots, "offline-training.png") });
  });

  test("sequences: a token per span, zero-variance groups flagged, hint tokens outlined, colouring switches", async () => {
    const w = page.locator('.trellis-widget[data-kind="sequences"]').first();
    const tokens = syntheticRows().reduce((s, r) => s + r.tokens.length, 0);
    assert.equal(await w.locator(".tw-tok").count(), tokens);
    assert.equal(await w.locator(".tw-group.tw-zero").count(), 1);
    assert.match(await w.locator(".tw-group.tw-zero .tw-group-head").innerText(), /group 11 .* zero variance/);
    assert.deepEqual(await w.locator('.tw-tok[data-source="hint"]').allInnerTexts(), ["w5", "w6"]);
    const colour = () => w.locator('.tw-card[data-episode="7"] .tw-tok').nth(4).evaluate((e: unknown) => (e as { style: { background: string } }).style.background);
    const byAdvantage = await colour();
    await w.locator(".tw-colour").selectOption("logp");
    assert.notEqual(await colour(), byAdvantage);
    await w.locator(".tw-filter").selectOption("zero");
    assert.equal(await w.locator(".tw-group").count(), 1);
    await w.locator(".tw-filter").selectOption("all");
    await w.screenshot({ path: join(shots, "sequences.png") });
  });

  test("completions table: the last step first, the step select and a column sort re-draw the rows, flags shown", async () => {
    const w = page.locator('.trellis-widget[data-kind="completions"]');
    const episodes = () => w.locator("tbody tr").evaluateAll((rows: unknown[]) => rows.map((r) => Number((r as { dataset: { episode: string } }).dataset.episode)));
    assert.deepEqual(await episodes(), [2, 3]);
    assert.match(await w.locator("tbody tr").first().innerText(), /ef<eos>[\s\S]*zero-var/);
    await w.locator(".tw-step").selectOption("all");
    assert.deepEqual(await episodes(), [0, 1, 2, 3]);
    await w.locator('th[data-key="reward"]').click();
    assert.deepEqual((await episodes()).at(-1), 1, "reward descending: the one with 0 last");
    assert.match(await w.locator('tr[data-episode="1"]').innerText(), /ggg[\s\S]*truncated clip 3/);
    await w.screenshot({ path: join(shots, "completions.png") });
  });

  test("sequence credit with token_clipped: clipped tokens underlined, a legend chip, the tooltip says so", async () => {
    const w = page.locator('.trellis-widget[data-kind="sequences"]').nth(1);
    assert.equal(await w.locator(".tw-tok.tw-clipped").count(), 4);
    assert.equal(await w.locator(".tw-legend .tw-clipped").count(), 1);
    assert.match((await w.locator(".tw-tok.tw-clipped").first().getAttribute("title")) ?? "", /clipped/);
    await w.screenshot({ path: join(shots, "sequences-clipped.png") });
  });

  test("a sequence run's training view: reward smoothed, pass@1 as measured points in the same plot", async () => {
    const traces = (await page.evaluate(`tw.plot(tw.widgets('training')[2]).data.map((t) => ({ name: t.name, mode: t.mode, x: t.x }))`)) as { name: string; mode: string; x: number[] }[];
    const pass = traces.find((t) => t.name === "pass@1")!;
    assert.deepEqual([pass.mode, pass.x], ["lines+markers", [3, 6]]);
    assert.ok(traces.some((t) => t.name === "mean reward" && t.x.length === 6));
  });

  test("a run with workers: its view names each actor with its batches and acting throughput; the glance line has the policy lag", async () => {
    const view = page.locator('.trellis-widget[data-kind="training"]').nth(3);
    assert.match(await view.locator(".tw-stats").innerText(), /^\[ppo CartPole-v1\] 512\/512 steps · 4 updates · [\d,]+ SPS · took [\d.]+s( · return [\d.]+ · mean100 [\d.]+)? · 2 workers · stopped: steps$/);
    // Four rollouts trained; with lag 1 a fifth was asked for ahead and may be back by the last report.
    assert.match(await view.locator(".tw-workers").innerText(), /^local\/0 [45] batches · [\d,]+ SPS acting; local\/1 [45] batches · [\d,]+ SPS acting$/);
    assert.match(await view.locator(".tw-metrics").innerText(), /^policyLag 1 · policyLoss/);
    await view.screenshot({ path: join(shots, "workers-training.png") });
  });

  test("credit comparison: one heatmap per estimator on one scale; the episode picker redraws the overlay", async () => {
    const w = page.locator('.trellis-widget[data-kind="credit-compare"]');
    assert.equal(await w.locator(".tw-heatmap.js-plotly-plot").count(), 3);
    const overlay = () => page.evaluate(`tw.plot(tw.widgets('credit-compare')[0]).data.map((t) => t.name + ':' + t.x.length)`) as Promise<string[]>;
    const first = await overlay();
    assert.deepEqual(first.map((t) => t.split(":")[0]), ["TD(0) λ=0", "GAE λ=0.95", "Monte Carlo λ=1", "reward"]);
    assert.equal(Number(first[0]!.split(":")[1]), Number(/· (\d+) steps/.exec(await w.locator(".tw-episode option").nth(0).innerText())![1]));
    const third = Number(/· (\d+) steps/.exec(await w.locator(".tw-episode option").nth(2).innerText())![1]);
    await w.locator(".tw-episode").selectOption("2");
    await page.waitForFunction(`tw.plot(tw.widgets('credit-compare')[0]).data.every((t) => t.x.length === ${third})`, undefined, { timeout: 5_000 });
    const scales = (await page.evaluate(`Array.from(tw.widgets('credit-compare')[0].querySelectorAll('.tw-heatmap.js-plotly-plot')).map((p) => p.data[0].zmax)`)) as number[];
    assert.equal(new Set(scales).size, 1, "one colour scale");
    await w.screenshot({ path: join(shots, "credit-compare.png") });
  });

  test("dataset browser: rows page by page, a histogram per column", async () => {
    const w = page.locator('.trellis-widget[data-kind="dataset"]');
    const where = () => w.locator(".tw-pager span").innerText();
    assert.match(await where(), /^rows 0–19 of [\d,]+/);
    const firstRow = await w.locator(".tw-rows tbody tr").first().innerText();
    await w.locator(".tw-next").click();
    assert.match(await where(), /^rows 20–39 of /);
    assert.notEqual(await w.locator(".tw-rows tbody tr").first().innerText(), firstRow);
    assert.ok((await w.locator(".tw-hist.js-plotly-plot").count()) >= 10);
    await w.screenshot({ path: join(shots, "dataset.png") });
  });
});

describe("the quickstart notebook live in Notebook 6", () => {
  let server: NotebookServer;
  let page: Page;
  let count: number;

  before(async () => {
    const nbDir = join(dir, "live");
    mkdirSync(nbDir, { recursive: true });
    const nb = JSON.parse(readFileSync(join(root, "notebooks", "quickstart.ipynb"), "utf8")) as { cells: Cell[] };
    // The quickstart as it is, then a long training cell to watch and stop, and one that continues the run.
    nb.cells.push(
      { cell_type: "code", id: "long", source: "const long = await run.train({ steps: 100_000_000 });\n`${long.stopped} at ${run.step}`", outputs: [], ...{ metadata: {}, execution_count: null } },
      { cell_type: "code", id: "after", source: "const before = run.step;\nawait run.train({ steps: 2048 });\n`continued: ${run.step - before} more steps`", outputs: [], ...{ metadata: {}, execution_count: null } },
    );
    writeFileSync(join(nbDir, "quickstart.ipynb"), JSON.stringify(nb));
    count = nb.cells.filter((c) => c.cell_type === "code").length;
    server = await NotebookServer.start(nbDir);
    page = await server.open(browser, "quickstart.ipynb");
    await page.evaluate(IN_PAGE);
  });
  after(async () => {
    await page?.close();
    await server?.stop();
  });

  const cell = (i: number) => notebookCells(page, server).cell(i);
  const run = (i: number) => notebookCells(page, server).run(i);
  const waitFor = (i: number, pattern: RegExp, timeout?: number) => notebookCells(page, server).waitFor(i, pattern, timeout);
  /** Prompt number of cell `i` once it ran (In [n]). */
  const ran = async (i: number) => /\[(\d+)\]/.test(await cell(i).locator(".input_prompt").innerText());

  test("the notebook's cells run; each widget draws in the page", async () => {
    for (let i = 0; i < count - 2; i++) {
      await run(i);
      const deadline = Date.now() + 120_000;
      while (!(await ran(i))) {
        if (Date.now() > deadline) throw new Error(`cell ${i} did not finish:\n${server.log().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await waitFor(2, /stopped: until/);
    const widgets = await allReady(page);
    assert.ok(widgets >= 5, `${widgets} widgets`);
    assert.equal(await page.evaluate(`document.querySelectorAll('#trellis-plotly').length`), 1, "plotly once in the page");
    const counts = (await page.evaluate(`tw.plot(tw.widgets('curve')[0]).data.map((t) => t.x.length)`)) as number[];
    assert.ok(counts[0]! > 50 && counts[0] === counts[1]);
    await page.evaluate(`(() => { const s = tw.widgets('trajectory')[0].querySelector('.tw-scrubber'); s.value = '40'; s.dispatchEvent(new Event('input')); })()`);
    assert.match(await page.locator('.trellis-widget[data-kind="trajectory"] .tw-step').first().innerText(), /^t = 40 /);
    await page.screenshot({ path: join(shots, "live-quickstart.png"), fullPage: true });
  });

  test("while a cell trains, its curve gains points over the WebSocket; Stop ends train() and the next cell continues", async () => {
    const long = count - 2;
    await run(long);
    const view = `tw.widgets('training').find((w) => w.closest('.cell') === document.querySelectorAll('.cell.code_cell')[${long}])`;
    await page.waitForFunction(`(() => { const w = ${view}; return w && w.dataset.ready && !w.querySelector('.tw-stop').disabled; })()`, undefined, { timeout: 60_000, polling: 100 });
    const points = () => page.evaluate(`tw.plot(${view}).data[0].x.length`) as Promise<number>;
    const first = await points();
    await page.waitForFunction(`tw.plot(${view}).data[0].x.length >= ${first + 5}`, undefined, { timeout: 60_000, polling: 100 });
    const progress = await page.evaluate(`${view}.querySelector('.tw-stats').textContent`);
    assert.match(progress as string, /\/100,\d{3},\d{3} steps/);
    assert.equal(await page.evaluate(`${view}.querySelector('.tw-live').dataset.live`), "socket");
    await page.locator(".cell.code_cell").nth(long).screenshot({ path: join(shots, "live-training.png"), animations: "disabled" });
    await page.locator(".cell.code_cell").nth(long).locator(".tw-stop").click();
    const result = await waitFor(long, /aborted at \d+/, 60_000);
    const stoppedAt = Number(/aborted at (\d+)/.exec(result)![1]);
    assert.ok(stoppedAt < 100_000_000);
    assert.match(await page.evaluate(`${view}.querySelector('.tw-stop').textContent`) as string, /Stopped/);
    await run(long + 1);
    assert.match(await waitFor(long + 1, /continued: \d+ more steps/), /continued: 2048 more steps/);
    await page.locator(".cell.code_cell").nth(long).screenshot({ path: join(shots, "live-stopped.png") });
  });
});

describe("a page that cannot reach the kernel's socket (a notebook server behind an SSH tunnel)", () => {
  let server: NotebookServer;
  let page: Page;

  before(async () => {
    const nbDir = join(dir, "tunnel");
    mkdirSync(nbDir, { recursive: true });
    const code = (id: string, source: string) => ({ cell_type: "code", id, source, outputs: [], metadata: {}, execution_count: null });
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "trellis", display_name: "TypeScript (Trellis)", language: "typescript" } },
      cells: [
        code("build", 'import { rl } from "trellis";\nconst run = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo()).build();\n"built"'),
        code("long", "const long = await run.train({ steps: 100_000_000 });\n`${long.stopped} at ${run.step}`"),
        code("after", "const before = run.step;\nawait run.train({ steps: 2048 });\n`continued: ${run.step - before} more steps`"),
      ],
    };
    writeFileSync(join(nbDir, "tunnel.ipynb"), JSON.stringify(nb));
    server = await NotebookServer.start(nbDir);
    page = await server.open(browser, "tunnel.ipynb");
    // From another machine the kernel's loopback socket (ws://127.0.0.1:PORT/?token=…) is not there: such
    // connections go to a closed port instead. Jupyter's own channels, opened already, are untouched.
    await page.evaluate(`(() => {
      const Native = window.WebSocket;
      window.trellisSocketsTried = 0;
      const Unreachable = function (url, protocols) {
        if (/\\/\\?token=/.test(String(url))) { window.trellisSocketsTried++; url = 'ws://127.0.0.1:9/'; }
        return new Native(url, protocols);
      };
      Unreachable.prototype = Native.prototype;
      Object.assign(Unreachable, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
      window.WebSocket = Unreachable;
    })()`);
    await page.evaluate(IN_PAGE);
  });
  after(async () => {
    await page?.close();
    await server?.stop();
  });

  const cell = (i: number) => notebookCells(page, server).cell(i);
  const run = (i: number) => notebookCells(page, server).run(i);
  const waitFor = (i: number, pattern: RegExp, timeout?: number) => notebookCells(page, server).waitFor(i, pattern, timeout);

  test("the training view falls back to a comm: its curve grows, Stop ends train(), the next cell continues", async () => {
    await run(0);
    await waitFor(0, /built/);
    await run(1);
    const view = `tw.widgets('training').find((w) => w.closest('.cell') === document.querySelectorAll('.cell.code_cell')[1])`;
    await page.waitForFunction(`(() => { const w = ${view}; return w && w.dataset.ready && !w.querySelector('.tw-stop').disabled; })()`, undefined, { timeout: 60_000, polling: 100 });
    assert.ok(((await page.evaluate("window.trellisSocketsTried")) as number) > 0, "the view tried the socket first");
    assert.equal(await page.evaluate(`${view}.querySelector('.tw-live').dataset.live`), "comm", "and reached the kernel over a comm");
    const points = () => page.evaluate(`tw.plot(${view}).data[0].x.length`) as Promise<number>;
    const first = await points();
    await page.waitForFunction(`tw.plot(${view}).data[0].x.length >= ${first + 5}`, undefined, { timeout: 60_000, polling: 100 });
    await cell(1).locator(".tw-stop").click();
    const result = await waitFor(1, /aborted at \d+/, 60_000);
    assert.ok(Number(/aborted at (\d+)/.exec(result)![1]) < 100_000_000);
    assert.match((await page.evaluate(`${view}.querySelector('.tw-stop').textContent`)) as string, /Stopped/);
    await run(2);
    assert.match(await waitFor(2, /continued: \d+ more steps/), /continued: 2048 more steps/);
    await cell(1).screenshot({ path: join(shots, "tunnel-stopped.png") });
  });
});
