import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import type { WasmMemory } from "../wasm/api.js";
import { ARGS_COUNT, ARGS_OFFSET, CONTROL_BYTES, SLOT, SPINS, TASK } from "./helper-protocol.js";
import { runTask } from "./helper-tasks.js";
import type { TransformerExports } from "./module.js";
import type { Workspace } from "./workspace.js";

/** How long the main thread waits for the helper to start or to finish a task before giving up. */
const TIMEOUT_MS = 10000;
/** A wait this long for the helper's share means the helper was descheduled mid-task (the shares take well under it). */
const STALL_MS = 2;
/**
 * Split calls per look at how many of their tasks the calling thread took
 * back; when it took back over half, the helper is not getting a core in
 * time (on a busy machine it then only takes CPU from the calling thread).
 */
const WINDOW = 64;
/** After a stall or such a window, kernel calls stay on the calling thread this long: the cores are busy, and splitting would lose again. */
const PAUSE_MS = 100;

/**
 * A second thread running the transformer kernels on a shared {@link Workspace}:
 * {@link start} posts one task (the helper's share of a kernel call), the
 * main thread does its own share, {@link finish} waits for the helper. The
 * helper sleeps in Atomics.wait between bursts of tasks and does not keep
 * the process alive. Besides its own workspace's memory it runs tasks on one
 * other shared memory of the same module at a time (a decoder's), attached
 * when a task names it.
 */
export class KernelHelper {
  private readonly worker: Worker;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly own: WasmMemory;
  private readonly port: MessagePort;
  /** The other memory the helper has an instance on, if any. */
  private attached: WasmMemory | null = null;
  private seq = 0;
  private closed = false;
  /** performance.now() until which {@link available} is false after a stall; 0 when not paused. */
  private pausedUntil = 0;
  /** Split calls finished in the current window, and how many of their tasks the calling thread took back. */
  private finished = 0;
  private takenBack = 0;

  /** Starts the thread and waits (synchronously) until it is ready; throws when it does not start. */
  constructor(ws: Workspace) {
    if (!(ws.memory.buffer instanceof SharedArrayBuffer)) throw new Error("KernelHelper: the workspace memory is not shared");
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    this.ctl = new Int32Array(control, 0, ARGS_OFFSET / 4);
    this.args = new Float64Array(control, ARGS_OFFSET, ARGS_COUNT);
    this.own = ws.memory;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.port.unref();
    this.worker = new Worker(new URL("./helper-worker.js", import.meta.url), { workerData: { module: ws.module, memory: ws.memory, control, port: port2 }, transferList: [port2] });
    this.worker.unref();
    const deadline = performance.now() + TIMEOUT_MS;
    while (Atomics.load(this.ctl, SLOT.ready) === 0) {
      if (performance.now() > deadline) {
        void this.worker.terminate();
        throw new Error("KernelHelper: the helper thread did not start");
      }
      Atomics.wait(this.ctl, SLOT.ready, 0, 50);
    }
  }

  /** Tasks posted so far (attaching a memory included). */
  get tasksPosted(): number {
    return this.seq;
  }

  /** Whether {@link close} was called (then tasks must run on the calling thread). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether to split kernel calls with the helper now: open, and not paused (after a stall, or a window of mostly taken-back tasks, in the last PAUSE_MS). */
  get available(): boolean {
    if (this.closed) return false;
    if (this.pausedUntil === 0) return true;
    if (performance.now() < this.pausedUntil) return false;
    this.pausedUntil = 0;
    return true;
  }

  /**
   * Posts `task` with `values` (numbers, at most 16) to the helper, to run
   * on `memory`: the helper's own workspace memory (the default) or another
   * shared memory of the same compiled module, which is attached first
   * (synchronously) when it is not the one attached already.
   */
  start(task: number, values: readonly number[], memory: WasmMemory = this.own): void {
    if (this.closed) throw new Error("KernelHelper: closed");
    if (memory !== this.own && memory !== this.attached) this.attach(memory);
    this.ctl[SLOT.memory] = memory === this.own ? 0 : 1;
    this.post(task, values);
  }

  private post(task: number, values: readonly number[]): void {
    for (let i = 0; i < values.length; i++) this.args[i] = values[i]!;
    this.ctl[SLOT.task] = task;
    Atomics.store(this.ctl, SLOT.seq, ++this.seq);
    Atomics.notify(this.ctl, SLOT.seq);
  }

  private attach(memory: WasmMemory): void {
    if (!(memory.buffer instanceof SharedArrayBuffer)) throw new Error("KernelHelper: the memory to attach is not shared");
    this.attached = null;
    this.port.postMessage(memory);
    this.post(TASK.attach, []);
    this.finish();
    this.attached = memory;
  }

  /**
   * Waits until the helper has done the last task; throws when it failed or
   * did not answer. With `k` (the kernels on the task's memory) it first
   * tries to take the task back and runs it on the calling thread when the
   * helper has not started it: where the helper thread is descheduled
   * (more busy threads than cores) that costs one thread's time instead of
   * a wait for the scheduler. Either thread gives the same bits.
   */
  finish(k?: TransformerExports): void {
    const { ctl, seq } = this;
    if (k !== undefined && Atomics.compareExchange(ctl, SLOT.claim, seq - 1, seq) === seq - 1) {
      runTask(k, ctl[SLOT.task]!, this.args);
      this.takenBack++;
      this.tally();
      return;
    }
    let done = Atomics.load(ctl, SLOT.done);
    for (let i = 0; done !== seq && i < SPINS; i++) done = Atomics.load(ctl, SLOT.done);
    if (done !== seq) {
      const since = performance.now();
      while (done !== seq) {
        if (performance.now() > since + TIMEOUT_MS) throw new Error("KernelHelper: the helper thread did not finish its task");
        Atomics.wait(ctl, SLOT.done, done, 100);
        done = Atomics.load(ctl, SLOT.done);
      }
      if (performance.now() - since > STALL_MS) this.pause();
    }
    if (Atomics.load(ctl, SLOT.error) !== 0) throw new Error("KernelHelper: a kernel failed on the helper thread");
    if (k !== undefined) this.tally();
  }

  private tally(): void {
    if (++this.finished < WINDOW) return;
    if (2 * this.takenBack > WINDOW) this.pause();
    this.finished = this.takenBack = 0;
  }

  private pause(): void {
    this.pausedUntil = performance.now() + PAUSE_MS;
  }

  /** Stops the thread. */
  close(): void {
    if (this.closed) return;
    this.post(TASK.stop, []);
    this.closed = true;
    this.attached = null;
    this.port.close();
    void this.worker.terminate();
  }
}
