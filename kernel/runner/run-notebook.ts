import { Worker } from "node:worker_threads";
import { Kernel } from "../kernel.js";
import { makeInterruptFlag } from "../session/interrupt-flag.js";
import { makeMessage, type Header, type Message } from "../protocol/message.js";
import { sourceText, trellisMetadata, type CodeCell, type Notebook, type Output } from "./notebook.js";

export interface RunNotebookOptions {
  /** The notebook's directory: imports and relative paths resolve there (the process works in it while cells run, as a Jupyter kernel does). */
  readonly dir: string;
  /** Seconds one cell may run before it is interrupted (default: no limit). */
  readonly timeoutS?: number;
  /** Run every cell even after one fails (default: stop at the first error). */
  readonly allowErrors?: boolean;
  /** Type check cells (default true). */
  readonly typecheck?: boolean;
  /** Called before and after each code cell runs. */
  readonly onCell?: (event: CellEvent) => void;
}

/** A code cell about to run (`done` undefined) or finished. */
export interface CellEvent {
  /** 0-based index among all cells. */
  readonly index: number;
  /** 1-based position among code cells, and their count. */
  readonly codeCell: number;
  readonly codeCells: number;
  readonly cell: CodeCell;
  readonly done?: { status: "ok" | "error"; seconds: number; timedOut: boolean };
}

/** Where a run stopped, when a cell failed. */
export interface CellFailure {
  readonly index: number;
  readonly codeCell: number;
  readonly executionCount: number | null;
  readonly ename: string;
  readonly evalue: string;
  readonly timedOut: boolean;
}

export interface RunNotebookResult {
  /** The notebook with outputs (a copy; the input is not changed). */
  readonly notebook: Notebook;
  /** The first failing cell (the run stopped there unless `allowErrors`). */
  readonly failure: CellFailure | undefined;
  readonly seconds: number;
}

/**
 * Interrupts a cell that runs too long, from a thread of its own (the main
 * thread may be stuck in the cell): it raises the kernel's interrupt flag
 * (loop guards), tells the main thread (`onFire`: an awaiting cell is
 * aborted), and sends SIGINT only if the cell has not stopped 100 ms later
 * (synchronous code that checks nothing): a SIGINT that arrives after the
 * cell ended would break the next cell's script.
 */
class Watchdog {
  private readonly worker: Worker;

  private armed = 0;

  /** `onFire` is called on the main thread when the limit of the cell armed last passes (not for an earlier one's late message). */
  constructor(flag: Int32Array, onFire: () => void) {
    this.worker = new Worker(
      `const { parentPort, workerData } = require("node:worker_threads");
       const flag = new Int32Array(workerData.sab);
       let timer;
       parentPort.on("message", (m) => {
         clearTimeout(timer);
         if (!m.arm) return;
         timer = setTimeout(() => {
           Atomics.store(flag, 0, 1);
           parentPort.postMessage(m.id);
           timer = setTimeout(() => { if (Atomics.load(flag, 0) === 1) process.kill(process.pid, "SIGINT"); }, 100);
         }, m.arm);
       });`,
      { eval: true, workerData: { sab: flag.buffer } },
    );
    this.worker.on("message", (id: number) => {
      if (id === this.armed) onFire();
    });
    this.worker.unref();
  }

  arm(ms: number): void {
    this.worker.postMessage({ arm: ms, id: ++this.armed });
  }

