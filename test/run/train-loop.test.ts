// The pieces of Run.train(): its option checks, its stop conditions and its
// progress reports, each on its own and through train().
import assert from "node:assert/strict";
import { test } from "node:test";
import { InterruptedError, rl, setInterruptSource, type TrainProgress } from "../../lib/index.js";
import type { MetricsRow } from "../../lib/run/metrics-log.js";
import { AbortSources, StopConditions } from "../../lib/run/stop-conditions.js";
import { checkTrainOptions } from "../../lib/run/train-options.js";
import { PROGRESS_EVERY_MS, TrainProgressReporter } from "../../lib/run/train-progress.js";

const small = (seed = 1) => rl.env("CartPole-v1", { n: 4, seed }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 32 }));
const row = (fields: Record<string, number>): MetricsRow => ({ step: 128, wallTime: 0.5, ...fields }) as MetricsRow;

test("checkTrainOptions: a budget is needed; its numbers are positive integers, checked in order", () => {
  assert.throws(() => checkTrainOptions({}, undefined), (e: unknown) => e instanceof TypeError && /^train\(\) needs a budget: \{ steps \}, \{ updates \} or \{ until/.test(e.message));
  // The budget comes first: a bad evalEvery without a budget is reported as the missing budget.
  assert.throws(() => checkTrainOptions({ evalEvery: -1, signal: new AbortController().signal }, undefined), /needs a budget/);
  for (const [name, v] of [["steps", 0], ["steps", 1.5], ["updates", -3], ["evalEvery", 0], ["evalEpisodes", Number.NaN], ["evalEpisodes", 0]] as const) {
    assert.throws(
      () => checkTrainOptions({ updates: 1, [name]: v }, undefined),
      (e: unknown) => e instanceof RangeError && e.message === `train({ ${name} }): expected a positive integer, got ${String(v)}`,
      `${name}: ${v}`,
    );
  }
  // steps is checked before updates, evalEvery before evalEpisodes.
  assert.throws(() => checkTrainOptions({ steps: 0, updates: 0 }, undefined), /train\(\{ steps \}\)/);
  assert.throws(() => checkTrainOptions({ until: () => true, evalEvery: 0, evalEpisodes: 0 }, undefined), /train\(\{ evalEvery \}\)/);
});

test("checkTrainOptions: an offline run takes no env steps; until must be a function; defaults", () => {
  assert.throws(
    () => checkTrainOptions({ steps: 100 }, "bc"),
    (e: unknown) => e instanceof TypeError && e.message === "train({ steps }): bc trains from a dataset and takes no env steps; use train({ updates: 1_000 }) or { until }",
  );
  assert.equal(checkTrainOptions({ updates: 100 }, "bc").updates, 100);
  assert.throws(() => checkTrainOptions({ until: 475 as never }, undefined), (e: unknown) => e instanceof TypeError && /^train\(\{ until \}\): expected a function of the metrics row/.test(e.message));
  // A bad number is named before the offline or until problem.
  assert.throws(() => checkTrainOptions({ steps: -1, until: 1 as never }, "bc"), RangeError);
  const signal = new AbortController().signal;
  const until = (m: MetricsRow) => m.meanReturn! > 1;
  assert.deepEqual(checkTrainOptions({ steps: 64, until, signal, evalEvery: 32 }, undefined), { steps: 64, updates: undefined, until, signal, evalEvery: 32, evalEpisodes: 10 });
  assert.equal(checkTrainOptions({ steps: 64, evalEpisodes: 3 }, undefined).evalEpisodes, 3);
});

const never = new AbortSources(undefined, undefined, () => false);

test("stop conditions: steps and updates count from where the call started", () => {
  const stops = new StopConditions({ steps: 50, updates: undefined, until: undefined, evalEvery: undefined }, { step: 100, updates: 7 }, never);
  assert.equal(stops.targetStep, 150);
  assert.equal(stops.targetUpdates, undefined);
  assert.equal(stops.stepsReached(149), false);
  assert.equal(stops.stepsReached(150), true);
  assert.equal(stops.stepsReached(160), true);
  assert.equal(stops.updatesReached(1_000_000), false);
  assert.equal(stops.beforeStep(), undefined);

  const byUpdates = new StopConditions({ steps: undefined, updates: 3, until: undefined, evalEvery: undefined }, { step: 100, updates: 7 }, never);
  assert.equal(byUpdates.targetUpdates, 10);
  assert.equal(byUpdates.updatesReached(9), false);
  assert.equal(byUpdates.updatesReached(10), true);
  assert.equal(byUpdates.stepsReached(1e12), false);
  assert.equal(byUpdates.untilHolds(row({})), false);
});

test("stop conditions: until sees each row, guarded when the call does not evaluate", () => {
  const seen: MetricsRow[] = [];
  const until = (m: MetricsRow) => (seen.push(m), m.meanReturn! >= 10);
  const stops = new StopConditions({ steps: undefined, updates: undefined, until, evalEvery: undefined }, { step: 0, updates: 0 }, never);
  assert.equal(stops.untilHolds(row({ meanReturn: 9 })), false);
  assert.equal(stops.untilHolds(row({ meanReturn: 10 })), true);
  assert.equal(seen.length, 2);
  // Without evalEvery, reading evalReturn explains how to get it (the row is a guard, not the row itself).
  const onEval = new StopConditions({ steps: undefined, updates: undefined, until: (m) => m.evalReturn! > 0, evalEvery: undefined }, { step: 0, updates: 0 }, never);
  assert.throws(() => onEval.untilHolds(row({ meanReturn: 1 })), /only set when train\(\) evaluates: pass \{ evalEvery: 10_000 \}/);
  // A row that has an evalReturn, or a call that evaluates, hands the row as it is.
  assert.equal(onEval.untilHolds(row({ evalReturn: 5 })), true);
  const r = row({ meanReturn: 1 });
  let got: MetricsRow | undefined;
  new StopConditions({ steps: undefined, updates: undefined, until: (m) => ((got = m), false), evalEvery: 100 }, { step: 0, updates: 0 }, never).untilHolds(r);
  assert.equal(got, r);
  // What a plain-JavaScript until returns counts by truthiness, as in an `if`.
  const truthy = new StopConditions({ steps: undefined, updates: undefined, until: (() => 1) as never, evalEvery: undefined }, { step: 0, updates: 0 }, never);
  assert.equal(truthy.untilHolds(row({})), true);
});

test("stop conditions: the signal and stop() abort, the kernel's interrupt interrupts; the first two win", () => {
  const budget = { steps: 10, updates: undefined, until: undefined, evalEvery: undefined };
  const signal = new AbortController();
  const interrupt = new AbortController();
  let stopRequested = false;
  const aborts = new AbortSources(signal.signal, interrupt.signal, () => stopRequested);
  const stops = new StopConditions(budget, { step: 0, updates: 0 }, aborts);
  assert.equal(stops.beforeStep(), undefined);
  assert.equal(aborts.requested(), false);

  stopRequested = true;
  assert.equal(stops.beforeStep(), "aborted");
  assert.equal(aborts.requested(), true);
  stopRequested = false;

  interrupt.abort();
  assert.equal(stops.beforeStep(), "interrupted");
  assert.equal(aborts.requested(), true);

  signal.abort();
  assert.equal(stops.beforeStep(), "aborted");

  // Each alone.
  const bySignal = new AbortController();
  bySignal.abort();
  assert.equal(new AbortSources(bySignal.signal, undefined, () => false).reason(), "aborted");
  assert.equal(new AbortSources(undefined, bySignal.signal, () => false).reason(), "interrupted");
  assert.equal(new AbortSources(undefined, undefined, () => true).reason(), "aborted");
  assert.equal(new AbortSources(undefined, undefined, () => false).reason(), undefined);
});

test("train() ends for each reason: steps, updates, until, aborted (signal, stop()), interrupted (throws)", async () => {
  const run = small(2).build();
  assert.equal((await run.train({ steps: 256 })).stopped, "steps");
  assert.equal((await run.train({ updates: 2 })).stopped, "updates");
  assert.equal((await run.train({ until: (m) => m.update >= 6 })).stopped, "until");
  const controller = new AbortController();
  controller.abort();
  const aborted = await run.train({ steps: 1_000_000, signal: controller.signal });
  assert.deepEqual([aborted.stopped, aborted.steps], ["aborted", 0]);
  const stopping = run.train({ steps: 1_000_000 });
  assert.equal(run.isTraining, true);
  setTimeout(() => run.stop(), 5);
  assert.equal((await stopping).stopped, "aborted");
  assert.equal(run.isTraining, false);

  const interrupt = new AbortController();
  const previous = setInterruptSource(() => interrupt.signal);
  try {
    setTimeout(() => interrupt.abort(), 5);
    await assert.rejects(run.train({ steps: 1_000_000 }), (e: unknown) => e instanceof InterruptedError && /^train\(\) was interrupted after \d+ env steps \(\d+ updates\) of this call; the run is consistent at step \d+: call train\(\) again to continue$/.test(e.message));
  } finally {
    setInterruptSource(previous);
  }
  assert.equal(run.isTraining, false);
  const step = run.step;
  assert.equal((await run.train({ steps: 128 })).steps, 128);
  assert.equal(run.step, step + 128);
});

test("progress: a first report at once, a last one with the reason; an error is reported as such", async () => {
  const reports: TrainProgress[] = [];
  const rows: number[] = [];
  const display = { progress: (p: TrainProgress) => reports.push(p), metricsRow: (_id: string, r: Readonly<Record<string, number>>) => rows.push(r.step!) };
  const run = small(5).build();
  await run.train({ steps: 512, display });
  const first = reports[0]!;
  const last = reports.at(-1)!;
  assert.deepEqual([first.step, first.callSteps, first.targetStep, first.stopped], [0, 0, 512, undefined]);
  assert.deepEqual([last.step, last.callSteps, last.updates, last.stopped], [512, 512, 4, "steps"]);
  assert.equal(last.runId, run.id);
  assert.equal(last.curve?.key, "episodicReturn");
  assert.deepEqual(rows, [128, 256, 384, 512]);
  assert.ok(Array.isArray(last.history!().step));

  reports.length = 0;
  await run.train({ updates: 2, display });
  assert.equal(reports[0]!.targetUpdates, 6);
  assert.equal(reports.at(-1)!.stopped, "updates");

  reports.length = 0;
  await assert.rejects(run.train({ until: () => { throw new Error("boom"); }, display }), /boom/);
  assert.equal(reports.at(-1)!.stopped, "error");
  assert.equal(run.isTraining, false);
});

test("progress: periodic reports at most every 250 ms, counted from the previous periodic one", () => {
  const reports: TrainProgress[] = [];
  const source = { id: "r", label: "ppo CartPole-v1", algo: { envSteps: 40, updates: 1 }, episodeStats: { lastReturn: () => 3, meanReturn: () => 2 }, metricsLog: { column: () => new Float64Array(0) }, stop: () => true };
  const t0 = 1000;
  const progress = new TrainProgressReporter(source, { progress: (p) => reports.push(p) }, { step: 0, updates: 0 }, { targetStep: 100, targetUpdates: undefined }, { key: "episodicReturn", label: "episode return", x: "step" }, t0);
  assert.equal(PROGRESS_EVERY_MS, 250);
  progress.tick(t0 + 100);
  assert.equal(reports.length, 0);
  progress.tick(t0 + 250);
  assert.equal(reports.length, 1);
  progress.tick(t0 + 400);
  assert.equal(reports.length, 1);
  progress.tick(t0 + 500);
  assert.equal(reports.length, 2);
  // Explicit reports (first, last) do not move the periodic clock.
  progress.report("steps");
  progress.tick(t0 + 600);
  assert.equal(reports.length, 3);
  const p = reports[2]!;
  assert.deepEqual([p.runId, p.label, p.step, p.callSteps, p.targetStep, "targetUpdates" in p, p.lastReturn, p.meanReturn, p.stopped], ["r", "ppo CartPole-v1", 40, 40, 100, false, 3, 2, "steps"]);
  assert.equal(p.stop!(), true);
});
