import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { BackendName, DeviceReport } from "../backend.js";
import { BACKEND_ENV, parseBackendName } from "../backend.js";
import { HOST_OPS, SIGNAL_GONE, SIGNAL_REPLIED, SIGNAL_WAITING, type HostReply, type HostWorkerData } from "./protocol.js";

export interface TfjsHostOptions {
  /** The backend the worker runs (as TRELLIS_BACKEND). Default: TRELLIS_BACKEND, else "auto" (the fastest present: tfjs-node-gpu, tfjs-node, WebGPU on a hardware adapter, wasm, cpu). */
  backend?: BackendName | "auto";
  /** How long one call may take before it fails (and closes the host), ms. Default 600 000. */
  timeoutMs?: number;
  /** How long starting the worker and its backend may take, ms. Default 120 000. */
  startTimeoutMs?: number;
}

/**
 * TensorFlow.js on a worker thread behind synchronous calls. In Node, tfjs's
 * WebGPU backend cannot read a tensor back synchronously (its `dataSync`
 * needs a browser's OffscreenCanvas), while the engine's networks and token
 * policies are synchronous; the host runs tfjs where awaiting is free and
 * the caller blocks on a shared flag until the answer is posted
 * (`Atomics.wait` + `receiveMessageOnPort`). Large arrays travel as views of
 * SharedArrayBuffers, so parameters and gradients are never copied between
 * the threads. One call at a time; the worker does not keep the process alive.
 * A call that times out, or a worker that exits, closes the host (its
 * tensors are gone): later calls throw, and {@link sharedTfjsHost} starts a
 * new one.
 */
export class TfjsHost {
  /** The backend the worker runs, and why. */
  readonly device: DeviceReport;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly timeoutMs: number;
  private readonly modules = new Set<string>();
  private nextId = 1;
  private closed = false;
  /** Why the worker ended, when it ended on its own. */
  private failure: Error | null = null;

  /** Starts the worker and its backend; blocks until the backend is up. Throws when it cannot start. */
  constructor(options: TfjsHostOptions = {}) {
    const backend = options.backend ?? parseBackendName(process.env[BACKEND_ENV], BACKEND_ENV);
    this.timeoutMs = options.timeoutMs ?? 600_000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`TfjsHost: timeoutMs must be positive, got ${this.timeoutMs}`);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: HostWorkerData = { port: port2, signal: this.signal };
    // the worker inherits execArgv, and --input-type (node -e with ESM) makes a file worker exit at once
    const execArgv = process.execArgv.filter((a) => !a.startsWith("--input-type"));
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: data, transferList: [port2], execArgv });
    this.worker.on("error", (e) => {
      this.failure = e;
      this.close();
    });
    this.worker.unref();
    this.port.unref();
    try {
      this.device = this.call<DeviceReport>(HOST_OPS.init, { backend }, options.startTimeoutMs ?? 120_000);
    } catch (e) {
      this.close();
      throw new Error(`the tfjs host could not start the ${backend} backend: ${(e as Error).message}`);
    }
  }

  /** Makes the operations of the module at `url` (see HostOpsModule) callable; loading one twice does nothing. */
  load(url: URL | string): void {
    const href = String(url);
    if (this.modules.has(href)) return;
    this.call(HOST_OPS.load, { url: href });
    this.modules.add(href);
  }

  /** Runs operation `op` in the worker and returns its result; rethrows its error. Blocks the calling thread (at most `timeoutMs`, default the host's). */
  call<T>(op: string, args: unknown = null, timeoutMs = this.timeoutMs): T {
    if (this.closed) throw new Error(`the tfjs host is closed${this.failure ? ` (its worker failed: ${this.failure.message})` : ""} (call to ${op})`);
    const id = this.nextId++;
    // REPLIED → WAITING; a GONE left by a worker that exited after its last reply stays
    if (Atomics.compareExchange(this.signal, 0, SIGNAL_REPLIED, SIGNAL_WAITING) === SIGNAL_GONE) return this.gone(op);
    this.port.postMessage({ id, op, args });
    const t0 = Date.now();
    for (;;) {
      const left = timeoutMs - (Date.now() - t0);
      if (left <= 0) {
        this.close();
        throw new Error(`the tfjs host did not answer ${op} within ${timeoutMs} ms; it is closed (its tensors are gone), a new one starts on next use`);
      }
      if (Atomics.wait(this.signal, 0, SIGNAL_WAITING, Math.min(left, 1000)) !== "timed-out") break;
    }
    for (;;) {
      const reply = receiveMessageOnPort(this.port)?.message as HostReply | undefined;
      if (reply === undefined) {
        if (Atomics.load(this.signal, 0) === SIGNAL_GONE) return this.gone(op);
        throw new Error(`the tfjs host raised its signal without a reply to ${op}`);
      }
      // replies to calls given up on come first; only ours counts
      if (reply.id < id) continue;
      if (reply.id !== id) throw new Error(`the tfjs host answered out of turn (expected reply ${id}, got ${JSON.stringify(reply.id)})`);
      if (!reply.ok) throw new Error(`${op}: ${reply.error}`);
      return reply.result as T;
    }
  }

  /** Tensors alive in the worker and their bytes (tfjs's memory()): what a test checks for leaks. */
  memory(): { numTensors: number; numBytes: number } {
    return this.call(HOST_OPS.memory);
  }

  /** Whether the host was closed (by close(), a timeout or its worker's exit). */
  get isClosed(): boolean {
    return this.closed;
  }

  private gone(op: string): never {
    this.close();
    throw new Error(`the tfjs host's worker exited (call to ${op})${this.failure ? `: ${this.failure.message}` : ""}`);
  }

  /** Stops the worker (its tensors go with it). Later calls throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
    this.port.close();
  }
}

// What a hosted object holds in the worker is freed when the object is collected without its dispose()/close().
const unreachable = new FinalizationRegistry<{ host: TfjsHost; op: string; id: number }>(({ host, op, id }) => {
  if (host.isClosed) return; // its tensors went with it
  try {
    host.call(op, { id });
  } catch {
    // the host failed meanwhile: the same
  }
});

/** Calls `host`'s operation `op` with `{ id }` once `owner` is garbage collected, unless {@link forgetCollected} is called first. */
export function releaseWhenCollected(owner: object, host: TfjsHost, op: string, id: number): void {
  unreachable.register(owner, { host, op, id }, owner);
}

/** Cancels {@link releaseWhenCollected} for `owner` (it released its state itself). */
export function forgetCollected(owner: object): void {
  unreachable.unregister(owner);
}

let shared: { key: string; host: TfjsHost } | undefined;

/**
 * The process's host for `backend` (default as {@link TfjsHostOptions}),
 * started on first use and again after it closed; asking for another
 * backend closes the previous one.
 */
export function sharedTfjsHost(backend?: BackendName | "auto"): TfjsHost {
  const key = backend ?? parseBackendName(process.env[BACKEND_ENV], BACKEND_ENV);
  if (shared?.key !== key || shared.host.isClosed) {
    shared?.host.close();
    shared = undefined;
    shared = { key, host: new TfjsHost({ backend: key }) };
  }
  return shared.host;
}

/** A Float32Array of `length` zeros over a SharedArrayBuffer (what a host reads and writes in place). */
export function sharedFloats(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}
