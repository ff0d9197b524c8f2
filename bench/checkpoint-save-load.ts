// Saving and loading a checkpoint whose data.arrow holds 1 M transitions:
// PPO on CartPole-v1 with 1000 env copies whose recording is filled with
// 1000 steps of random actions (generated outside the timing, as in
// dataset-read). save_ms = run.save(dir) over an existing checkpoint
// (serialize, checksum, write + fsync, swap); load_ms = rl.load(dir) (read,
// verify, parse, rebuild the run). Medians of RUNS runs; hash_ms is SHA-256
// over the checkpoint's bytes alone, the part of both that checksums add.
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rl } from "../lib/index.js";
import { randomCartPoleRecording } from "./random-cartpole.js";
import { emit, median, round } from "./stats.js";

const N = 1000;
const STEPS = 1000; // 1 M rows
const RUNS = 5;

const dir = await mkdtemp(join(tmpdir(), "trellis-ckpt-bench-"));
try {
  const run = rl.env("CartPole-v1", { n: N, seed: 1 }).policy(rl.mlp([64, 64])).algo(rl.ppo({ numSteps: 16 })).build();
  const recorder = randomCartPoleRecording(N, STEPS);
  run.recording!.recorder.restore(recorder.saveCounters(), recorder.toTable());
  const target = join(dir, "ckpt");
  await run.save(target);
  const files = await readdir(target);
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(target, f))).size;
  const saves: number[] = [];
  const loads: number[] = [];
  const hashes: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await run.save(target);
    const t1 = performance.now();
    const loaded = await rl.load(target);
    const t2 = performance.now();
    if (loaded.data.numRows !== N * STEPS) throw new Error(`loaded ${loaded.data.numRows} rows`);
    loaded.dispose();
    const contents = await Promise.all(files.map((f) => readFile(join(target, f))));
    const t3 = performance.now();
    for (const c of contents) createHash("sha256").update(c).digest();
    hashes.push(performance.now() - t3);
    saves.push(t1 - t0);
    loads.push(t2 - t1);
    emit({ run: r, save_ms: round(t1 - t0, 1), load_ms: round(t2 - t1, 1) });
  }
  emit({
    bench: "checkpoint-save-load",
    rows: N * STEPS,
    checkpoint_mb: round(bytes / 2 ** 20, 1),
    runs: RUNS,
    save_ms: round(median(saves), 1),
    load_ms: round(median(loads), 1),
    hash_ms: round(median(hashes), 1),
  });
  run.dispose();
} finally {
  await rm(dir, { recursive: true, force: true });
}
