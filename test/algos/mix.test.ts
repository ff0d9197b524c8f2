import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rl, RunConfigError, type AlgoInstance, type Dataset, type Run } from "../../lib/index.js";
import { ppoCartPoleData, timeless } from "../helpers/runs.js";

const algoState = (run: Run) => (run.algo as AlgoInstance).saveState();
const params = (run: Run): Float32Array => {
  const a = algoState(run).arrays;
  return (a.params ?? a.actor) as Float32Array;
};

let expert: Promise<Dataset> | undefined;
/** The last 20k transitions of a PPO run trained until its last episodes average ≥ 400 (a few seconds). */
function expertDataset(): Promise<Dataset> {
  expert ??= ppoCartPoleData(400, 1_000_000).then((data) => rl.dataset.from(data.slice(Math.max(0, data.numRows - 20_000))));
  return expert;
}

let pendulum: Promise<Dataset> | undefined;
/** 400 recorded Pendulum transitions of a short SAC run (continuous actions, for SAC's mixing tests). */
function pendulumDataset(): Promise<Dataset> {
  pendulum ??= (async () => {
    const src = rl.env("Pendulum-v1", { seed: 2 }).algo(rl.sac({ learningStarts: 300 })).build();
    await src.train({ steps: 400 });
    const ds = rl.dataset.from(src.data);
    src.dispose();
    return ds;
  })();
  return pendulum;
}

const smallDqn = () => rl.dqn({ totalSteps: 6_000, learningStarts: 500, trainFrequency: 2, targetNetworkFrequency: 250, lr: 1e-3, batchSize: 64 });
const online = (seed: number) => rl.env("CartPole-v1", { seed }).policy(rl.mlp([64, 64], { activation: "relu" })).record(false);

test("rl.data.offline: a plain spec; .mix returns a new builder", async () => {
  const ds = await expertDataset();
  const spec = rl.data.offline(ds, { ratio: 0.25 });
  assert.deepEqual({ kind: spec.kind, ratio: spec.ratio }, { kind: "offline-mix", ratio: 0.25 });
  assert.equal(rl.data.offline(ds).ratio, 0.5);
  const b = online(0).algo(smallDqn());
  const m = b.mix(spec);
  assert.notEqual(m, b);
  assert.equal(b.toConfig().mix, undefined);
  assert.equal(m.toConfig().mix, spec);
});

test("mixing with ratio 0 equals plain DQN and plain SAC bit for bit", async () => {
  const ds = await expertDataset();
  const a = online(5).algo(rl.dqn({ learningStarts: 200, trainFrequency: 2, batchSize: 32, targetNetworkFrequency: 100 })).build();
  const b = online(5).algo(rl.dqn({ learningStarts: 200, trainFrequency: 2, batchSize: 32, targetNetworkFrequency: 100 })).mix(rl.data.offline(ds, { ratio: 0 })).build();
  await a.train({ steps: 1_000 });
  await b.train({ steps: 1_000 });
  assert.ok(a.algo.updates > 300);
  assert.deepEqual(params(b), params(a));
  assert.deepEqual(timeless(b), timeless(a));
  for (const r of [a, b]) r.dispose();
  const pds = await pendulumDataset();
  const sac = (mix: boolean) => {
    const builder = rl.env("Pendulum-v1", { seed: 4 }).policy(rl.mlp([16, 16])).record(false).algo(rl.sac({ learningStarts: 100, batchSize: 32 }));
    return (mix ? builder.mix(rl.data.offline(pds, { ratio: 0 })) : builder).build();
  };
  const c = sac(false);
  const d = sac(true);
  await c.train({ steps: 250 });
  await d.train({ steps: 250 });
  assert.ok(c.algo.updates > 100);
  const { mixPerm, ...mixedArrays } = algoState(d).arrays;
  assert.equal(mixPerm!.length, 0, "ratio 0 draws no dataset rows");
  assert.deepEqual(mixedArrays, algoState(c).arrays);
  assert.deepEqual(timeless(d), timeless(c));
  for (const r of [c, d]) r.dispose();
});

