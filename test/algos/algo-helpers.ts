import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rl, type Run } from "../../lib/index.js";
import type { AlgoInstance, AlgoSpec, AlgoState, UpdateMetrics } from "../../lib/algos/algorithm.js";
import type { VecEnv } from "../../lib/envs/vec-env.js";
import type { PolicySpec } from "../../lib/policy/spec.js";
import { Rng } from "../../lib/random/rng.js";

/** A checkpoint as it comes back from disk: JSON through a string, arrays copied. */
export function roundTrip(state: AlgoState): AlgoState {
  return {
    json: JSON.parse(JSON.stringify(state.json)),
    arrays: Object.fromEntries(Object.entries(state.arrays).map(([k, v]) => [k, v.slice()])),
  };
}

/**
 * Trains `before` env steps, saves algorithm and env, loads both into fresh
 * instances built from other seeds, then steps the original and the copy
 * `after` more env steps side by side: every metrics row and the final state
 * must be bit-identical, and at least `minUpdates` updates must have happened
 * after the save.
 */
export function assertResumesIdentically(
  makeEnv: (seed: number) => VecEnv,
  spec: AlgoSpec,
  policy: PolicySpec,
  options: { before: number; after: number; minUpdates?: number },
): void {
  const envA = makeEnv(1);
  envA.reset();
  const a = spec.create({ env: envA, policy, rng: Rng.fromSeed(2) });
  while (a.envSteps < options.before) a.step();
  const saved = roundTrip(a.saveState());
  const envState = JSON.parse(JSON.stringify(envA.saveState()));

  const envB = makeEnv(99);
  envB.reset();
  const b = spec.create({ env: envB, policy, rng: Rng.fromSeed(77) });
  envB.loadState(envState);
  b.loadState(saved);
  assert.equal(b.envSteps, a.envSteps);
  assert.equal(b.updates, a.updates);

  const updatesBefore = a.updates;
  const rowsA: (UpdateMetrics | null)[] = [];
  const rowsB: (UpdateMetrics | null)[] = [];
  while (a.envSteps < options.before + options.after) {
    rowsA.push(a.step());
    rowsB.push(b.step());
  }
  assert.ok(a.updates - updatesBefore >= (options.minUpdates ?? 1), `expected updates after the save, got ${a.updates - updatesBefore}`);
  assert.deepEqual(rowsB, rowsA);
  assert.deepEqual(Array.from(envB.obs), Array.from(envA.obs));
  const sa = a.saveState();
  const sb = b.saveState();
  assert.deepEqual(sb.json, sa.json);
  assert.deepEqual(Object.keys(sb.arrays).sort(), Object.keys(sa.arrays).sort());
  for (const k of Object.keys(sa.arrays)) assert.deepEqual(sb.arrays[k], sa.arrays[k], `array ${k} differs after resuming`);
  a.dispose();
  b.dispose();
}

/** Mean undiscounted return of `episodes` greedy episodes on fresh copies of an env. */
export function greedyReturn(algo: AlgoInstance, makeEnv: (seed: number) => VecEnv, episodes: number, seed = 1234): number {
  const env = makeEnv(seed);
  env.reset();
  const n = env.numEnvs;
  const actions = env.actionSpace.kind === "discrete" ? new Int32Array(n) : new Float32Array(n * env.actionSize);
  const ret = new Float64Array(n);
  const done: number[] = [];
  const quota = Array.from({ length: n }, (_, i) => Math.floor(episodes / n) + (i < episodes % n ? 1 : 0));
  for (let t = 0; done.length < episodes && t < 100_000; t++) {
    algo.actGreedy(env.obs, n, actions);
    env.step(actions);
    for (let e = 0; e < n; e++) {
      ret[e] = ret[e]! + env.rewards[e]!;
      if (env.terminated[e] || env.truncated[e]) {
        if (quota[e]! > 0) {
          quota[e] = quota[e]! - 1;
          done.push(ret[e]!);
        }
        ret[e] = 0;
      }
    }
  }
  return done.reduce((s, r) => s + r, 0) / done.length;
}

/** Steps `algo` until `steps` env steps; returns the mean return of the last `last` finished training episodes. */
export function trainFor(algo: AlgoInstance, env: VecEnv, steps: number, last = 20): { recent: number; episodes: number; updates: UpdateMetrics[] } {
  const ret = new Float64Array(env.numEnvs);
  const finished: number[] = [];
  const updates: UpdateMetrics[] = [];
  while (algo.envSteps < steps) {
    const m = algo.step();
    if (m) updates.push(m);
    for (let e = 0; e < env.numEnvs; e++) {
      ret[e] = ret[e]! + env.rewards[e]!;
      if (env.terminated[e] || env.truncated[e]) {
        finished.push(ret[e]!);
        ret[e] = 0;
      }
    }
  }
  const tail = finished.slice(-last);
  return { recent: tail.reduce((s, r) => s + r, 0) / Math.max(1, tail.length), episodes: finished.length, updates };
}

/**
 * Offline runs: `before + after` updates in one go equal `before` updates,
 * save, `rl.load`, `after` more — every checkpoint array and the last metrics
 * row (wall time aside) bit-identical. Returns the uninterrupted run (the
 * others are disposed) for further checks.
 */
export async function assertOfflineRunResumes(build: () => Run, options: { before: number; after: number }): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "trellis-resume-"));
  try {
    const whole = build();
    await whole.train({ updates: options.before + options.after });
    const first = build();
    await first.train({ updates: options.before });
    await first.save(join(dir, "run"));
    const loaded = await rl.load(join(dir, "run"));
    assert.equal(loaded.algo.name, whole.algo.name);
    await loaded.train({ updates: options.after });
    const a = (whole.algo as AlgoInstance).saveState().arrays;
    const b = (loaded.algo as AlgoInstance).saveState().arrays;
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const k of Object.keys(a)) assert.deepEqual(b[k], a[k], `array ${k} differs after resuming`);
    assert.deepEqual({ ...loaded.metricsLog.last(), wallTime: 0 }, { ...whole.metricsLog.last(), wallTime: 0 });
    first.dispose();
    loaded.dispose();
    return whole;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
