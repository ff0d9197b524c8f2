// The library's two hooks, from their own modules: importing lib/index.js would load all of Trellis (~0.5 s) before the kernel is ready.
import { setDisplay } from "../lib/run/display.js";
import { setInterruptSource } from "../lib/run/interrupt.js";
import { kernelInfo } from "./info.js";
import { makeMessage, type Channel, type Header, type Message, type MimeBundle } from "./protocol/message.js";
import { contentProblem } from "./protocol/requests.js";
import { CellOutput } from "./session/cell-output.js";
import { cellContext, currentCell, type CellContext } from "./session/context.js";
import { comms, type CommPayload } from "./session/comms.js";
import { mimeBundleOf } from "./session/display.js";
import { History } from "./session/history.js";
import { NotebookProgress } from "./session/progress.js";
import type { Session } from "./session/session.js";
import type { LiveServer } from "./session/live.js";
import { LiveHub } from "./session/live-hub.js";
import { serveLiveOverComms } from "./session/live-comm.js";
import { plotlyHtml } from "../widgets/server/html.js";
import { WIDGET_MARKER } from "../widgets/server/widget.js";

/** Where the kernel's messages go: IOPub broadcasts, replies (to `request`'s sender), stdin requests. */
export interface KernelIO {
  send(channel: Channel, message: Message, request?: Message): void;
}

export interface KernelOptions {
  readonly io: KernelIO;
  /** The notebook's directory. */
  readonly dir: string;
  /** Session id of the kernel's messages (default: a random one). */
  readonly session?: string;
  /** Type check cells before running them (default true). */
  readonly typecheck?: boolean;
  /** Called after the reply to a shutdown_request. */
  readonly onShutdown?: (restart: boolean) => void;
  /** The interrupt flag shared with another thread (the socket thread sets it while a cell runs). */
  readonly interruptFlag?: Int32Array;
  /** Serve live widgets over a loopback WebSocket (default true; the headless runner has no browser to serve). */
  readonly live?: boolean;
}

type Handler = (channel: Channel, msg: Message) => Promise<void> | void;

let streamsCaptured = false;
/** Routes process.stdout/stderr writes made while a cell runs (also later, from its timers) to that cell. */
function captureStreams(): void {
  if (streamsCaptured) return;
  streamsCaptured = true;
  for (const [name, stream] of [["stdout", process.stdout], ["stderr", process.stderr]] as const) {
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | ((e?: Error) => void), callback?: (e?: Error) => void): boolean => {
      const cell = currentCell();
      if (!cell) return original(chunk, encoding, callback);
      cell.stream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof encoding === "string" ? encoding : "utf8"));
      const done = typeof encoding === "function" ? encoding : callback;
      done?.();
      return true;
    }) as typeof stream.write;
  }
}

/**
 * The Jupyter kernel's logic over decoded messages: one handler per
 * message type, busy → … → idle around every request (idle right after the
 * reply, or in `finally` for messages without one), shell requests strictly
 * in order, control requests at once.
 * It knows nothing of sockets: `handle()` takes a message, and everything it
 * sends goes through {@link KernelIO}, so tests and the headless runner drive
 * it in memory.
 */
export class Kernel {
  readonly session: string;
  private readonly io: KernelIO;
  private readonly options: KernelOptions;
  private exec: Session | undefined;
  private loading: Promise<Session> | undefined;
  private count = 0;
  private readonly history = new History();
  private readonly queue: { channel: Channel; msg: Message }[] = [];
  private pumping = false;
  /** Execute requests queued when a cell failed with stop_on_error: they are answered "aborted". */
  private readonly aborted = new Set<string>();
  private readonly inputs = new Map<string, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  private readonly handlers: Record<string, Handler>;
  /** The cell whose context receives output no cell claims (unhandled rejections from background work). */
  private lastContext: CellContext | undefined;
  private live: LiveServer | undefined;
  /** Whether plotly went out in this session's outputs (widgets need it once per notebook). */
  private plotlySent = false;
  /** Each message's arrival number (interrupts apply to requests that arrived before them). */
  private readonly arrivals = new WeakMap<Message, number>();
  private arrivalCount = 0;
  /** Requests being handled whose idle status has not gone out yet: it follows their reply at once. */
  private readonly awaitingIdle = new Set<Message>();

