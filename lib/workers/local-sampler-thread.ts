/**
 * A worker thread of `rl.workers.local` for a sequence run: one
 * {@link SequenceActor}. In: `{ type: "sample", id, version, params,
 * contexts, rngState }`; out: `{ type: "ready" }`, `{ type: "completions",
 * id, bytes }`, `{ type: "error", id?, message }`.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { RngState } from "../random/rng.js";
import { SequenceActor, type SamplerJob } from "./sequence-actor.js";

interface SampleMessage {
  readonly type: "sample";
  readonly id: number;
  readonly version: number;
  readonly params: Float32Array;
  readonly contexts: Int32Array[];
  readonly rngState: RngState;
}

const port = parentPort!;
const { job, workerId } = workerData as { job: SamplerJob; workerId: string };
let actor: SequenceActor | null = null;
try {
  actor = new SequenceActor(job, workerId);
  port.postMessage({ type: "ready" });
} catch (error) {
  port.postMessage({ type: "error", message: error instanceof Error ? error.message : String(error) });
}

port.on("message", (m: SampleMessage) => {
  if (m?.type !== "sample" || !actor) return;
  try {
    actor.load(m.version, m.params);
    const bytes = actor.sample(m.contexts, m.rngState);
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    port.postMessage({ type: "completions", id: m.id, bytes: owned }, [owned.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ type: "error", id: m.id, message: error instanceof Error ? error.message : String(error) });
  }
});