test("DQN mixed 50/50 with expert CartPole data beats plain DQN at the same small budget", async () => {
  const ds = await expertDataset();
  const t0 = performance.now();
  const returns: number[] = [];
  for (const mix of [false, true]) {
    let builder = online(3).algo(smallDqn());
    if (mix) builder = builder.mix(rl.data.offline(ds, { ratio: 0.5 }));
    const run = builder.build();
    await run.train({ steps: 6_000 });
    returns.push((await run.evaluate({ episodes: 10 })).meanReturn);
    run.dispose();
  }
  const [plain, mixed] = returns as [number, number];
  console.log(`DQN CartPole 6k steps: plain greedy return ${plain.toFixed(1)}, mixed (ratio 0.5, ${ds.numSteps} expert rows) ${mixed.toFixed(1)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  assert.ok(mixed > plain + 100 && mixed > 300, `mixed ${mixed} vs plain ${plain}`);
});

test("mixed DQN and SAC: save/load mid-training continues identically", async () => {
  const ds = await expertDataset();
  const dir = await mkdtemp(join(tmpdir(), "trellis-mix-"));
  try {
    const build = () => online(7).algo(rl.dqn({ learningStarts: 100, trainFrequency: 2, batchSize: 32, targetNetworkFrequency: 60 })).mix(rl.data.offline(ds, { ratio: 0.5 })).build();
    const whole = build();
    await whole.train({ steps: 900 });
    const first = build();
    await first.train({ steps: 500 });
    await first.save(join(dir, "dqn"));
    const loaded = await rl.load(join(dir, "dqn"));
    assert.deepEqual(params(loaded), params(first));
    await loaded.train({ steps: 400 });
    assert.deepEqual(params(loaded), params(whole));
    assert.deepEqual(algoState(loaded).arrays.mixPerm, algoState(whole).arrays.mixPerm);
    for (const r of [whole, first, loaded]) r.dispose();

    const pds = await pendulumDataset();
    const sac = () => rl.env("Pendulum-v1", { seed: 4 }).policy(rl.mlp([16, 16])).record(false).algo(rl.sac({ learningStarts: 100, batchSize: 32 })).mix(rl.data.offline(pds, { ratio: 0.5 })).build();
    const sw = sac();
    await sw.train({ steps: 300 });
    const sf = sac();
    await sf.train({ steps: 170 });
    await sf.save(join(dir, "sac"));
    const sl = await rl.load(join(dir, "sac"));
    await sl.train({ steps: 130 });
    assert.ok(sw.algo.updates > 150);
    assert.deepEqual(params(sl), params(sw));
    assert.deepEqual(algoState(sl).arrays.q1, algoState(sw).arrays.q1);
    for (const r of [sw, sf, sl]) r.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("mix errors: ratio outside [0, 1], mismatched shapes; every engine method mixes (REINFORCE too)", async () => {
  const ds = await expertDataset();
  const mixed = rl.env("CartPole-v1", { n: 2 }).record(false).algo(rl.reinforce({ batchSteps: 200 })).mix(rl.data.offline(ds, { imitation: { successReturn: 1e9 } })).build();
  await mixed.train({ updates: 1 });
  assert.equal(mixed.metricsLog.last()?.imitationGate, 1, "REINFORCE on the engine takes the gated imitation term");
  assert.ok(Number.isFinite(mixed.metricsLog.last()?.imitationNll));
  mixed.dispose();
  for (const ratio of [-0.1, 1.5, Number.NaN]) {
    assert.throws(
      () => rl.env("CartPole-v1").algo(rl.dqn()).mix(rl.data.offline(ds, { ratio })).build(),
      (e: unknown) => e instanceof RunConfigError && e.lines.some((p) => p.startsWith("mix.ratio: expected a fraction of each minibatch in [0, 1]")),
    );
  }
  assert.throws(
    () => rl.env("Acrobot-v1").algo(rl.dqn()).mix(rl.data.offline(ds)).build(),
    (e: unknown) => e instanceof RunConfigError && e.lines.some((p) => /mix\.dataset\.obs: the dataset \(recorded on CartPole-v1\) has observations of 4 floats, but env Acrobot-v1 observes 6/.test(p)),
  );
  assert.throws(
    () => rl.env("Pendulum-v1").algo(rl.sac()).mix(rl.data.offline(ds)).build(),
    (e: unknown) => e instanceof RunConfigError && e.lines.some((p) => p.startsWith("mix.dataset.")),
  );
  assert.throws(
    () => rl.offline(ds).algo(rl.cql()).mix(rl.data.offline(ds)).build(),
    (e: unknown) => e instanceof RunConfigError && e.lines.some((p) => p.includes(".mix() is for online runs")),
  );
  assert.throws(() => rl.data.offline({} as Dataset), TypeError);
});
