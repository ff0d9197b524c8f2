// Shared helpers for tests that train runs.
import assert from "node:assert/strict";
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

/** The problems `build()` reports (fails the test when it builds without a RunConfigError). */
export function buildProblems(build: () => unknown): readonly string[] {
  try {
    build();
  } catch (e) {
    if (e instanceof RunConfigError) return e.lines;
    throw e;
  }
  assert.fail("build() did not throw");
}
