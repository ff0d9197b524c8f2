// MOORL (Reptile across the offline and online buffers) and the
// offline-initialized critic, on DQN and SAC.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl, RunConfigError, type Dataset, type Run } from "../../lib/index.js";
import { reptileStep } from "../../lib/algos/offline-online/reptile.js";
import { MetaSchedule } from "../../lib/algos/offline-online/meta-schedule.js";
import { vectorGroup } from "../../lib/policy/param-set.js";
import { Rng } from "../../lib/random/rng.js";
import { saveLoadContinues } from "../helpers/runs.js";
import { buildProblems } from "../helpers/runs.js";

let cart: Promise<Dataset> | undefined;
/** A PPO learner's whole record on CartPole (mixed quality: its first and its last episodes). */
function cartData(): Promise<Dataset> {
  cart ??= (async () => {
    const src = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo()).build();
    await src.train({ steps: 6000, display: { progress() {} } });
    const ds = rl.dataset.from(src.data);
    src.dispose();
    return ds;
  })();
  return cart;
}

let pend: Promise<Dataset> | undefined;
function pendulumData(): Promise<Dataset> {
  pend ??= (async () => {
    const src = rl.env("Pendulum-v1", { seed: 2 }).algo(rl.sac({ learningStarts: 300 })).build();
    await src.train({ steps: 600, display: { progress() {} } });
    const ds = rl.dataset.from(src.data);
    src.dispose();
    return ds;
  })();
  return pend;
}

const smallDqn = () => rl.dqn({ totalSteps: 6_000, learningStarts: 300, trainFrequency: 2, targetNetworkFrequency: 200, lr: 1e-3, batchSize: 32 });
const dqnRun = (mix?: ReturnType<typeof rl.data.meta>) => {
  const b = rl.env("CartPole-v1", { seed: 3 }).policy(rl.mlp([32])).algo(smallDqn()).record(false);
  return (mix ? b.mix(mix) : b).build();
};
const paramsOf = (run: Run) => run.algo.saveState().arrays.params as Float32Array;

describe("MOORL's meta step", () => {
  test("card 18's worked example: θ_meta [0, 0], θ_K [0.3, −0.6], ε 0.5 → [0.15, −0.30]", () => {
    const meta = Float32Array.of(0, 0);
    reptileStep(meta, [0.3, -0.6], 0.5);
    assert.ok(Math.abs(meta[0]! - 0.15) < 1e-7 && Math.abs(meta[1]! + 0.3) < 1e-7, `${meta}`);
    assert.deepEqual([...reptileStep(Float32Array.of(1, 2), [3, 4], 1)], [3, 4], "ε = 1: the adapted parameters");
    assert.throws(() => reptileStep(Float32Array.of(1), [1, 2], 0.5), /meta has 1 parameters, the adapted ones 2/);
    assert.throws(() => reptileStep(Float32Array.of(1), [1], 0), /ε must be in \(0, 1\]/);
  });

  test("a meta-epoch: K inner updates from one buffer, then θ ← θ_meta + ε (θ_K − θ_meta)", () => {
    const g = vectorGroup("w", Float32Array.of(1, 1));
    const s = new MetaSchedule({ inner: 3, metaLr: 0.25, offlineShare: 1 }, [g], Rng.fromSeed(0));
    for (let k = 0; k < 3; k++) {
      assert.equal(s.begin(8), 8, "offlineShare 1: every minibatch from the dataset");
      g.params[0] = g.params[0]! + 1; // an inner update
      g.params[1] = g.params[1]! - 2;
      s.end();
    }
    // θ_meta = [1, 1], θ_3 = [4, −5]: [1 + 0.25·3, 1 − 0.25·6]
    assert.deepEqual([...g.params], [1.75, -0.5]);
    assert.deepEqual(s.metrics(), { metaEpochs: 1, metaOfflineShare: 1 });
    const online = new MetaSchedule({ inner: 2, metaLr: 0.5, offlineShare: 0 }, [vectorGroup("w", new Float32Array(1))], Rng.fromSeed(0));
    assert.equal(online.begin(8), 0, "offlineShare 0: the replay buffer alone");
  });

  test("meta-epochs draw the offline buffer with probability offlineShare", () => {
    const g = vectorGroup("w", new Float32Array(1));
    const s = new MetaSchedule({ inner: 1, metaLr: 0.5, offlineShare: 0.3 }, [g], Rng.fromSeed(4));
    for (let i = 0; i < 4000; i++) {
      s.begin(1);
      s.end();
    }
    assert.ok(Math.abs(s.metrics().metaOfflineShare! - 0.3) < 0.03, `${s.metrics().metaOfflineShare}`);
  });
});

