import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { BackendName, DeviceReport } from "../backend.js";
import { BACKEND_ENV, parseBackendName } from "../backend.js";
import { HOST_OPS, type HostReply, type HostWorkerData } from "./protocol.js";

export interface TfjsHostOptions {
  /** The backend the worker runs (as TRELLIS_BACKEND). Default: TRELLIS_BACKEND, else "auto" (WebGPU where a hardware adapter exists, else wasm). */
  backend?: BackendName | "auto";
  /** How long one call may take before it fails, ms. Default 600 000. */
  timeoutMs?: number;
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

  /** Starts the worker and its backend; blocks until the backend is up. Throws when it cannot start. */
  constructor(options: TfjsHostOptions = {}) {
    const backend = options.backend ?? parseBackendName(process.env[BACKEND_ENV], BACKEND_ENV);
    this.timeoutMs = options.timeoutMs ?? 600_000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`TfjsHost: timeoutMs must be positive, got ${this.timeoutMs}`);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const data: HostWorkerData = { port: port2, signal: this.signal };
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: data, transferList: [port2] });
    this.worker.unref();
    this.port.unref();
    try {
      this.device = this.call<DeviceReport>(HOST_OPS.init, { backend });
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

  /** Runs operation `op` in the worker and returns its result; rethrows its error. Blocks the calling thread. */
  call<T>(op: string, args: unknown = null): T {
    if (this.closed) throw new Error(`the tfjs host is closed (call to ${op})`);
    const id = this.nextId++;
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage({ id, op, args });
    const t0 = Date.now();
    for (;;) {
      const left = this.timeoutMs - (Date.now() - t0);
      if (left <= 0) throw new Error(`the tfjs host did not answer ${op} within ${this.timeoutMs} ms (the worker may have died)`);
      if (Atomics.wait(this.signal, 0, 0, Math.min(left, 1000)) !== "timed-out") break;
    }
    const received = receiveMessageOnPort(this.port);
    const reply = received?.message as HostReply | undefined;
    if (!reply || reply.id !== id) throw new Error(`the tfjs host answered out of turn (expected reply ${id}, got ${JSON.stringify(reply?.id)})`);
    if (!reply.ok) throw new Error(`${op}: ${reply.error}`);
    return reply.result as T;
  }

  /** Stops the worker (its tensors go with it). Later calls throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.worker.terminate();
    this.port.close();
  }
}

let shared: { key: string; host: TfjsHost } | undefined;

/**
 * The process's host for `backend` (default as {@link TfjsHostOptions}),
 * started on first use; asking for another backend closes the previous one.
 */
export function sharedTfjsHost(backend?: BackendName | "auto"): TfjsHost {
  const key = backend ?? parseBackendName(process.env[BACKEND_ENV], BACKEND_ENV);
  if (shared?.key !== key) {
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
