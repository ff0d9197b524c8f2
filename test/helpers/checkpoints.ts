// Helpers for the checkpoint tests: what identifies one save, and the log a saving child writes.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { AlgoInstance } from "../../lib/algos/algorithm.js";
import type { Run } from "../../lib/index.js";

/**
 * A digest of everything a checkpoint restores: counters, every algorithm
 * array (weights, optimizer moments, rollout), the algorithm's and the env's
 * JSON state, and the sizes of the metrics and data tables. A load that mixes
 * two saves gives a digest that neither save had.
 */
export function fingerprint(run: Run): string {
  const state = (run.algo as AlgoInstance).saveState();
  const h = createHash("sha256");
  h.update(
    JSON.stringify({
      step: run.step,
      updates: run.algo.updates,
      metricsRows: run.metrics.numRows,
      dataRows: run.recording ? run.data.numRows : -1,
      algo: state.json,
      env: run.env.saveState(),
    }),
  );
  for (const name of Object.keys(state.arrays).sort()) {
    const a = state.arrays[name]!;
    h.update(name);
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest("hex");
}

/** The fingerprints a saving child logged (`step fingerprint` per line, written before each save), by step. */
export async function savedFingerprints(log: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const line of (await readFile(log, "utf8")).split("\n")) {
    const [step, fp] = line.split(" ");
    if (step && fp && fp.length === 64) out.set(Number(step), fp);
  }
  return out;
}