  constructor(options: KernelOptions) {
    this.options = options;
    this.io = options.io;
    this.session = options.session ?? crypto.randomUUID();
    this.handlers = {
      kernel_info_request: (ch, m) => this.reply(ch, m, "kernel_info_reply", kernelInfo()),
      execute_request: (ch, m) => this.execute(ch, m),
      complete_request: (ch, m) => this.complete(ch, m),
      inspect_request: (ch, m) => this.inspect(ch, m),
      is_complete_request: (ch, m) => this.isComplete(ch, m),
      history_request: (ch, m) => this.historyRequest(ch, m),
      comm_info_request: (ch, m) => this.reply(ch, m, "comm_info_reply", { status: "ok", comms: comms.info(m.content.target_name as string | undefined) }),
      comm_open: (_ch, m) => this.commOpen(m),
      comm_msg: (_ch, m) => this.commDeliver("msg", m),
      comm_close: (_ch, m) => this.commDeliver("close", m),
      shutdown_request: (ch, m) => this.shutdown(ch, m),
      interrupt_request: (ch, m) => {
        // Answered at once; an interrupt that comes while the kernel loads still stops the request it follows.
        const arrival = this.arrivalOf(m);
        if (this.exec) this.exec.executor.interrupt(arrival);
        // A failed load is reported by the request that waits for it.
        else void this.start().then((s) => s.executor.interrupt(arrival), () => {});
        this.reply(ch, m, "interrupt_reply", { status: "ok" });
      },
    };
    comms.attach({ publish: (type, content, parent, metadata, buffers) => this.publish(type, content, parent, { metadata, buffers }) });
  }

  /** The socket thread raised the interrupt flag (see `Executor.interruptRaised`). */
  interruptRaised(): void {
    this.exec?.executor.interruptRaised();
  }

  /** Loads TypeScript and the execution state (the first request waits for it); call early to warm up. */
  start(): Promise<Session> {
    this.loading ??= (async () => {
      const { Session } = await import("./session/session.js");
      // Registers the ipywidgets control target (frontends ask it for every widget's state).
      await import("./session/widgets.js");
      captureStreams();
      let hub: LiveHub | undefined;
      if (this.options.live !== false) {
        hub = new LiveHub();
        serveLiveOverComms(hub);
        // TRELLIS_LIVE_SOCKET=0: no loopback WebSocket; views use the comm.
        if (process.env.TRELLIS_LIVE_SOCKET !== "0") {
          const { LiveServer } = await import("./session/live.js");
          const live = new LiveServer(hub);
          // Listening before the first cell: a training view made at once must already know its URL.
          this.live = await live.ready.then(() => live, () => undefined);
        }
      }
      setDisplay(new NotebookProgress(hub, this.live));
      // Widgets' show() displays in the running cell through this (widgets never import the kernel).
      (globalThis as Record<symbol, unknown>)[Symbol.for("trellis.kernel.show")] = (value: unknown) => {
        const cell = currentCell();
        if (!cell) return false;
        cell.display(mimeBundleOf(value));
        return true;
      };
      setInterruptSource(() => currentCell()?.signal);
      this.exec = new Session({
        dir: this.options.dir,
        ...(this.options.typecheck !== undefined ? { typecheck: this.options.typecheck } : {}),
        ...(this.options.interruptFlag ? { interruptFlag: this.options.interruptFlag } : {}),
      });
      process.on("unhandledRejection", (reason) => this.backgroundError(reason));
      // SIGINT interrupts the running cell (a synchronous one is broken by vm's breakOnSigint before this runs).
      process.on("SIGINT", () => this.exec?.executor.interrupt());
      return this.exec;
    })();
    return this.loading;
  }

