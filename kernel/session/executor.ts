import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { originalPositionFor, TraceMap } from "@jridgewell/trace-mapping";
import type { CompiledCell } from "../cells/transform.js";
import { RUNTIME } from "../cells/transform.js";
import { cellContext, currentCell, type CellContext } from "./context.js";
import { clearOutput, display } from "./display.js";
import { makeInterruptFlag } from "./interrupt-flag.js";
import type { ModuleResolver } from "./resolve.js";

/** Thrown into code that an interrupt stopped (a loop guard, or the interrupted await of a cell). */
export class Interrupted extends Error {
  constructor(message = "the cell was interrupted") {
    super(message);
    this.name = "Interrupted";
  }
}

/** A cell's error as the protocol reports it. */
export interface CellError {
  readonly ename: string;
  readonly evalue: string;
  readonly traceback: string[];
}

const kernelRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const packageDir = join(kernelRoot, "..", "..");

/**
 * Runs compiled cells in the kernel's own JavaScript realm (values cross
 * between cells and libraries without cross-realm surprises), each inside
 * its {@link CellContext}. Interrupts reach code three ways: `vm`'s
 * `breakOnSigint` stops the synchronous part of a cell, the loop guards of
 * compiled cells read a shared flag (also set by another thread while this
 * one is busy), and an awaiting cell is rejected at once while its signal
 * stops what honours it (Trellis's `train()`).
 */
export class Executor {
  /**
   * `[0]`: 1 while an interrupt is pending; `[1]`: the arrival number of the
   * request that brought it (see {@link beginRequest}). Another thread (the
   * kernel's socket thread) may set both (Atomics).
   */
  readonly flag: Int32Array;
  /** Arrival number of the request being answered. */
  private requestArrival = 0;
  private readonly maps = new Map<string, { map: string; trace?: TraceMap }>();
  private running: { controller: AbortController } | undefined;

  constructor(
    readonly resolver: ModuleResolver,
    flag?: Int32Array,
  ) {
    this.flag = flag ?? makeInterruptFlag();
    if (this.flag.length < 2) throw new RangeError("the interrupt flag needs two Int32 slots (pending, arrival)");
  }

  /** Puts the runtime the compiled cells call, and the notebook globals, on globalThis. */
  install(): void {
    const flag = this.flag;
    const resolver = this.resolver;
    const runtime = {
      import: (specifier: unknown) => resolver.import(specifier),
      importMeta: resolver.importMeta(),
      checkInterrupt: () => {
        if (Atomics.load(flag, 0) !== 0) throw new Interrupted();
      },
    };
    const g = globalThis as Record<string, unknown>;
    g[RUNTIME] = runtime;
    g.require = createRequire(join(resolver.dir, "__trellis_notebook__.js"));
    g.display = display;
    g.clearOutput = clearOutput;
    g.input = (prompt = "", options: { password?: boolean } = {}) => {
      const cell = currentCell();
      if (!cell) throw new Error("input() asks the notebook for a line; here no cell is running");
      return cell.input(String(prompt), options.password === true);
    };
  }

  /** Whether a cell is running (its interrupt would do something). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Interrupts the request being answered: raises the shared flag and aborts
   * the running cell's signal. A raised flag also stops a cell that has not
   * started yet (still loading, compiled or type checked). `arrival` is the
   * interrupt request's arrival number; without it (a SIGINT) the interrupt
   * is for the request in progress, or for the one a pending flag names.
   */
  interrupt(arrival?: number): void {
    if (arrival !== undefined) Atomics.store(this.flag, 1, arrival);
    else if (Atomics.load(this.flag, 0) === 0) Atomics.store(this.flag, 1, this.requestArrival);
    Atomics.store(this.flag, 0, 1);
    this.running?.controller.abort(new Interrupted());
  }

  /**
   * Another thread raised the flag: the running cell stops at once if the
   * interrupt is for it (an awaiting cell reads no flag; a loop guard would).
   */
  interruptRaised(): void {
    if (Atomics.load(this.flag, 0) === 1 && Atomics.load(this.flag, 1) > this.requestArrival) this.running?.controller.abort(new Interrupted());
  }

