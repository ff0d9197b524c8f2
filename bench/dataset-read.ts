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
import { TrajectoryRecorder } from "../lib/data/recorder.js";
import { makeVecEnv } from "../lib/envs/registry.js";
import { Rng } from "../lib/random/rng.js";
import { emit, median, round } from "./stats.js";

const N = 1000;
const STEPS = 1000; // 1 M rows
const FLUSH_EVERY = 64;
const BATCHES = 100;
const BATCH_SIZE = 256;
const RUNS = 3;

const dir = await mkdtemp(join(tmpdir(), "trellis-dataset-read-"));
try {
  const env = makeVecEnv("CartPole-v1", { n: N, seed: 1 });
  const rng = Rng.fromSeed(2);
  const recorder = TrajectoryRecorder.forEnv(env, { initialCapacity: N * FLUSH_EVERY });
  const actions = new Int32Array(N);
  const logp = new Float32Array(N).fill(Math.log(0.5));
  env.reset();
  for (let s = 0; s < STEPS; s++) {
    const obs = Float32Array.from(env.obs);
    for (let i = 0; i < N; i++) actions[i] = rng.int(2);
    env.step(actions);
    recorder.record({ obs, actions, rewards: env.rewards, terminated: env.terminated, truncated: env.truncated, nextObs: env.obs, finalObs: env.finalObs, logp, policyVersion: 0 });
    if ((s + 1) % FLUSH_EVERY === 0) recorder.flush();
  }
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
