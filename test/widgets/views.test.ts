import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rl, Rng, makeVecEnv, drawObservation, type TrainProgress } from "../../lib/index.js";
import { progressLine, workersLine } from "../../widgets/shared/progress-line.js";
import { creditWidget } from "../../widgets/server/credit.js";
import { TrainingView } from "../../widgets/server/training.js";
import { decodeFrame, type EncodedFrames } from "../../widgets/shared/frames.js";
import type { CreditCompareData, CreditData, DatasetData, SequenceCreditData, TrainingData, TrajectoryData } from "../../widgets/shared/types.js";
import { bundle, payload } from "../helpers/widgets.js";
import { syntheticRows } from "../helpers/sequences.js";

test("stateFromObservation gives back the physical state each classic env and GridWorld shows", () => {
  for (const id of ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", "GridWorld-v0"]) {
    const env = makeVecEnv(id, { n: 1, rng: Rng.fromSeed(3) });
    const rng = Rng.fromSeed(4);
    env.reset();
    for (let k = 0; k < 7; k++) {
      const a = env.actionSpace.kind === "discrete" ? Int32Array.of(rng.int(env.actionSpace.n)) : Float32Array.from({ length: env.actionSize }, () => rng.uniform(-1, 1));
      env.step(a);
      const state = env.stateFromObservation!(env.obs.subarray(0, env.obsSize))!;
      const truth = env.getPhysicalState(0);
      assert.equal(state.length, truth.length, id);
      // Angles may come back wrapped (atan2): compare them on the circle; observations are float32.
      state.forEach((v, j) => {
        const d = Math.abs(v - truth[j]!);
        assert.ok(Math.min(d, Math.abs(d - 2 * Math.PI), Math.abs(d - 4 * Math.PI)) < 1e-5 * Math.max(1, Math.abs(truth[j]!)), `${id} state[${j}]: ${v} vs ${truth[j]}`);
      });
    }
  }
});