describe("MOORL and the offline-initialized critic in runs", () => {
  test("DQN with rl.data.meta: meta-epochs run, the data is drawn, and the run resumes bit for bit", async () => {
    const ds = await cartData();
    const run = dqnRun(rl.data.meta(ds, { inner: 5, metaLr: 0.5 }));
    await run.train({ steps: 1500 });
    const rows = run.metrics.toArray() as Record<string, number | null>[];
    const last = rows.at(-1)!;
    assert.ok(last.metaEpochs! > 50, `meta-epochs ${last.metaEpochs}`);
    assert.ok(last.metaOfflineShare! > 0.3 && last.metaOfflineShare! < 0.7, `${last.metaOfflineShare}`);
    const plain = dqnRun();
    await plain.train({ steps: 1500 });
    assert.notDeepEqual(paramsOf(run), paramsOf(plain));
    await saveLoadContinues(() => dqnRun(rl.data.meta(ds, { inner: 4, metaLr: 0.3 })), 700, 600, { minUpdates: 10 });
    run.dispose();
    plain.dispose();
  });

  test("DQN with criticPretrain: the critic's updates on the data come before the first env step", async () => {
    const ds = await cartData();
    const run = rl.env("CartPole-v1", { seed: 3 }).policy(rl.mlp([32])).algo(smallDqn()).mix(rl.data.offline(ds, { ratio: 0, criticPretrain: 50 })).record(false).build();
    for (let i = 0; i < 50; i++) {
      const m = run.algo.step();
      assert.equal(run.algo.envSteps, 0, "no env step while pretraining");
      assert.equal(m!.pretrainSteps, i + 1);
    }
    run.algo.step();
    assert.equal(run.algo.envSteps, 1);
    assert.equal(run.algo.updates, 50);
    await saveLoadContinues(() => rl.env("CartPole-v1", { seed: 3 }).policy(rl.mlp([32])).algo(smallDqn()).mix(rl.data.offline(ds, { ratio: 0.25, criticPretrain: 30 })).record(false).build(), 400, 600, { minUpdates: 30 });
    run.dispose();
  });

  test("SAC: MOORL and the pretrained critic (the actor untouched until online), both resume bit for bit", async () => {
    const ds = await pendulumData();
    const sac = () => rl.sac({ learningStarts: 100, batchSize: 32 });
    const pre = rl.env("Pendulum-v1", { seed: 1 }).policy(rl.mlp([32], { activation: "relu" })).algo(sac()).mix(rl.data.offline(ds, { ratio: 0, criticPretrain: 20 })).record(false).build();
    const actor0 = (pre.algo.saveState().arrays.actor as Float32Array).slice();
    for (let i = 0; i < 20; i++) pre.algo.step();
    assert.equal(pre.algo.envSteps, 0);
    assert.deepEqual(pre.algo.saveState().arrays.actor, actor0, "pretraining moves the critics only");
    pre.dispose();
    const make = (mix: ReturnType<typeof rl.data.meta>) => () => rl.env("Pendulum-v1", { seed: 1 }).policy(rl.mlp([32], { activation: "relu" })).algo(sac()).mix(mix).record(false).build();
    await saveLoadContinues(make(rl.data.meta(ds, { inner: 3, metaLr: 0.5 })), 200, 150, { minUpdates: 50 });
    await saveLoadContinues(make(rl.data.offline(ds, { ratio: 0.5, criticPretrain: 10 })), 150, 150, { minUpdates: 50 });
  });

  test("bad settings are problems with paths; PPO cannot take MOORL", async () => {
    const ds = await cartData();
    const probs = (mix: ReturnType<typeof rl.data.meta>, algo: Parameters<ReturnType<typeof rl.env>["algo"]>[0] = smallDqn()) => buildProblems(() => rl.env("CartPole-v1").algo(algo).mix(mix).build()).join("\n");
    assert.match(probs(rl.data.meta(ds, { metaLr: 0 })), /mix\.meta\.metaLr/);
    assert.match(probs(rl.data.meta(ds, { inner: 0 })), /mix\.meta\.inner/);
    assert.match(probs(rl.data.meta(ds, { offlineShare: 2 })), /mix\.meta\.offlineShare/);
    assert.match(probs(rl.data.offline(ds, { criticPretrain: -1 })), /mix\.criticPretrain/);
    assert.match(probs(rl.data.meta(ds), rl.ppo()), /mix\.meta: implemented for dqn and sac/);
    assert.match(probs(rl.data.offline(ds, { criticPretrain: 5, imitation: true }), rl.ppo()), /mix\.criticPretrain: implemented for dqn and sac/);
    assert.throws(() => rl.data.meta({} as never), /rl\.data\.meta\(dataset\): expected a Dataset/);
  });
});

test("property: any value as MOORL's options or criticPretrain gives a spec whose problems are listed, or a run — never another error", async () => {
  const fc = (await import("fast-check")).default;
  const ds = await cartData();
  const value = fc.oneof(fc.anything(), fc.double(), fc.integer({ min: -5, max: 50 }));
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom("inner", "metaLr", "offlineShare", "criticPretrain", "x"), value)), fc.constantFrom("dqn", "ppo"), (options, algo) => {
      let spec: ReturnType<typeof rl.data.meta>;
      try {
        spec = rl.data.meta(ds, options as never);
      } catch (e) {
        assert.ok(e instanceof TypeError && /rl\.data\.meta\(dataset, options\)/.test(e.message), String(e));
        return;
      }
      try {
        rl.env("CartPole-v1").policy(rl.mlp([8])).algo(algo === "dqn" ? smallDqn() : rl.ppo()).mix(spec).record(false).build().dispose();
      } catch (e) {
        assert.ok(e instanceof RunConfigError, `a RunConfigError, got ${String(e)}`);
        for (const l of e.lines) assert.equal(typeof l, "string");
      }
    }),
    { numRuns: 150 },
  );
});
