// A real Jupyter Notebook 6 server (Debian's jupyter-notebook) on 127.0.0.1
// with a token, the Trellis kernelspec installed in a private prefix, and a
// headless Chromium page driven by playwright-core.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { installKernelspec } from "../../kernel/kernelspec.js";
import { requireChromium, requirePython } from "./system.js";
import { freePort } from "../../kernel/zmq/connection.js";


export class NotebookServer {
  private constructor(
    readonly dir: string,
    readonly url: string,
    readonly token: string,
    private readonly server: ChildProcess,
    private readonly home: string,
    readonly log: () => string,
  ) {}

  /** Starts the server over `dir` (the notebook directory). */
  static async start(dir: string): Promise<NotebookServer> {
    const python = requirePython(["notebook", "jupyter_client"]);
    const home = await mkdtemp(join(tmpdir(), "trellis-jupyter-home-"));
    await installKernelspec({ prefix: home });
    for (const d of ["config", "data", "runtime"]) await mkdir(join(home, d), { recursive: true });
    const port = await freePort();
    const token = `trellis-${Math.random().toString(36).slice(2)}`;
    const env = {
      ...process.env,
      JUPYTER_PATH: join(home, "share", "jupyter"),
      JUPYTER_CONFIG_DIR: join(home, "config"),
      JUPYTER_DATA_DIR: join(home, "data"),
      JUPYTER_RUNTIME_DIR: join(home, "runtime"),
      PYDEVD_DISABLE_FILE_VALIDATION: "1",
      TRELLIS_QUIET: "1",
    };
    const server = spawn(python, ["-m", "notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1", `--port=${port}`, `--NotebookApp.token=${token}`, `--notebook-dir=${dir}`, "--NotebookApp.open_browser=False"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    server.stdout!.on("data", (d) => (log += d));
    server.stderr!.on("data", (d) => (log += d));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`the notebook server exited (${server.exitCode}):\n${log}`);
      try {
        const r = await fetch(`${url}/api/kernelspecs?token=${token}`);
        if (r.ok) {
          const specs = (await r.json()) as { kernelspecs: Record<string, unknown> };
          if (!specs.kernelspecs.trellis) throw new Error(`the server does not see the Trellis kernelspec: ${JSON.stringify(Object.keys(specs.kernelspecs))}`);
          break;
        }
      } catch (error) {
        if ((error as Error).message.includes("kernelspec")) throw error;
      }
      if (Date.now() > deadline) throw new Error(`the notebook server did not answer within 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return new NotebookServer(dir, url, token, server, home, () => log);
  }

  /** Headless Chromium on Debian's binary. */
  static async browser(): Promise<Browser> {
    return chromium.launch({ executablePath: requireChromium(), args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
  }

  /** Opens `notebook` (a path under dir) and waits until its Trellis kernel is connected and idle. */
  async open(browser: Browser, notebook: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${this.url}/notebooks/${notebook}?token=${this.token}`);
    await page.waitForFunction(() => {
      const nb = (globalThis as unknown as { Jupyter?: { notebook?: { kernel?: { is_connected?: () => boolean; name?: string } } } }).Jupyter?.notebook;
      return nb?.kernel?.is_connected?.() === true;
    }, undefined, { timeout: 60_000 });
    await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 60_000 });
    return page;
  }

  async stop(): Promise<void> {
    this.server.kill("SIGTERM");
    await new Promise<void>((resolve) => {
      if (this.server.exitCode !== null) return resolve();
      const t = setTimeout(() => {
        this.server.kill("SIGKILL");
        resolve();
      }, 10_000);
      this.server.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
    });
    await rm(this.home, { recursive: true, force: true });
  }
}

/** The code cells of a notebook page: run one from the keyboard, wait for its output to show a pattern. */
export function notebookCells(page: Page, server: NotebookServer) {
  const cell = (i: number) => page.locator(".cell.code_cell").nth(i);
  return {
    cell,
    /** Selects cell `i` and runs it with Shift+Enter, as a user does. */
    async run(i: number): Promise<void> {
      await cell(i).locator(".input_area").click();
      await page.keyboard.press("Shift+Enter");
    },
    /** The text of cell `i`'s outputs once it matches `pattern`. */
    async waitFor(i: number, pattern: RegExp, timeout = 120_000): Promise<string> {
      const deadline = Date.now() + timeout;
      for (;;) {
        const t = (await cell(i).locator(".output_area").allInnerTexts()).join("\n");
        if (pattern.test(t)) return t;
        if (Date.now() > deadline) throw new Error(`cell ${i} never showed ${pattern}:\n${t}\n\nserver log:\n${server.log().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
