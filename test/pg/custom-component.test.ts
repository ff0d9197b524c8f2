// A component written the way a user writes one in a notebook cell: one defineComponent call, nothing in lib/ edited.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defineComponent, num, rl, type AlgoInstance, type LossTerm } from "../../lib/index.js";
import { timeless } from "../helpers/runs.js";

/** ½ coef · (log π − log π_old)² per step: a quadratic pull toward the acting policy (a "PPO-penalty" flavour). */
const logRatioL2 = defineComponent({
  slot: "loss",
  kind: "logRatioL2",
  formula: "ℓ = ½ coef (log π − log π_old)²",
  doc: "A quadratic penalty on the log-ratio to the policy that acted.",
  fields: { coef: num(1, "weight of the penalty", { min: 0 }) },
  metrics: { logRatioL2: { doc: "mean ½ (log π − log π_old)² of the last minibatch", over: "last" } },
  create: (c): LossTerm => ({
    reads: ["logp"],
    compute(rows, aggregate, grads) {
      let sum = 0;
      for (let i = 0; i < rows.size; i++) {
        const w = aggregate.weights === null ? 1 / aggregate.divisor : aggregate.weights[i]!;
        const d = rows.logp[i]! - rows.oldLogp[i]!;
        sum += w * 0.5 * d * d;
        grads.dLogp[i] = grads.dLogp[i]! + c.coef * w * d;
      }
      return { value: c.coef * sum, metrics: { logRatioL2: sum } };
    },
  }),
});

test("a component defined outside lib/ plugs into a preset, reports its metric, and survives save and load", async () => {
  const spec = rl.ppo({ numSteps: 32, minibatches: 2 }).addLoss(logRatioL2({ coef: 0.5 }));
  assert.match(spec.describe(), /loss\[3\]\s+logRatioL2\s+coef=0\.5/);
  const dir = await mkdtemp(join(tmpdir(), "trellis-custom-"));
  try {
    const a = rl.env("CartPole-v1", { n: 2, seed: 1 }).record(false).policy(rl.mlp([8])).algo(spec).build();
    await a.train({ updates: 2 });
    const m = a.metricsLog.last()!;
    assert.ok(Number.isFinite(m.logRatioL2) && m.logRatioL2 >= 0, `logRatioL2 ${m.logRatioL2}`);
    await a.save(join(dir, "run"));
    const b = await rl.load(join(dir, "run"));
    await a.train({ updates: 2 });
    await b.train({ updates: 2 });
    assert.deepEqual(timeless(b), timeless(a));
    assert.deepEqual((b.algo as AlgoInstance).saveState().arrays.params, (a.algo as AlgoInstance).saveState().arrays.params);
    for (const r of [a, b]) r.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // Its fields are checked like any other's.
  assert.throws(() => rl.env("CartPole-v1").algo(rl.ppo().addLoss(logRatioL2({ coef: -1 }))).build(), (e: { codes?: string[] }) => e.codes?.includes("algo.loss[3].coef out-of-range") === true);
});
