/**
 * Worker side of {@link BoundedOpener}: opens each file it is sent the way
 * Trellis does and compares what it reads with the original table, so that a
 * hang stays in this thread (the opener times it out and ends the thread).
 */
import { readFileSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { tableFromIPC } from "apache-arrow";
import { openDataset } from "../../lib/data/dataset.js";
import { columnDifference, tableDifference } from "./table-difference.js";
import type { OpenOutcome, OpenRequest } from "./bounded-open.js";

const original = tableFromIPC(readFileSync((workerData as { original: string }).original));
/** Columns read on their own from an opened dataset before the whole table. */
const PROJECTED = ["obs", "run_id", "value", "terminated"].filter((n) => original.getChild(n));

async function outcome({ path }: OpenRequest): Promise<OpenOutcome> {
  try {
    const ds = await openDataset(path, { validate: false });
    for (const name of PROJECTED) {
      const difference = columnDifference(name, original.getChild(name)!, ds.column(name));
      if (difference) return { kind: "different", detail: `read alone: ${difference}` };
    }
    const difference = tableDifference(original, ds.table);
    return difference ? { kind: "different", detail: difference } : { kind: "same" };
  } catch (error) {
    return { kind: "error", detail: error instanceof Error ? error.message : `non-Error thrown: ${String(error)}` };
  }
}

parentPort!.on("message", (request: OpenRequest) => {
  void outcome(request).then((result) => parentPort!.postMessage({ id: request.id, ...result }));
});
parentPort!.postMessage({ ready: true });
