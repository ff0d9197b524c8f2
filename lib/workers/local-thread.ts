/**
 * A worker thread of `rl.workers.local`: one {@link Actor} for one slot.
 * Messages in: `{ type: "rollout", id, version, params, steps, rngState }`;
 * out: `{ type: "ready" }` once built, `{ type: "batch", id, bytes, seconds }`
 * per rollout, `{ type: "error", id?, message }` when something fails.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Actor, type ActorJob } from "./actor.js";
import type { RngState } from "../random/rng.js";

interface RolloutMessage {
  readonly type: "rollout";
  readonly id: number;
  readonly version: number;
  readonly params: Float32Array;
  readonly steps: number;
  readonly rngState: RngState;
}

const port = parentPort!;
const { job, slot, workerId } = workerData as { job: ActorJob; slot: number; workerId: string };
let actor: Actor | null = null;
try {
  actor = new Actor(job, slot, workerId);
  port.postMessage({ type: "ready" });
} catch (error) {
  port.postMessage({ type: "error", message: error instanceof Error ? error.message : String(error) });
}

port.on("message", (m: RolloutMessage | { type: "snapshot"; id: number }) => {
  if (m?.type === "snapshot" && actor) {
    port.postMessage({ type: "snapshot", id: m.id, state: actor.env.saveState() });
    return;
  }
  if (m?.type !== "rollout" || !actor) return;
  try {
    const t0 = performance.now();
    actor.load(m.version, m.params);
    const r = actor.rollout(m.steps, m.rngState);
    const bytes = r.bytes.byteOffset === 0 && r.bytes.byteLength === r.bytes.buffer.byteLength ? r.bytes : r.bytes.slice();
    port.postMessage({ type: "batch", id: m.id, bytes, seconds: (performance.now() - t0) / 1000 }, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ type: "error", id: m.id, message: error instanceof Error ? error.message : String(error) });
  }
});
