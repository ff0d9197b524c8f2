/**
 * The interrupt flag the kernel's threads share: `[0]` is 1 while an
 * interrupt is pending, `[1]` the arrival number of the request that brought
 * it (see `Executor.beginRequest`). Its own module: the socket thread and the
 * runner make one before the executor (and TypeScript) load.
 */
export function makeInterruptFlag(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
}