  disarm(): void {
    this.armed++;
    this.worker.postMessage({ arm: 0 });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/**
 * Runs a notebook's code cells in order with the Trellis kernel in this
 * process (no Python, no Jupyter), and returns a copy with nbformat 4.5
 * outputs: streams merged, displays updated in place by display id,
 * clear_output honoured, results and errors as Jupyter writes them.
 */
export async function runNotebook(input: Notebook, options: RunNotebookOptions): Promise<RunNotebookResult> {
  const t0 = performance.now();
  const nb: Notebook = structuredClone(input);
  nb.metadata = trellisMetadata(nb.metadata);
  const flag = makeInterruptFlag();
  const outputsOf = new Map<string, { outputs: Output[]; clearPending: boolean }>();
  /** Outputs showing each display id (in any cell), updated together. */
  const displays = new Map<string, Output[]>();
  const replies = new Map<string, (reply: Message) => void>();

  const onIopub = (m: Message) => {
    const target = outputsOf.get((m.parent_header as Header).msg_id);
    if (!target) return;
    const c = m.content;
    const add = (o: Output) => {
      if (target.clearPending) {
        target.outputs.length = 0;
        target.clearPending = false;
      }
      target.outputs.push(o);
      return o;
    };
    switch (m.header.msg_type) {
      case "stream": {
        const last = target.outputs.at(-1);
        if (!target.clearPending && last?.output_type === "stream" && last.name === c.name) last.text += String(c.text);
        else add({ output_type: "stream", name: c.name as "stdout" | "stderr", text: String(c.text) });
        break;
      }
      case "display_data": {
        const o = add({ output_type: "display_data", data: c.data as Record<string, unknown>, metadata: (c.metadata ?? {}) as Record<string, unknown> });
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        if (id) displays.set(id, [...(displays.get(id) ?? []), o]);
        break;
      }
      case "update_display_data": {
        const id = (c.transient as { display_id?: string } | undefined)?.display_id;
        for (const o of (id && displays.get(id)) || []) {
          if (o.output_type === "display_data" || o.output_type === "execute_result") {
            o.data = c.data as Record<string, unknown>;
            o.metadata = (c.metadata ?? {}) as Record<string, unknown>;
          }
        }
        break;
      }
      case "execute_result":
        add({ output_type: "execute_result", execution_count: c.execution_count as number, data: c.data as Record<string, unknown>, metadata: (c.metadata ?? {}) as Record<string, unknown> });
        break;
      case "error":
        add({ output_type: "error", ename: String(c.ename), evalue: String(c.evalue), traceback: c.traceback as string[] });
        break;
      case "clear_output":
        if (c.wait) target.clearPending = true;
        else target.outputs.length = 0;
        break;
    }
  };

  const kernel = new Kernel({
    dir: options.dir,
    session: "trellis-run",
    interruptFlag: flag,
    live: false,
    ...(options.typecheck !== undefined ? { typecheck: options.typecheck } : {}),
    io: {
      send: (channel, m) => {
        if (channel === "iopub") onIopub(m);
        else if (channel === "shell") replies.get((m.parent_header as Header).msg_id)?.(m);
      },
    },
  });
  await kernel.start();
  const watchdog = options.timeoutS ? new Watchdog(flag, () => kernel.sessionState?.executor.interrupt()) : undefined;
  const code = nb.cells.map((c, index) => ({ c, index })).filter((x): x is { c: CodeCell; index: number } => x.c.cell_type === "code");
  let failure: CellFailure | undefined;
  // Relative paths in cells mean what they mean under Jupyter, which starts a notebook's kernel in its folder.
  const callerDir = process.cwd();
  // A cell may await what keeps nothing alive (an unref'd timer): the run must wait for it, not end the process.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    process.chdir(options.dir);
    for (const [i, { c: cell, index }] of code.entries()) {
      cell.outputs = [];
      cell.execution_count = null;
      const source = sourceText(cell);
      if (source.trim() === "") continue;
      options.onCell?.({ index, codeCell: i + 1, codeCells: code.length, cell });
      const request = makeMessage("execute_request", { code: source, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, undefined, "trellis-run");
      const target = { outputs: cell.outputs, clearPending: false };
      outputsOf.set(request.header.msg_id, target);
      const started = performance.now();
      const reply = await new Promise<Message>((resolve) => {
        replies.set(request.header.msg_id, resolve);
        if (watchdog) watchdog.arm(options.timeoutS! * 1000);
        kernel.handle("shell", request);
      });
      watchdog?.disarm();
      await kernel.idle();
      const seconds = (performance.now() - started) / 1000;
      cell.execution_count = (reply.content.execution_count as number | undefined) ?? null;
      const status = reply.content.status === "ok" ? "ok" : "error";
      const timedOut = status === "error" && reply.content.ename === "Interrupted" && options.timeoutS !== undefined && seconds >= options.timeoutS;
      options.onCell?.({ index, codeCell: i + 1, codeCells: code.length, cell, done: { status, seconds, timedOut } });
      if (status === "error") {
        if (timedOut) {
          const err = cell.outputs.find((o) => o.output_type === "error");
          if (err && err.output_type === "error") err.evalue = `the cell ran longer than the ${options.timeoutS} s timeout (${err.evalue})`;
        }
        failure ??= { index, codeCell: i + 1, executionCount: cell.execution_count, ename: String(reply.content.ename), evalue: String(reply.content.evalue), timedOut };
        if (!options.allowErrors) break;
      }
    }
  } finally {
    clearInterval(keepAlive);
    process.chdir(callerDir);
    await watchdog?.close();
  }
  return { notebook: nb, failure, seconds: (performance.now() - t0) / 1000 };
}