test("run.episodes: recorded steps with returns, GAE, TD errors, ratio/KL/entropy; the viewer carries frames that decode to the env's drawings", async () => {
  const run = rl.env("CartPole-v1", { n: 2, seed: 5 }).algo(rl.ppo({ numSteps: 128 })).build();
  await run.train({ steps: 2048 });
  const eps = run.episodes({ last: 2 });
  assert.equal(eps.records.length, 2);
  for (const r of eps.records) {
    assert.equal(r.rewards.length, r.length);
    assert.ok(r.terminated || r.truncated);
    // G_0 = Σ γ^t r_t (CartPole pays 1 per step; a terminated episode bootstraps nothing).
    if (r.terminated) assert.ok(Math.abs(r.returns[0]! - (1 - 0.99 ** r.length) / (1 - 0.99)) < 1e-3);
    assert.equal(r.advantages!.length, r.length);
    // δ_t = r_t + γ V(s_{t+1}) − V(s_t) for an inside step.
    assert.ok(Math.abs(r.tdErrors![0]! - (r.rewards[0]! + 0.99 * r.values![1]! - r.values![0]!)) < 1e-4);
    assert.ok(r.ratio!.every((x) => x > 0) && r.kl!.every((x) => x >= -1e-6) && r.entropy!.every((x) => x > 0 && x <= Math.log(2) + 1e-6));
  }
  const b = bundle(eps.widget({ maxSteps: 40 }));
  const data = payload<{ kind: string; trajectory: TrajectoryData }>(b["text/html"]!).trajectory;
  assert.equal(data.episodes.length, 2);
  const first = data.episodes[0]!;
  const steps = Math.min(first.length, 40);
  assert.equal(first.series.action.length, steps);
  assert.equal(first.frames.frames.length, steps + 1, "a frame per step and the state after the last");
  const env = makeVecEnv("CartPole-v1", { n: 1, rng: Rng.fromSeed(0) });
  const drawn = JSON.parse(JSON.stringify(drawObservation(env, eps.records[0]!.obs.subarray(0, 4))));
  const decoded = decodeFrame(first.frames as EncodedFrames, 0) as typeof drawn;
  assert.deepEqual(JSON.stringify(decoded, (_k, v: unknown) => (typeof v === "number" ? Math.round(v * 100) / 100 : v)), JSON.stringify(drawn, (_k, v: unknown) => (typeof v === "number" ? Math.round(v * 100) / 100 : v)));
  assert.match(b["image/svg+xml"]!, /<svg[\s\S]*episode \d+: \d+ steps/);
  assert.match(b["text/plain"]!, /^trajectory viewer — ppo CartPole-v1: episode \d+ \(\d+ steps, return \d+\.0, (terminated|truncated)\)/);
  const credit = payload<{ credit: CreditData }>(bundle(run.credit({ last: 3 }))["text/html"]!).credit;
  assert.deepEqual(Object.keys(credit.metrics).sort(), ["advantage", "entropy", "kl", "ratio", "return", "td_error"]);
  assert.deepEqual(credit.metrics.advantage!.map((r) => r.length), credit.episodes.map((e) => e.length));
  // GAE's ends: λ = 0 is the TD error, λ = 1 the Monte Carlo return minus the value.
  const [td0] = eps.advantages(0);
  const [mc] = eps.advantages(1);
  const r0 = eps.records[0]!;
  for (let t = 0; t < r0.length; t++) {
    assert.ok(Math.abs(td0![t]! - r0.tdErrors![t]!) < 1e-4);
    assert.ok(Math.abs(mc![t]! - (r0.returns[t]! - r0.values![t]!)) < 1e-3, `t=${t}: ${mc![t]} vs ${r0.returns[t]! - r0.values![t]!}`);
  }
  const cmp = payload<{ kind: string; creditCompare: CreditCompareData }>(bundle(eps.compareCredit())["text/html"]!);
  assert.equal(cmp.kind, "credit-compare");
  assert.deepEqual(cmp.creditCompare.estimators.map((e) => e.name), ["TD(0) λ=0", "GAE λ=0.95", "Monte Carlo λ=1"]);
  cmp.creditCompare.estimators[2]!.rows[0]!.forEach((v, t) => assert.ok(Math.abs(v! - mc![t]!) <= 1e-4 * Math.max(1, Math.abs(mc![t]!)), "widget data keeps 5 significant digits"));
  assert.throws(() => eps.advantages(1.5), /lambda and gamma must be in \[0, 1\]/);
  assert.throws(() => run.episodes({ ids: [1e9] }), /no episodes with ids 1000000000/);
  run.dispose();
});

