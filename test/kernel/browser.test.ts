// The kernel in a real browser: Debian's Jupyter Notebook 6 on 127.0.0.1,
// headless Chromium (playwright-core) opens a notebook with the Trellis
// kernel, runs its cells from the keyboard, reads the outputs in the page,
// and interrupts a running cell with the toolbar button. Screenshots go to
// test-output/browser/.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { NotebookServer } from "../helpers/notebook-server.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const shots = join(root, "test-output", "browser");
let dir: string;
let server: NotebookServer;
let browser: Browser;
let page: Page;

const code = (source: string) => ({ cell_type: "code", metadata: {}, execution_count: null, outputs: [], source });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trellis-browser-"));
  await mkdir(shots, { recursive: true });
  await writeFile(
    join(dir, "browser.ipynb"),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: "trellis", display_name: "TypeScript (Trellis)", language: "typescript" } },
      cells: [
        code('import { rl } from "trellis";\nconst run = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo()).build();\n`envs: ${rl.envs().length}`'),
        code('console.log("printed from TypeScript");\ndisplay.html("<b id=\\"trellis-html\\">rich output</b>");\nawait run.train({ steps: 2048 });\nrun.step'),
        code("let spins = 0;\nwhile (true) { spins++; }"),
        code("`alive after the interrupt: ${spins > 0}`"),
        code("const oops: number = \"not a number\";"),
      ].map((c, i) => ({ ...c, id: `cell-${i}` })),
    }),
  );
  server = await NotebookServer.start(dir);
  browser = await NotebookServer.browser();
  page = await server.open(browser, "browser.ipynb");
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The text of cell `i`'s output area. */
const outputText = (i: number) => page.locator(".cell.code_cell").nth(i).locator(".output_area").allInnerTexts().then((t) => t.join("\n"));

/** Selects cell `i` and runs it with Shift+Enter, as a user does. */
async function runCell(i: number): Promise<void> {
  await page.locator(".cell.code_cell").nth(i).locator(".input_area").click();
  await page.keyboard.press("Shift+Enter");
}

async function waitForOutput(i: number, pattern: RegExp, timeout = 60_000): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = await outputText(i);
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`cell ${i} output never matched ${pattern}; it is:\n${text}\n\nserver log:\n${server.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("cells run from the keyboard show text, rich and training output in the page", async () => {
  await runCell(0);
  assert.match(await waitForOutput(0, /envs: \d+/), /envs: [1-9]\d*/);
  await runCell(1);
  const out = await waitForOutput(1, /^2048$/m);
  assert.match(out, /printed from TypeScript/);
  assert.equal(await page.locator("#trellis-html").innerText(), "rich output");
  // The static picture and the live view print the same line; the view may still be starting up.
  assert.match(await waitForOutput(1, /stopped: steps/), /\[ppo CartPole-v1\] 2,048\/2,048 steps · 4 updates · [\d,]+ SPS · took [\d.]+s .* stopped: steps/, "the training widget's progress line");
  await page.screenshot({ path: join(shots, "1-outputs.png"), fullPage: true });
});

test("the toolbar's interrupt button stops a running cell; the kernel and its variables live on", async () => {
  await runCell(2);
  await page.waitForSelector("#kernel_indicator_icon.kernel_busy_icon", { timeout: 30_000 });
  await new Promise((r) => setTimeout(r, 500));
  await page.screenshot({ path: join(shots, "2-busy.png"), fullPage: true });
  await page.click('button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]');
  assert.match(await waitForOutput(2, /Interrupted/, 20_000), /Interrupted: the cell was interrupted/);
  await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 30_000 });
  await runCell(3);
  assert.match(await waitForOutput(3, /alive after the interrupt/), /alive after the interrupt: true/);
  await page.screenshot({ path: join(shots, "3-interrupted.png"), fullPage: true });
});

test("a type error shows in the page with its cell line and column", async () => {
  await runCell(4);
  const out = await waitForOutput(4, /TSError/);
  assert.match(out, /In\[\d+\]:1:7 - error TS2322: Type 'string' is not assignable to type 'number'/);
  await page.screenshot({ path: join(shots, "4-type-error.png"), fullPage: true });
});
