// What the main thread and its kernel helper thread share: a control block
// (a SharedArrayBuffer) with a task counter, a done counter, the task code,
// an error flag and up to 16 float64 arguments.

/** Int32 slots of the control block. */
export const SLOT = { seq: 0, done: 1, task: 2, ready: 3, error: 4 } as const;
/** Byte offset and count of the float64 arguments. */
export const ARGS_OFFSET = 64;
export const ARGS_COUNT = 16;
export const CONTROL_BYTES = ARGS_OFFSET + 8 * ARGS_COUNT;

/** Task codes: the kernel calls a helper runs, with the arguments of the export of that name. */
export const TASK = { gemm: 1, gemmChunkedK: 2, gelu: 3, geluGrad: 4, layerNorm: 5, stop: 99 } as const;

/** Loads of the counter before a waiting thread sleeps (Atomics.wait): a few µs, cheaper than a futex wake between back-to-back kernels. */
export const SPINS = 20000;
