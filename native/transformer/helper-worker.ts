// The kernel helper thread: instantiates the transformer kernels on the
// shared memory it is given (and on a second one when the main thread
// attaches it) and runs the tasks the main thread posts in the control block
// (see ./helper-protocol.ts) until told to stop. A task is run by whichever
// thread claims it first: the main thread takes back one this thread has not
// started when its own share is done (this thread may be descheduled).
import { receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { webAssembly, type WasmMemory, type WasmModule } from "../wasm/api.js";
import { ARGS_COUNT, ARGS_OFFSET, SLOT, SPINS, TASK } from "./helper-protocol.js";
import { runTask } from "./helper-tasks.js";
import type { TransformerExports } from "./module.js";

const { module, memory, control, port } = workerData as { module: WasmModule; memory: WasmMemory; control: SharedArrayBuffer; port: MessagePort };
const instantiate = (on: WasmMemory): TransformerExports => new webAssembly!.Instance(module, { env: { memory: on } }).exports as unknown as TransformerExports;
const own = instantiate(memory);
let attached: TransformerExports | null = null;
const ctl = new Int32Array(control, 0, ARGS_OFFSET / 4);
const args = new Float64Array(control, ARGS_OFFSET, ARGS_COUNT);
Atomics.store(ctl, SLOT.ready, 1);
Atomics.notify(ctl, SLOT.ready);

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
  if (ctl[SLOT.task] === TASK.stop) break;
  if (Atomics.compareExchange(ctl, SLOT.claim, seq - 1, seq) !== seq - 1) continue; // the main thread ran it
  const task = ctl[SLOT.task]!;
  try {
    if (task === TASK.attach) attach();
    else runTask(ctl[SLOT.memory] === 1 ? attached! : own, task, args);
  } catch {
    Atomics.store(ctl, SLOT.error, 1);
  }
  Atomics.store(ctl, SLOT.done, seen);
  Atomics.notify(ctl, SLOT.done);
}
