import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { kernelInfo } from "../info.js";
import type { Kernel } from "../kernel.js";
import type { Channel, Message } from "../protocol/message.js";
import { makeInterruptFlag } from "../session/interrupt-flag.js";
import { readConnectionFile } from "./connection.js";
import type { ToMain, ToWorker } from "./worker.js";

export interface ServeOptions {
  /** The notebook's directory (default: the working directory, where Jupyter starts kernels). */
  dir?: string;
  /** Type check cells before running them (default true). */
  typecheck?: boolean;
}

/**
 * Runs the kernel for a Jupyter connection file: the socket thread starts at
 * once (kernel_info answers before TypeScript has loaded), then the kernel's
 * logic loads on this thread and warms up its type checker. Requests reach
 * `Kernel.handle` in arrival order; what it sends goes back to the socket
 * thread. Resolves when the kernel has shut down.
 */
export async function serve(connectionFile: string, options: ServeOptions = {}): Promise<void> {
  const connection = readConnectionFile(connectionFile);
  const flag = makeInterruptFlag();
  const session = crypto.randomUUID();
  const worker = new Worker(join(dirname(fileURLToPath(import.meta.url)), "worker.js"), {
    workerData: { connection, flag: flag.buffer, kernelInfo: kernelInfo(), session },
  });
  // Until the kernel's own handler is installed, SIGINT (a Jupyter interrupt) must not end the process.
  const early = () => {};
  process.on("SIGINT", early);
  // What the kernel sends in one turn (a reply and its idle status, a cell's outputs) reaches the socket thread
  // as one message, handled in one task: nothing on that thread comes between them either.
  const outbox: ToWorker[] = [];
  const flush = () => worker.postMessage(outbox.length === 1 ? outbox.pop()! : { kind: "batch", messages: outbox.splice(0) } satisfies ToWorker);
  const post = (m: ToWorker) => {
    outbox.push(m);
    if (outbox.length === 1) queueMicrotask(flush);
  };
  /** Set once the kernel has loaded and warmed up; requests before that wait in the backlog. */
  let kernel: Kernel | undefined;
  const backlog: { channel: Channel; message: Message }[] = [];
  /** The socket thread's route of each request the kernel holds (its replies go back by it). */
  const routes = new WeakMap<Message, number>();
  let shutdown: (() => void) | undefined;
  const done = new Promise<void>((resolve) => (shutdown = resolve));

  worker.on("message", (m: ToMain) => {
    if (m.kind === "request") {
      routes.set(m.message, m.route);
      if (kernel) kernel.handle(m.channel, m.message, m.route);
      else backlog.push({ channel: m.channel, message: m.message });
    } else if (m.kind === "interrupt") kernel?.interruptRaised();
    else if (m.kind === "log") console.error(`[trellis kernel] ${m.text}`);
    else if (m.kind === "closed") shutdown?.();
  });
  worker.on("error", (error) => {
    console.error("[trellis kernel] the socket thread failed:", error);
    process.exit(1);
  });
  const socketsReady = new Promise<void>((resolve, reject) => {
    const onReady = (m: ToMain) => {
      if (m.kind === "ready") {
        worker.off("message", onReady);
        resolve();
      }
    };
    worker.on("message", onReady);
    worker.once("error", reject);
  });
  // The kernel loads and warms up while the socket thread binds: TypeScript, the session, and a typical Trellis
  // cell's types, before anything is answered: kernel_info_reply (which the socket thread holds until then)
  // means ready, and requests that came earlier wait in the backlog until then (none runs beside the warm-up).
  const warmed = (async () => {
    const { Kernel } = await import("../kernel.js");
    const k = new Kernel({
      dir: options.dir ?? process.cwd(),
      session,
      interruptFlag: flag,
      ...(options.typecheck !== undefined ? { typecheck: options.typecheck } : {}),
      io: {
        send: (channel, message, request) => {
          const route = request && routes.get(request);
          post({ kind: "send", channel, message, ...(route !== undefined ? { route } : {}) });
        },
      },
      onShutdown: () => post({ kind: "close" }),
    });
    try {
      await k.warmUp();
    } catch (error) {
      console.error("[trellis kernel] warming up failed:", error);
    }
    return k;
  })();
  const [, warming] = await Promise.all([socketsReady, warmed]);
  kernel = warming;
  for (const { channel, message } of backlog.splice(0)) kernel.handle(channel, message, routes.get(message));
  post({ kind: "warm" });
  process.off("SIGINT", early);
  await done;
  // The socket thread has closed its sockets; the process exits (terminating a thread that holds a ZeroMQ context can abort it).
}
