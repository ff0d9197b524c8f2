import assert from "node:assert/strict";
import { test } from "node:test";
import { METRIC_DOCS, rl, type Run } from "../../lib/index.js";

test("every metric that any algorithm logs (hybrid terms included) is defined in METRIC_DOCS; offline methods log what their training view plots", async () => {
  const src = rl.env("CartPole-v1", { n: 4, seed: 1 }).algo(rl.ppo()).build();
  await src.train({ steps: 4_096 });
  const ds = rl.dataset.from(src.data);
  const pend = rl.env("Pendulum-v1", { seed: 1 }).policy(rl.mlp([16, 16])).algo(rl.sac({ learningStarts: 50, batchSize: 16, logEvery: 50 })).build();
  await pend.train({ steps: 200 });
  const runs: [string, Run, { steps?: number; updates?: number }][] = [
    ["ppo+mix", rl.env("CartPole-v1", { n: 4, seed: 2 }).algo(rl.ppo()).record(false).mix(rl.data.offline(ds, { imitation: { pretrain: 2 }, critic: true })).build(), { steps: 1_024 }],
    ["a2c", rl.env("CartPole-v1", { n: 4, seed: 2 }).algo(rl.a2c()).record(false).build(), { steps: 200 }],
    ["reinforce", rl.env("CartPole-v1", { seed: 2 }).algo(rl.reinforce()).record(false).build(), { updates: 2 }],
    ["dqn+h2o", rl.env("CartPole-v1", { seed: 2, length: 0.7 }).algo(rl.dqn({ learningStarts: 100, batchSize: 32, logEvery: 100 })).record(false).mix(rl.data.offline(ds, { dynamicsGap: { warmup: 0 } })).build(), { steps: 400 }],
    ["sac", rl.env("Pendulum-v1", { seed: 2 }).policy(rl.mlp([16, 16])).algo(rl.sac({ learningStarts: 50, batchSize: 16, logEvery: 50 })).record(false).build(), { steps: 150 }],
    ["bc", rl.offline(ds).algo(rl.bc({ logEvery: 5 })).build(), { updates: 10 }],
    ["bc continuous", rl.offline(rl.dataset.from(pend.data)).policy(rl.mlp([16])).algo(rl.bc({ logEvery: 5, batchSize: 32 })).build(), { updates: 10 }],
    ["cql", rl.offline(ds).algo(rl.cql({ logEvery: 5 })).build(), { updates: 10 }],
    ["cql continuous", rl.offline(rl.dataset.from(pend.data)).policy(rl.mlp([16])).algo(rl.cql({ logEvery: 5, batchSize: 32, sampledActions: 2 })).build(), { updates: 10 }],
    ["iql", rl.offline(ds).algo(rl.iql({ logEvery: 5 })).build(), { updates: 10 }],
    ["iql continuous", rl.offline(rl.dataset.from(pend.data)).policy(rl.mlp([16])).algo(rl.iql({ logEvery: 5, batchSize: 32 })).build(), { updates: 10 }],
  ];
  const undocumented: string[] = [];
  for (const [name, run, budget] of runs) {
    await run.train(budget);
    assert.ok(run.metrics.numRows > 0, `${name} logged no row`);
    for (const f of run.metrics.schema.fields) if (!(f.name in METRIC_DOCS)) undocumented.push(`${name}: ${f.name}`);
    // What an offline method's training view plots must be a metric it logs.
    const plotted = run.algoSpec.progressMetric?.key;
    if (run.algoSpec.offline) assert.ok(plotted !== undefined && Number.isFinite(run.metricsLog.last()![plotted]), `${name}: progressMetric ${plotted}`);
    run.dispose();
  }
  for (const r of [src, pend]) r.dispose();
  assert.deepEqual(undocumented, []);
});
