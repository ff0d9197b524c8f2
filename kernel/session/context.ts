import { AsyncLocalStorage } from "node:async_hooks";
import type { Header, MimeBundle } from "../protocol/message.js";

/**
 * What code running for one cell can do with the notebook: the sink of its
 * output. Every cell runs inside `cellContext.run(context, …)`, and Node
 * carries the context along into its timers and promises, so output that
 * outlives the cell still goes to the cell that started the work.
 */
export interface CellContext {
  /** The execute_request this output answers. */
  readonly parent: Header;
  /** Aborted when the cell is interrupted. */
  readonly signal: AbortSignal;
  stream(name: "stdout" | "stderr", text: string): void;
  /** Shows a MIME bundle; with a display id, later calls with `update` replace it in place. */
  display(bundle: MimeBundle, options?: { metadata?: Record<string, unknown>; displayId?: string; update?: boolean }): void;
  clearOutput(wait: boolean): void;
  /** Asks the frontend for a line of input (stdin channel). */
  input(prompt: string, password: boolean): Promise<string>;
}

export const cellContext = new AsyncLocalStorage<CellContext>();

/** The context of the cell whose code is running now, or undefined outside any cell. */
export function currentCell(): CellContext | undefined {
  return cellContext.getStore();
}