  /** Starts the session and warms up the type checker (the first cell is then fast); resolves when done. */
  warmUp(): Promise<void> {
    return this.start().then((s) => {
      s.warmUp();
    });
  }

  /** The execution state, loaded. */
  get sessionState(): Session | undefined {
    return this.exec;
  }

  /**
   * Takes one decoded message from a channel. Shell requests run one after
   * another; control ones at once. `arrival` numbers messages in the order
   * they reached the kernel's sockets, where another thread receives them
   * (default: the order of calls).
   */
  handle(channel: Channel, msg: Message, arrival?: number): void {
    this.arrivals.set(msg, arrival ?? ++this.arrivalCount);
    const type = msg.header.msg_type;
    // Requests are checked where they are answered (dispatch), the rest here: they have no reply to carry an error.
    const problem = type.endsWith("_request") ? undefined : contentProblem(type, msg.content);
    if (channel === "stdin") {
      const pending = type === "input_reply" ? this.inputs.get(String(msg.parent_header.msg_id)) : undefined;
      if (pending && problem) pending.reject(new Error(`the frontend's answer to input() is malformed (${problem})`));
      else if (pending) pending.resolve(msg.content.value as string);
      else console.error(`[trellis kernel] ignored ${type} on stdin (no input() waits for it)`);
      return;
    }
    if (problem) {
      // comm_open/comm_msg/comm_close: logged, and dropped.
      console.error(`[trellis kernel] ignored a malformed message on ${channel}: ${problem}`);
      return;
    }
    if (channel === "control" && msg.header.msg_type !== "execute_request") {
      void this.dispatch(channel, msg);
      return;
    }
    if (comms.isOutOfBand(msg.header.msg_type, msg.content)) {
      // A live view's comm (its Stop button) must reach the cell it controls: handled now, without busy/idle
      // (those would tell the frontend the kernel went idle while the cell still runs).
      if (msg.header.msg_type === "comm_open") this.commOpen(msg);
      else this.commDeliver(msg.header.msg_type === "comm_msg" ? "msg" : "close", msg);
      return;
    }
    this.queue.push({ channel, msg });
    if (!this.pumping) void this.pump();
  }

