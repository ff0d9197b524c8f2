import { gemmChunkedK } from "./blocked-gemm.js";
import { TASK } from "./helper-protocol.js";
import type { TransformerExports } from "./module.js";

/** Runs kernel task `task` (see ./helper-protocol.ts) with the arguments `a` on the kernels `k`: the helper's work, or the caller's when it takes back a task the helper has not started. */
export function runTask(k: TransformerExports, task: number, a: Float64Array): void {
  switch (task) {
    case TASK.gemm:
      return k.gemm(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!);
    case TASK.gemmChunkedK:
      return gemmChunkedK(k, a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!);
    case TASK.gelu:
      return k.gelu(a[0]!, a[1]!, a[2]!, a[3]!);
    case TASK.geluGrad:
      return k.geluGrad(a[0]!, a[1]!, a[2]!, a[3]!);
    case TASK.layerNorm:
      return k.layerNorm(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!);
    case TASK.decodeAttend:
      return k.decodeAttend(a[0]!, a[1]!, a[2]!, a[3]!, a[4]!, a[5]!, a[6]!, a[7]!, a[8]!, a[9]!, a[10]!, a[11]!, a[12]!, a[13]!);
    default:
      throw new Error(`kernel helper: unknown task ${task}`);
  }
}
