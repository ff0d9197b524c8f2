// The worker of a TfjsHost: runs TensorFlow.js on its own thread, where
// reading a tensor back may wait on a promise (WebGPU in Node has no
// synchronous readback), and answers one call at a time.
import { workerData, type MessagePort } from "node:worker_threads";
import type { HostOpsModule, HostReply, HostRequest, HostWorkerData } from "./protocol.js";
import { HOST_OPS, SIGNAL_GONE, SIGNAL_REPLIED } from "./protocol.js";

const { port, signal } = workerData as HostWorkerData;
const ops = new Map<string, (args: never) => unknown>();
const loaded = new Set<string>();

async function load(url: string): Promise<void> {
  if (loaded.has(url)) return;
  const mod = (await import(url)) as Partial<HostOpsModule>;
  if (typeof mod.ops !== "object" || mod.ops === null) throw new TypeError(`${url} exports no \`ops\` object`);
  for (const [name, fn] of Object.entries(mod.ops)) ops.set(name, fn);
  loaded.add(url);
}

async function answer(request: HostRequest): Promise<unknown> {
  if (request.op === HOST_OPS.init) {
    const { backend } = request.args as { backend: string };
    // imported here, not at the top, so a failure to load tfjs becomes a reply instead of a silent exit
    const { initBackend } = await import("../backend.js");
    return initBackend({ backend: backend as never });
  }
  if (request.op === HOST_OPS.load) return load((request.args as { url: string }).url);
  if (request.op === HOST_OPS.memory) {
    const { numTensors, numBytes } = (await import("@tensorflow/tfjs")).memory();
    return { numTensors, numBytes };
  }
  const fn = ops.get(request.op);
  if (!fn) throw new Error(`the tfjs host knows no operation ${JSON.stringify(request.op)} (loaded: ${[...loaded].join(", ") || "none"})`);
  return await fn(request.args as never);
}

// One request at a time, in order: a request that arrives while another is
// awaiting the GPU (the caller gave up on it after a timeout) waits its turn.
let queue: Promise<void> = Promise.resolve();
(port as MessagePort).on("message", (request: HostRequest) => {
  queue = queue.then(() =>
    answer(request).then(
      (result) => reply({ id: request.id, ok: true, result }),
      (e: unknown) => reply({ id: request.id, ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e) }),
    ),
  );
});

// A worker that dies (an uncaught error, process.exit) says so, so the caller stops waiting at once.
process.on("exit", () => {
  Atomics.store(signal, 0, SIGNAL_GONE);
  Atomics.notify(signal, 0);
});

function reply(message: HostReply): void {
  try {
    port.postMessage(message);
  } catch (e) {
    port.postMessage({ id: message.id, ok: false, error: `the reply could not be sent: ${(e as Error).message}` });
  }
  Atomics.store(signal, 0, SIGNAL_REPLIED);
  Atomics.notify(signal, 0);
}