  /** Resolves when every queued shell request has been answered. */
  async idle(): Promise<void> {
    while (this.pumping || this.queue.length) await new Promise((r) => setTimeout(r, 1));
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length) {
        const { channel, msg } = this.queue.shift()!;
        await this.dispatch(channel, msg);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async dispatch(channel: Channel, msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    this.publish("status", { execution_state: "busy" }, msg.header);
    this.awaitingIdle.add(msg);
    try {
      const handler = Object.hasOwn(this.handlers, type) ? this.handlers[type] : undefined;
      const problem = type.endsWith("_request") ? contentProblem(type, msg.content) : undefined;
      if (problem) this.invalidRequest(channel, msg, problem);
      else if (handler) await handler(channel, msg);
      else if (type.endsWith("_request")) {
        this.reply(channel, msg, type.replace(/_request$/, "_reply"), { status: "error", ename: "UnknownMessageType", evalue: `the Trellis kernel does not handle ${type}`, traceback: [] });
      } else console.error(`[trellis kernel] ignored a ${type} message on ${channel}`);
    } catch (error) {
      console.error(`[trellis kernel] ${type} failed:`, error);
      if (type.endsWith("_request")) {
        this.reply(channel, msg, type.replace(/_request$/, "_reply"), { status: "error", ename: "KernelError", evalue: String((error as Error)?.message ?? error), traceback: [] });
      }
    } finally {
      // Messages without a reply (comm messages), and handlers that failed before replying.
      if (this.awaitingIdle.delete(msg)) this.publish("status", { execution_state: "idle" }, msg.header);
    }
  }

  private arrivalOf(msg: Message): number {
    return this.arrivals.get(msg) ?? this.arrivalCount;
  }

  /** The error reply to a request whose content does not fit the spec (an execute_request's error also goes to IOPub, where notebooks show it). */
  private invalidRequest(channel: Channel, msg: Message, problem: string): void {
    const error = { ename: "InvalidRequest", evalue: problem, traceback: [`InvalidRequest: ${problem}`] };
    const type = msg.header.msg_type;
    if (type === "execute_request") {
      this.publish("error", error, msg.header);
      this.reply(channel, msg, "execute_reply", { status: "error", execution_count: this.count, ...error }, { status: "error" });
    } else this.reply(channel, msg, type.replace(/_request$/, "_reply"), { status: "error", ...error });
  }

  /** Sends on IOPub. */
  publish(msgType: string, content: Record<string, unknown>, parent: Header | undefined, options: { metadata?: Record<string, unknown>; buffers?: Uint8Array[] } = {}): void {
    this.io.send("iopub", makeMessage(msgType, content, parent, this.session, options));
  }

  /**
   * Sends the reply to `request`, then at once its idle status: nothing else
   * (a warm-up, another request's work) may come between a reply and its idle,
   * which clients take as the end of the request.
   */
  private reply(channel: Channel, request: Message, msgType: string, content: Record<string, unknown>, metadata: Record<string, unknown> = {}): void {
    this.io.send(channel, makeMessage(msgType, content, request.header, this.session, { metadata }), request);
    if (this.awaitingIdle.delete(request)) this.publish("status", { execution_state: "idle" }, request.header);
  }

  /** The context a cell (or a comm handler) runs in: its output, displays and input requests go to `request`. */
  private contextFor(request: Message, signal: AbortSignal, allowStdin: boolean): CellContext & { output: CellOutput } {
    const parent = request.header;
    const output = new CellOutput((name, text) => this.publish("stream", { name, text }, parent));
    const ctx = {
      parent,
      signal,
      output,
      stream: (name: "stdout" | "stderr", text: string) => output.write(name, text),
      display: (raw: MimeBundle, opts: { metadata?: Record<string, unknown>; displayId?: string; update?: boolean } = {}) => {
        output.flush();
        const bundle = this.widgetReady(raw, parent);
        const content = { data: bundle, metadata: opts.metadata ?? {}, transient: opts.displayId ? { display_id: opts.displayId } : {} };
        this.publish(opts.update ? "update_display_data" : "display_data", content, parent);
      },
      clearOutput: (wait: boolean) => {
        output.flush();
        this.publish("clear_output", { wait }, parent);
      },
      input: (prompt: string, password: boolean) => this.requestInput(request, prompt, password, allowStdin, signal),
    };
    return ctx;
  }

  private async execute(channel: Channel, req: Message): Promise<void> {
    const c = req.content as { code?: string; silent?: boolean; store_history?: boolean; allow_stdin?: boolean; stop_on_error?: boolean; user_expressions?: Record<string, string> };
    if (this.aborted.delete(req.header.msg_id)) {
      this.reply(channel, req, "execute_reply", { status: "aborted", execution_count: this.count }, { status: "aborted" });
      return;
    }
    const code = c.code!;
    const silent = c.silent === true;
    const storeHistory = silent ? false : c.store_history !== false;
    if (storeHistory) this.count++;
    const count = this.count;
    if (!silent) this.publish("execute_input", { code, execution_count: count }, req.header);
    if (storeHistory) this.history.add(count, code);
    const session = await this.start();
    session.executor.beginRequest(this.arrivalOf(req));
    const help = /^\s*\?\s*([\s\S]+?)\s*$|^\s*([\s\S]+?)\s*\?\s*$/.exec(code);
    if (help && !code.includes("\n")) {
      // IPython's `name?`: the signature and docs of an expression, in the pager.
      const expr = (help[1] ?? help[2])!;
      const text = session.inspect(expr, expr.length);
      const payload = [{ source: "page", data: { "text/plain": text ?? `no documentation found for ${expr}` }, start: 0 }];
      this.reply(channel, req, "execute_reply", { status: "ok", execution_count: count, payload, user_expressions: {} }, { status: "ok" });
      return;
    }
    let ctx: (CellContext & { output: CellOutput }) | undefined;
    const outcome = await session.execute(code, `In[${count}]`, (signal) => {
      ctx = this.contextFor(req, signal, c.allow_stdin === true);
      this.lastContext = ctx;
      return ctx;
    });
    ctx?.output.flush();
    if (outcome.status === "ok") {
      if (outcome.hasValue && !silent) {
        ctx?.output.flush();
        const data = this.widgetReady(this.bundle(outcome.value), req.header);
        this.publish("execute_result", { execution_count: count, data, metadata: {} }, req.header);
        if (storeHistory && typeof data["text/plain"] === "string") this.history.setOutput(count, data["text/plain"]);
      }
      const userExpressions = await this.userExpressions(session, req, c.user_expressions ?? {});
      this.reply(channel, req, "execute_reply", { status: "ok", execution_count: count, payload: [], user_expressions: userExpressions }, { status: "ok" });
    } else {
      const { ename, evalue, traceback } = outcome.error;
      this.publish("error", { ename, evalue, traceback }, req.header);
      this.reply(channel, req, "execute_reply", { status: "error", execution_count: count, ename, evalue, traceback }, { status: "error" });
      if (c.stop_on_error !== false) {
        for (const q of this.queue) if (q.msg.header.msg_type === "execute_request") this.aborted.add(q.msg.header.msg_id);
      }
    }
  }

  /**
   * A Trellis widget's bundle without its marker, after making sure plotly is
   * in the notebook: the first widget of the session is preceded by one
   * output that carries plotly (gzipped) for every widget of the page.
   */
  private widgetReady(bundle: MimeBundle, parent: Header): MimeBundle {
    if (!(WIDGET_MARKER in bundle)) return bundle;
    const { [WIDGET_MARKER]: _marker, ...rest } = bundle;
    if (!this.plotlySent) {
      this.plotlySent = true;
      this.publish("display_data", { data: { "text/html": plotlyHtml(), "text/plain": "" }, metadata: {}, transient: {} }, parent);
    }
    return rest;
  }

  /** A value's MIME bundle; a broken display method shows as text and its error on stderr. */
  private bundle(value: unknown): MimeBundle {
    try {
      return mimeBundleOf(value);
    } catch (error) {
      console.error("[trellis kernel] a display method threw:", error);
      return { "text/plain": String(value) };
    }
  }

  /** Evaluates the request's user_expressions after its code (each shown as a MIME bundle, or its error). */
  private async userExpressions(session: Session, req: Message, expressions: Record<string, string>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [name, expr] of Object.entries(expressions)) {
      const r = await session.execute(expr, `user_expressions.${name}`, (signal) => this.contextFor(req, signal, false));
      out[name] = r.status === "ok" ? { status: "ok", data: this.bundle(r.value), metadata: {} } : { status: "error", ...r.error };
    }
    return out;
  }