test("run.credit({ reference }): per-step KL(π ‖ π_ref), exact over discrete actions, importance-weighted k3 over continuous ones", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trellis-ref-"));
  try {
    const run = rl.env("CartPole-v1", { n: 2, seed: 7 }).algo(rl.ppo({ numSteps: 128 })).build();
    await run.train({ steps: 1024 });
    await run.save(join(dir, "early"));
    const early = await rl.load(join(dir, "early"));
    await run.train({ steps: 4096 });
    await run.save(join(dir, "now"));
    const same = await rl.load(join(dir, "now"));
    const rows = (reference: typeof run) => payload<{ credit: CreditData }>(bundle(run.credit({ last: 3 }, { reference }))["text/html"]!).credit;
    const toEarly = rows(early);
    const toSelf = rows(same);
    assert.deepEqual(Object.keys(toEarly.metrics).sort(), ["advantage", "entropy", "kl", "kl_ref", "ratio", "return", "td_error"]);
    assert.match(toEarly.title, /^ppo CartPole-v1 · KL to ppo CartPole-v1 at 1,024 steps$/);
    const flat = (d: CreditData) => d.metrics.kl_ref!.flat() as number[];
    assert.ok(flat(toSelf).every((x) => Math.abs(x) < 1e-6), "a policy is at KL 0 from itself");
    const mean = flat(toEarly).reduce((a, x) => a + x, 0) / flat(toEarly).length;
    assert.ok(flat(toEarly).every((x) => x >= 0) && mean > 1e-4, `training moved the policy from the early checkpoint: mean KL ${mean}`);
    // One step by hand: Σ_a π(a|s) log(π(a|s) / π_ref(a|s)) from each policy's log-probabilities.
    const r = run.episodes({ last: 3 }).records[0]!;
    const s0 = r.obs.subarray(0, 4);
    const lp = (x: typeof run, a: number) => x.algo.policyStats!(s0, Int32Array.of(a), 1).logp[0]!;
    const byHand = [0, 1].reduce((acc, a) => acc + Math.exp(lp(run, a)) * (lp(run, a) - lp(early, a)), 0);
    assert.ok(Math.abs(toEarly.metrics.kl_ref![0]![0]! - byHand) < 1e-5 * Math.max(1, byHand), `${toEarly.metrics.kl_ref![0]![0]} vs ${byHand}`);

    const pendulum = rl.env("Pendulum-v1", { n: 2, seed: 1 }).algo(rl.ppo({ numSteps: 200 })).build();
    await pendulum.train({ steps: 800 });
    await pendulum.save(join(dir, "pendulum"));
    const pendulumEarly = await rl.load(join(dir, "pendulum"));
    await pendulum.train({ steps: 1600 });
    const cont = payload<{ credit: CreditData }>(bundle(pendulum.credit({ last: 2 }, { reference: pendulumEarly }))["text/html"]!).credit;
    assert.ok((cont.metrics.kl_ref!.flat() as number[]).every((x) => x >= 0), "every weighted k3 term is ≥ 0");
    assert.throws(() => run.credit({ last: 2 }, { reference: pendulumEarly }), /the reference ppo Pendulum-v1 acts in other spaces \(3 observations, Box\(-2\.\.2, \[1\]\)\) than ppo CartPole-v1 \(4, Discrete\(2\)\)/);
    for (const x of [run, early, same, pendulum, pendulumEarly]) x.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the credit view marks clipped steps and segments that are not the policy's own", () => {
  const w = creditWidget("synthetic", [
    { id: 3, length: 4, totalReturn: 2, returns: [2, 1.5, 1, 0.5], advantages: [0.5, -0.2, 0.1, 0], ratio: [1, 1.5, 0.7, 1.05], source: ["online", "offline", "offline", "online"] },
    { id: 4, length: 2, totalReturn: 1, returns: [1, 0.5], advantages: [0.1, Number.NaN], ratio: [1, 1], source: ["hint", "online"] },
  ], { clip: 0.2 });
  const b = bundle(w);
  const d = payload<{ credit: CreditData }>(b["text/html"]!).credit;
  assert.deepEqual(d.clipped, [[0, 1], [0, 2]]);
  assert.deepEqual(d.segments, [[0, 1, 2, "offline"], [1, 0, 0, "hint"]]);
  assert.deepEqual(d.metrics.advantage![1], [0.1, null], "non-finite values travel as null");
  assert.equal(d.metrics.td_error, undefined, "metrics an episode lacks are left out");
  assert.match(b["text/plain"]!, /2 episodes; advantage, return, ratio; 2 steps outside the ±0.2 clip/);
  assert.match(b["image/svg+xml"]!, /advantage per step \(2 episodes\)/);
});