  /**
   * The request that arrived as number `arrival` is being answered now. An
   * interrupt that arrived before it was meant for earlier work (or for none)
   * and is dropped; one that arrived after it (while it waited in the queue or
   * while the kernel loaded) is for it, and stops it before it starts.
   */
  beginRequest(arrival: number): void {
    this.requestArrival = arrival;
    if (Atomics.load(this.flag, 0) === 0 || Atomics.load(this.flag, 1) >= arrival) return;
    Atomics.store(this.flag, 0, 0);
    // The socket thread may have raised it again meanwhile, for this request: keep that one.
    if (Atomics.load(this.flag, 1) >= arrival) Atomics.store(this.flag, 0, 1);
  }

  /** Runs a compiled cell in `context` (whose signal it aborts on interrupt); resolves to the cell's value. */
  async run(compiled: CompiledCell, filename: string, makeContext: (signal: AbortSignal) => CellContext): Promise<unknown> {
    this.maps.set(filename, { map: compiled.sourceMap });
    const controller = new AbortController();
    const running = { controller };
    this.running = running;
    const context = makeContext(controller.signal);
    try {
      // Interrupted while it was compiled and type checked: it does not start.
      if (Atomics.load(this.flag, 0) !== 0) throw new Interrupted();
      const script = new Script(compiled.code, { filename });
      let promise: Promise<unknown>;
      try {
        promise = cellContext.run(context, () => script.runInThisContext({ breakOnSigint: true }) as Promise<unknown>);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") throw new Interrupted();
        throw error;
      }
      // An interrupt rejects the cell at once, while its work (e.g. train()) stops at its next check.
      const aborted = new Promise<never>((_, reject) => {
        if (controller.signal.aborted) reject(controller.signal.reason);
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
      });
      promise.catch(() => {}); // a rejection after the interrupt already answered the cell is not unhandled
      return await Promise.race([promise, aborted]);
    } finally {
      if (this.running === running) this.running = undefined;
      Atomics.store(this.flag, 0, 0);
    }
  }

  /** The protocol's error fields for something a cell threw, stack frames mapped back to cell lines. */
  formatError(error: unknown, cellLabel: (filename: string) => string | undefined): CellError {
    if (!(error instanceof Error)) {
      const evalue = typeof error === "string" ? error : safeInspect(error);
      return { ename: "Error", evalue, traceback: [`Uncaught ${evalue}`] };
    }
    const ename = error.name || error.constructor?.name || "Error";
    const evalue = error.message;
    const frames = (error.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
    // Below the cell's own script the stack is the kernel calling it: cut there.
    const bottom = frames.findIndex((f) => f.includes("runInThisContext"));
    const mapped: string[] = [];
    for (const frame of bottom >= 0 ? frames.slice(0, bottom) : frames) {
      if (frame.includes(kernelRoot) || /\(node:|at node:/.test(frame)) continue;
      const m = this.mapFrame(frame, cellLabel);
      if (m !== null) mapped.push(m);
    }
    return { ename, evalue, traceback: [`${ename}: ${evalue}`, ...mapped.map((f) => f.replace(packageDir + "/", ""))] };
  }

  /** A stack frame with cell positions in cell coordinates; null for the compiled wrapper's own frames (no cell line). */
  private mapFrame(frame: string, cellLabel: (filename: string) => string | undefined): string | null {
    let wrapper = false;
    const mapped = frame.replace(/([^\s(]+):(\d+):(\d+)/, (whole, file: string, line: string, column: string) => {
      const entry = this.maps.get(file);
      const label = cellLabel(file);
      if (!entry || !label) return whole;
      entry.trace ??= new TraceMap(entry.map);
      const pos = originalPositionFor(entry.trace, { line: Number(line), column: Number(column) - 1 });
      if (pos.line === null) wrapper = true;
      return `${label}:${pos.line}:${(pos.column ?? 0) + 1}`;
    });
    return wrapper ? null : mapped;
  }
}

function safeInspect(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