  private async complete(channel: Channel, req: Message): Promise<void> {
    const code = String(req.content.code ?? "");
    const cursor = toUtf16(code, Number(req.content.cursor_pos ?? code.length));
    const session = await this.start();
    const r = session.complete(code, cursor);
    this.reply(channel, req, "complete_reply", {
      status: "ok",
      matches: r.matches,
      cursor_start: toCodePoints(code, r.start),
      cursor_end: toCodePoints(code, r.end),
      metadata: { _jupyter_types_experimental: r.matches.map((text, i) => ({ text, type: r.kinds[i], start: toCodePoints(code, r.start), end: toCodePoints(code, r.end) })) },
    });
  }

  private async inspect(channel: Channel, req: Message): Promise<void> {
    const code = String(req.content.code ?? "");
    const cursor = toUtf16(code, Number(req.content.cursor_pos ?? code.length));
    const session = await this.start();
    const text = session.inspect(code, cursor);
    this.reply(channel, req, "inspect_reply", { status: "ok", found: text !== undefined, data: text !== undefined ? { "text/plain": text } : {}, metadata: {} });
  }

  private async isComplete(channel: Channel, req: Message): Promise<void> {
    const { isComplete } = await import("./session/is-complete.js");
    this.reply(channel, req, "is_complete_reply", isComplete(String(req.content.code ?? "")));
  }

