// Shared helpers for tests that train runs.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Table } from "apache-arrow";
import { rl, RunConfigError, type Run } from "../../lib/index.js";

/** A run's metrics without the columns that depend on wall-clock time (for bit-for-bit comparisons). */
export function timeless(run: Run) {
  const t = run.metrics;
  return t.schema.fields
    .map((f) => f.name)
    .filter((n) => n !== "wallTime" && n !== "sps")
    .map((n) => [n, Array.from(t.getChild(n)!.toArray() as ArrayLike<number>)] as const);
}

/**
 * Every transition recorded by PPO on CartPole-v1 (4 copies, seed 1) trained
 * until its last episodes (at least 20) average `meanReturn`.
 */
export async function ppoCartPoleData(meanReturn: number, maxSteps: number): Promise<Table> {
  const ppo = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo()).build();
  const r = await ppo.train({ steps: maxSteps, until: (m) => m.episodes >= 20 && m.meanReturn >= meanReturn });
  assert.equal(r.stopped, "until", `PPO did not reach a mean return of ${meanReturn} within ${maxSteps} steps`);
  const data = ppo.data;
  ppo.dispose();
  return data;
}

/** The RunConfigError `build()` throws (fails the test when it builds without one). */
export function buildError(build: () => unknown): RunConfigError {
  try {
    build();
  } catch (e) {
    if (e instanceof RunConfigError) return e;
    throw e;
  }
  assert.fail("build() did not throw");
}

/** The problems `build()` reports, as `path: message` lines (fails the test when it builds without a RunConfigError). */
export function buildProblems(build: () => unknown): readonly string[] {
  return buildError(build).lines;
}

/**
 * Trains `first` env steps, saves to disk, loads (the configuration rebuilt
 * from the checkpoint), trains both `second` more: every metric but wall
 * time, every array and the JSON of the algorithm's state must match bit for bit.
 */
export async function saveLoadContinues(make: () => Run | Promise<Run>, first: number, second: number, options: { minUpdates?: number } = {}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "trellis-resume-"));
  try {
    const a = await make();
    await a.train({ steps: first });
    await a.save(join(dir, "run"));
    const b = await rl.load(join(dir, "run"));
    assert.equal(b.algo.name, a.algo.name);
    await a.train({ steps: second });
    await b.train({ steps: second });
    assert.ok(a.algo.updates >= (options.minUpdates ?? 1), `updates ${a.algo.updates}`);
    assert.deepEqual(timeless(b), timeless(a));
    const sa = a.algo.saveState();
    const sb = b.algo.saveState();
    assert.deepEqual(Object.keys(sb.arrays).sort(), Object.keys(sa.arrays).sort());
    for (const k of Object.keys(sa.arrays)) assert.deepEqual(sb.arrays[k], sa.arrays[k], `array ${k}`);
    assert.deepEqual(sb.json, sa.json);
    a.dispose();
    b.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