test("dataset browser: schema with types and nulls, the first rows, histograms per column and per obs element; show() writes a page in a script", async () => {
  const run = rl.env("CartPole-v1", { n: 2, seed: 1 }).algo(rl.a2c()).build();
  await run.train({ steps: 400 });
  const ds = rl.dataset.from(run.data);
  const b = bundle(ds);
  const d = payload<{ dataset: DatasetData }>(b["text/html"]!).dataset;
  assert.equal(d.numRows, ds.numSteps);
  assert.deepEqual(d.columns.map((c) => c.name), ds.table.schema.fields.map((f) => f.name));
  assert.equal(d.columns.find((c) => c.name === "next_obs")!.nullable, true);
  assert.equal(d.rows.length, Math.min(500, ds.numSteps));
  assert.equal(d.rows[0]!.length, d.columns.length);
  const names = d.histograms.map((h) => h.name);
  for (const n of ["reward", "obs[0]", "obs[3]", "terminated", "action"]) assert.ok(names.includes(n), n);
  for (const h of d.histograms.filter((h) => !h.name.startsWith("next_obs") && !["value", "advantage", "return", "group_id"].includes(h.name))) {
    assert.equal(h.counts.reduce((s, c) => s + c, 0), ds.numSteps, `${h.name} counts every row`);
  }
  assert.deepEqual(d.histograms.find((h) => h.name === "action")!.edges, [-0.5, 0.5, 1.5], "small integer columns: one bar per value");
  assert.equal(d.stats!.episodes, ds.stats().episodes);
  const before = process.cwd();
  const dir = `${process.env.TMPDIR ?? "/tmp"}/trellis-show-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  (await import("node:fs")).mkdirSync(dir, { recursive: true });
  process.chdir(dir);
  const logged: string[] = [];
  const log = console.log;
  console.log = (s: string) => void logged.push(s);
  try {
    ds.show("CartPole transitions");
  } finally {
    console.log = log;
    process.chdir(before);
  }
  const path = /widget saved to (.+)$/m.exec(logged.join("\n"))![1]!;
  assert.ok(existsSync(path));
  const page = readFileSync(path, "utf8");
  assert.match(page, /<title>CartPole transitions<\/title>|<title>Trellis dataset<\/title>/);
  assert.match(page, /id="trellis-plotly"/, "a page carries plotly itself");
  rmSync(dir, { recursive: true, force: true });
  run.dispose();
});

test("sequence credit view: token strips with decoded text, groups side by side with normalized advantage, zero-variance groups flagged, hint tokens marked", () => {
  const ds = rl.dataset.sequences(syntheticRows());
  const vocab = Array.from({ length: 110 }, (_, i) => `w${i}`);
  const b = bundle(ds.credit({ decode: vocab, title: "synthetic GRPO" }));
  const d = payload<{ kind: string; sequences: SequenceCreditData }>(b["text/html"]!);
  assert.equal(d.kind, "sequences");
  const s = d.sequences;
  assert.equal(s.completions.length, 8);
  assert.deepEqual(s.groups.map((g) => [g.id, g.members.length, g.zeroVariance]), [[10, 4, false], [11, 3, true]]);
  const g10 = s.groups[0]!.members.map((m) => s.completions[m]!);
  assert.deepEqual(g10.map((c) => c.reward), [1, 0, 0, 1]);
  assert.deepEqual(g10.map((c) => Number(c.advantage!.toFixed(4))), [0.866, -0.866, -0.866, 0.866]);
  assert.deepEqual(g10[0]!.tokens, ["w100", "w7", "w8"]);
  const ep7 = s.completions.find((c) => c.episode === 7)!;
  assert.equal(ep7.group, null);
  assert.deepEqual(ep7.segments, [[0, 1, "hint"]], "only tokens not the policy's own are marked");
  assert.deepEqual(ep7.adv!.map((v) => Number(v!.toFixed(3))), [0.2, 0.2, 0.5, -0.5, 1.5]);
  assert.match(b["image/svg+xml"]!, /group 11 ⚠ zero variance/);
  assert.match(b["text/plain"]!, /^sequence credit — synthetic GRPO: 8 completions in 2 groups \(1 with zero reward variance: 11\)/);
  // Bounds: whole groups first, then ungrouped completions; long completions cut with a count.
  const small = payload<{ sequences: SequenceCreditData }>(bundle(ds.credit({ maxCompletions: 5, maxTokens: 2 }))["text/html"]!).sequences;
  assert.deepEqual(small.completions.map((c) => c.episode), [0, 1, 2, 3, 7]);
  assert.equal(small.omitted, 3);
  assert.deepEqual(small.groups.map((g) => g.id), [10]);
  assert.equal(small.completions[4]!.cut, 3);
  assert.deepEqual(small.completions[0]!.tokens, ["100", "7"], "without a vocabulary tokens show as ids");
});

test("dataset.credit() on a dataset without tokens says where the per-step view is", async () => {
  const run = rl.env("CartPole-v1", { n: 1, seed: 1 }).algo(rl.a2c()).build();
  await run.train({ steps: 50 });
  assert.throws(() => rl.dataset.from(run.data).credit(), /no tokens column.*run\.credit\(\)/);
  run.dispose();
});

test("the training view's line: env steps for online runs, updates (with rate and ETA) for runs that learn from a dataset", async () => {
  assert.equal(progressLine({ label: "ppo CartPole-v1", step: 2048, targetStep: 4096, updates: 4, elapsedS: 0.5, sps: 4096, etaS: 0.5, lastReturn: 20, meanReturn: 18.25 }), "[ppo CartPole-v1] 2,048/4,096 steps · 4 updates · 4,096 SPS · ETA 0.5s · return 20.0 · mean100 18.3");
  assert.equal(progressLine({ label: "bc CartPole-v1", step: 0, updates: 300, targetUpdates: 1000, elapsedS: 1.5, sps: 0, etaS: 3.5 }), "[bc CartPole-v1] 300/1,000 updates · 200 updates/s · ETA 3.5s");
  assert.equal(progressLine({ label: "bc CartPole-v1", step: 0, updates: 1000, targetUpdates: 1000, elapsedS: 5, sps: 0, stopped: "updates" }), "[bc CartPole-v1] 1,000/1,000 updates · 200 updates/s · took 5.0s · stopped: updates");
  // A run with workers: their number on the line, each one's batches and acting throughput on the next.
  const workers = [{ worker: "local/0", batches: 1, envSteps: 256, stepsPerSecond: 21300.4 }, { worker: "host/77", batches: 12, envSteps: 3072, stepsPerSecond: 20800 }];
  const withWorkers = { label: "ppo CartPole-v1", step: 2048, updates: 4, elapsedS: 0.5, sps: 4096, workers };
  assert.equal(progressLine(withWorkers), "[ppo CartPole-v1] 2,048 steps · 4 updates · 4,096 SPS · 2 workers");
  assert.equal(workersLine(withWorkers), "local/0 1 batch · 21,300 SPS acting; host/77 12 batches · 20,800 SPS acting");
  assert.equal(workersLine({ ...withWorkers, workers: undefined }), "");
  assert.equal(workersLine({ ...withWorkers, workers: [{ worker: "local/0", batches: 3, envSteps: 900, stepsPerSecond: 4500, unit: "tokens" }] }), "local/0 3 batches · 4,500 tokens/s sampling");
  // What train({ updates }) reports: the target, and an ETA from the update rate once updates are done.
  const ds = rl.dataset.from(await (async () => {
    const r = rl.env("CartPole-v1", { n: 2, seed: 3 }).algo(rl.ppo()).build();
    await r.train({ steps: 2048 });
    return r.data;
  })());
  const reports: TrainProgress[] = [];
  const bc = rl.offline(ds).algo(rl.bc()).build();
  await bc.train({ updates: 400, display: { progress: (p) => void reports.push(p) } });
  assert.ok(reports.every((p) => p.targetUpdates === 400));
  assert.equal(reports.at(-1)!.stopped, "updates");
  const mid = reports.filter((p) => !p.stopped && p.updates > 0);
  for (const p of mid) assert.ok(p.etaS !== undefined && p.etaS >= 0, `ETA at update ${p.updates}`);
  assert.equal(reports[0]!.etaS, undefined, "no rate before the first update");
  // Its curve: no episodes to plot, so the BC loss against updates; a later call's view continues it.
  const view = new TrainingView(bc.id, "w", bc.label, () => undefined);
  const display = { progress: (p: TrainProgress) => view.report(p), metricsRow: (_id: string, row: Readonly<Record<string, number>>) => void view.row(row) };
  await bc.train({ updates: 300, display });
  const curve = payload<{ training: TrainingData }>(bundle(view.widget())["text/html"]!).training.curve;
  assert.deepEqual({ x: curve.xLabel, y: curve.yLabel }, { x: "updates", y: "BC loss (−log π of the dataset actions)" });
  assert.deepEqual(curve.series[0]!.step, [500, 600, 700]);
  assert.ok(curve.series[0]!.y.every(Number.isFinite));
  let history: ReturnType<NonNullable<TrainProgress["history"]>> | undefined;
  await bc.train({ updates: 100, display: { progress: (p) => void (history ??= p.history?.()) } });
  assert.deepEqual(history!.step, [100, 200, 300, 400, 500, 600, 700]);
  history!.y.slice(-3).forEach((y, i) => assert.ok(Math.abs(y - curve.series[0]!.y[i]!) < 1e-4, "widget data keeps 5 significant digits"));
  assert.match(bundle(view.widget())["image/svg+xml"]!, /updates[\s\S]*BC loss/);
});
