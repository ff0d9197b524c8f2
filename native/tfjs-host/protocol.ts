import type { MessagePort } from "node:worker_threads";

// Messages between a TfjsHost (the caller's thread) and its worker.

/** What the caller sends: an operation by name and its structured-cloneable arguments. */
export interface HostRequest {
  readonly id: number;
  readonly op: string;
  readonly args: unknown;
}

/** What the worker answers, before it raises the signal. */
export type HostReply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };

/**
 * A module the worker loads (`import(url)`) for its operations: `ops` maps an
 * operation name to an async function of the request's arguments.
 */
export interface HostOpsModule {
  readonly ops: Readonly<Record<string, (args: never) => unknown>>;
}

/** Values of the shared signal: a call runs, its reply is posted, the worker has exited. */
export const SIGNAL_WAITING = 0;
export const SIGNAL_REPLIED = 1;
export const SIGNAL_GONE = 2;

/** Operations every host answers itself. */
export const HOST_OPS = { init: "host.init", load: "host.load", memory: "host.memory" } as const;

/** What the worker receives at start. */
export interface HostWorkerData {
  readonly port: MessagePort;
  /** Int32Array over a SharedArrayBuffer of 1 element: SIGNAL_WAITING while a call runs, SIGNAL_REPLIED once its reply is posted, SIGNAL_GONE once the worker has exited. */
  readonly signal: Int32Array;
}
