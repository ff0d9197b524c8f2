/**
 * Interrupts from the environment the code runs in: a notebook kernel
 * installs a source that returns the AbortSignal of the cell running now, so
 * an interrupted cell stops `train()` at the next env step. Installed through
 * a global symbol so the library never imports the kernel.
 */
const INTERRUPT_KEY = Symbol.for("trellis.interrupt");

/** Installs the function that gives the current interrupt signal (returns the previous one). */
export function setInterruptSource(source: (() => AbortSignal | undefined) | undefined): (() => AbortSignal | undefined) | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const prev = g[INTERRUPT_KEY] as (() => AbortSignal | undefined) | undefined;
  g[INTERRUPT_KEY] = source;
  return prev;
}

/** The interrupt signal of the code running now (a notebook cell), if a kernel installed a source. */
export function currentInterrupt(): AbortSignal | undefined {
  return ((globalThis as Record<symbol, unknown>)[INTERRUPT_KEY] as (() => AbortSignal | undefined) | undefined)?.();
}

/** Thrown by `train()` when the kernel interrupts the cell running it; the run stays consistent and can train on. */
export class InterruptedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InterruptedError";
  }
}
