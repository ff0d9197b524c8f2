// Reading a 1 M-step CartPole Arrow IPC file with openDataset and drawing 100
// shuffled minibatches of 256 rows (default columns: obs, action, reward,
// terminated, truncated, next_obs). The file is generated first (n = 1000
// copies × 1000 steps, random actions) in a temp dir, outside the timing.
// total_ms = open (footer and batch metadata + schema check) + sampler setup
// (reads the six sampled columns) + 100 batches; the summary reports the
// median of RUNS runs. Side by side, whole_file_ms times the same with the
// whole file read into memory first (what openDataset did before it read
// columns on demand); ratio = total_ms / whole_file_ms.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFile } from "node:fs/promises";
import { tableFromIPC } from "apache-arrow";
import { datasetFrom, openDataset } from "../lib/data/dataset.js";
import { Rng } from "../lib/random/rng.js";
import { randomCartPoleRecording } from "./random-cartpole.js";
import { emit, median, round } from "./stats.js";

const N = 1000;
const STEPS = 1000; // 1 M rows
const BATCHES = 100;
const BATCH_SIZE = 256;
const RUNS = 3;

const dir = await mkdtemp(join(tmpdir(), "trellis-dataset-read-"));
try {
  const recorder = randomCartPoleRecording(N, STEPS);
  const path = join(dir, "cartpole-1m.arrow");
  await datasetFrom(recorder.toTable()).save(path);
  const bytes = (await stat(path)).size;

  const times: number[] = [];
  const wholeTimes: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    for (const whole of [false, true]) {
      const t0 = performance.now();
      const ds = whole ? datasetFrom(tableFromIPC(await readFile(path))) : await openDataset(path);
      const t1 = performance.now();
      const sampler = ds.sampler({ batchSize: BATCH_SIZE, rng: Rng.fromSeed(run) });
      let check = 0;
      for (let b = 0; b < BATCHES; b++) check += sampler.next().columns.obs![0] as number;
      const t2 = performance.now();
      (whole ? wholeTimes : times).push(t2 - t0);
      emit({ run, read: whole ? "whole file" : "columns", rows: ds.numSteps, open_ms: round(t1 - t0, 2), sample_ms: round(t2 - t1, 2), total_ms: round(t2 - t0, 2), check: round(check, 3) });
    }
  }
  emit({
    bench: "dataset-read",
    rows: N * STEPS,
    file_mb: round(bytes / 2 ** 20, 1),
    batches: BATCHES,
    batch_size: BATCH_SIZE,
    runs: RUNS,
    total_ms: round(median(times), 2),
    whole_file_ms: round(median(wholeTimes), 2),
    ratio: round(median(times) / median(wholeTimes), 3),
    target_ms: 300,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
