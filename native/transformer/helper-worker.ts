// The kernel helper thread: instantiates the transformer kernels on the
// shared memory it is given (and on a second one when the main thread
// attaches it) and runs the tasks the main thread posts in the control block
// (see ./helper-protocol.ts) until told to stop.
import { receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { webAssembly, type WasmMemory, type WasmModule } from "../wasm/api.js";
import { gemmChunkedK } from "./blocked-gemm.js";
import { ARGS_COUNT, ARGS_OFFSET, SLOT, SPINS, TASK } from "./helper-protocol.js";
import type { TransformerExports } from "./module.js";

const { module, memory, control, port } = workerData as { module: WasmModule; memory: WasmMemory; control: SharedArrayBuffer; port: MessagePort };
const instantiate = (on: WasmMemory): TransformerExports => new webAssembly!.Instance(module, { env: { memory: on } }).exports as unknown as TransformerExports;
const own = instantiate(memory);
let attached: TransformerExports | null = null;
const ctl = new Int32Array(control, 0, ARGS_OFFSET / 4);
const args = new Float64Array(control, ARGS_OFFSET, ARGS_COUNT);
Atomics.store(ctl, SLOT.ready, 1);
Atomics.notify(ctl, SLOT.ready);

function run(k: TransformerExports, task: number, a: Float64Array): void {
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

function attach(): void {
  // the main thread posts the memory before the task, so it is on the port already
  const message = receiveMessageOnPort(port);
  if (message === undefined) throw new Error("kernel helper: no memory to attach");
  attached = null; // drop the old instance (and its memory) first
  attached = instantiate(message.message as WasmMemory);
}

let seen = 0;
for (;;) {
  let seq = Atomics.load(ctl, SLOT.seq);
  for (let i = 0; seq === seen && i < SPINS; i++) seq = Atomics.load(ctl, SLOT.seq);
  if (seq === seen) {
    Atomics.wait(ctl, SLOT.seq, seen);
    continue;
  }
  seen = seq;
  const task = ctl[SLOT.task]!;
  if (task === TASK.stop) break;
  try {
    if (task === TASK.attach) attach();
    else run(ctl[SLOT.memory] === 1 ? attached! : own, task, args);
  } catch {
    Atomics.store(ctl, SLOT.error, 1);
  }
  Atomics.store(ctl, SLOT.done, seen);
  Atomics.notify(ctl, SLOT.done);
}
