// What the main thread and its kernel helper thread share: a control block
// (a SharedArrayBuffer) with a task counter, the last task claimed (by the
// helper to run it, or by the main thread to run it itself), a done
// counter, the task code, an error flag, which memory the task runs on and
// up to 16 float64 arguments. A second memory (a decoder's) reaches the
// helper as a message on a MessagePort that it reads synchronously when told
// to attach it.

/** Int32 slots of the control block. `memory`: 0 the helper's own memory, 1 the attached one. */
export const SLOT = { seq: 0, done: 1, task: 2, ready: 3, error: 4, memory: 5, claim: 6 } as const;
/** Byte offset and count of the float64 arguments. */
export const ARGS_OFFSET = 64;
export const ARGS_COUNT = 16;
export const CONTROL_BYTES = ARGS_OFFSET + 8 * ARGS_COUNT;

/**
 * Task codes: the kernel calls a helper runs, with the arguments of the
 * export of that name; `attach` instantiates the kernels on the memory
 * waiting on the port (replacing the attached one); `stop` ends the thread.
 */
export const TASK = { gemm: 1, gemmChunkedK: 2, gelu: 3, geluGrad: 4, layerNorm: 5, decodeAttend: 6, attach: 98, stop: 99 } as const;

/** Loads of the counter before a waiting thread sleeps (Atomics.wait): a few µs, cheaper than a futex wake between back-to-back kernels. */
export const SPINS = 20000;