  private historyRequest(channel: Channel, req: Message): void {
    const c = req.content as { output?: boolean; hist_access_type?: string; n?: number; session?: number; start?: number; stop?: number; pattern?: string; unique?: boolean };
    const entries =
      c.hist_access_type === "range"
        ? this.history.range(c.session ?? 0, c.start ?? 0, c.stop ?? 0)
        : c.hist_access_type === "search"
          ? this.history.search(c.pattern ?? "*", c.n ?? 0, c.unique === true)
          : this.history.tail(c.n ?? 10);
    this.reply(channel, req, "history_reply", { status: "ok", history: c.output ? this.history.withOutput(entries) : entries });
  }

  private payload(msg: Message): CommPayload {
    return { data: (msg.content.data ?? {}) as Record<string, unknown>, metadata: msg.metadata ?? {}, buffers: msg.buffers ?? [] };
  }

  /** Runs a comm handler inside a context parented to `msg` (its prints and displays go with the comm message). */
  private inContext(msg: Message, fn: () => void): void {
    const ctx = this.contextFor(msg, new AbortController().signal, false);
    try {
      cellContext.run(ctx, fn);
    } finally {
      ctx.output.flush();
    }
  }

  private commOpen(msg: Message): void {
    const id = String(msg.content.comm_id ?? "");
    const target = String(msg.content.target_name ?? "");
    let opened = false;
    this.inContext(msg, () => {
      opened = comms.handleOpen(id, target, this.payload(msg), msg.header);
    });
    // No such target: the spec asks the kernel to close the comm it cannot open.
    if (!opened) this.publish("comm_close", { comm_id: id, data: {} }, msg.header);
  }

  private commDeliver(kind: "msg" | "close", msg: Message): void {
    this.inContext(msg, () => comms.handle(kind, String(msg.content.comm_id ?? ""), this.payload(msg)));
  }

  private shutdown(channel: Channel, req: Message): void {
    const restart = req.content.restart === true;
    this.reply(channel, req, "shutdown_reply", { status: "ok", restart });
    // After the idle status that follows this handler.
    setImmediate(() => this.options.onShutdown?.(restart));
  }

  private requestInput(request: Message, prompt: string, password: boolean, allowed: boolean, signal: AbortSignal): Promise<string> {
    if (!allowed) return Promise.reject(new Error("input(): this frontend does not take input (the cell was run with allow_stdin false)"));
    const msg = makeMessage("input_request", { prompt, password }, request.header, this.session);
    return new Promise<string>((resolve, reject) => {
      const done = () => {
        this.inputs.delete(msg.header.msg_id);
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        done();
        reject(signal.reason as Error);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.inputs.set(msg.header.msg_id, {
        resolve: (v) => {
          done();
          resolve(v);
        },
        reject,
      });
      this.io.send("stdin", msg, request);
    });
  }

  /** A rejection no code handled: shown on stderr of the cell that started the work (or the last cell). */
  private backgroundError(reason: unknown): void {
    const ctx = currentCell() ?? this.lastContext;
    const text = reason instanceof Error ? (reason.stack ?? String(reason)) : String(reason);
    if (ctx) ctx.stream("stderr", `Unhandled promise rejection: ${text}\n`);
    else console.error("[trellis kernel] unhandled rejection:", reason);
  }
}

/** A code-point offset (the protocol's cursor unit) as a UTF-16 index into `s`. */
export function toUtf16(s: string, codePoints: number): number {
  let i = 0;
  for (let n = 0; n < codePoints && i < s.length; n++) i += s.codePointAt(i)! > 0xffff ? 2 : 1;
  return i;
}

/** A UTF-16 index into `s` as a code-point offset. */
export function toCodePoints(s: string, utf16: number): number {
  let n = 0;
  for (let i = 0; i < utf16 && i < s.length; n++) i += s.codePointAt(i)! > 0xffff ? 2 : 1;
  return n;
}
