import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { reinforce } from "../../lib/pg/index.js";
import { mlp } from "../../lib/policy/spec.js";
import { Rng } from "../../lib/random/rng.js";
import { assertResumesIdentically, greedyReturn, trainFor } from "../algos/algo-helpers.js";
import { cartPole, reach1D } from "../algos/fixtures.js";

describe("REINFORCE with a learned baseline", () => {
  test("learns CartPole-v1 in 100k env steps (4 copies)", () => {
    const env = cartPole(4)(1);
    env.reset();
    const algo = reinforce().create({ env, policy: mlp([64, 64]), rng: Rng.fromSeed(2) });
    const t0 = performance.now();
    const { recent, updates } = trainFor(algo, env, 100_000);
    const greedy = greedyReturn(algo, cartPole(10), 10);
    // While returns still vary (before the policy saturates at 500), the baseline explains part of them;
    // once every episode lasts 500 steps Var[G] ≈ 0 and explained variance is meaningless.
    const evs = updates.slice(10, 40).map((m) => m.explainedVariance!).sort((x, y) => x - y);
    const ev = evs[Math.floor(evs.length / 2)]!;
    console.log(`REINFORCE CartPole: last-20 return ${recent.toFixed(1)}, greedy ${greedy.toFixed(1)}, ${updates.length} updates, median baseline EV (updates 10–40) ${ev.toFixed(2)}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(recent > 150, `training return ${recent}`);
    assert.ok(greedy > 150, `greedy return ${greedy}`);
    assert.ok(ev > 0.1, `the baseline explains part of the returns (EV ${ev})`);
  });

  test("an update uses only complete episodes (or their fragments sampled since the last update), once they hold ≥ batchSteps steps", () => {
    const env = cartPole(2)(5);
    env.reset();
    const batchSteps = 300;
    const algo = reinforce({ batchSteps }).create({ env, policy: mlp([8]), rng: Rng.fromSeed(1) });
    const lengths = [0, 0];
    let finishedSteps = 0;
    let finishedEpisodes = 0;
    for (let i = 0; i < 3000; i++) {
      const m = algo.step();
      for (let e = 0; e < 2; e++) {
        lengths[e]!++;
        if (env.terminated[e] || env.truncated[e]) {
          finishedSteps += lengths[e]!;
          finishedEpisodes++;
          lengths[e] = 0;
        }
      }
      if (m) {
        assert.equal(m.batchSteps, finishedSteps, "every finished step, and nothing of the open episodes");
        assert.equal(m.batchEpisodes, finishedEpisodes);
        assert.ok(m.batchSteps! >= batchSteps);
        finishedSteps = 0;
        finishedEpisodes = 0;
        // Steps of open episodes were sampled by the old policy: the update drops them.
        lengths[0] = 0;
        lengths[1] = 0;
      } else {
        assert.ok(finishedSteps < batchSteps);
      }
    }
    assert.ok(algo.updates >= 5);
  });

  test("save/load mid-training continues bit-identically, open episodes included", () => {
    assertResumesIdentically(cartPole(2), reinforce({ batchSteps: 200 }), mlp([16, 16]), { before: 701, after: 800, minUpdates: 2 });
  });

  test("Gaussian actions: learns and resumes on a 1-D continuous task", () => {
    assertResumesIdentically(reach1D(2), reinforce({ batchSteps: 100 }), mlp([8]), { before: 150, after: 300, minUpdates: 2 });
    const env = reach1D(4)(3);
    env.reset();
    const algo = reinforce({ batchSteps: 400, lr: 1e-2 }).create({ env, policy: mlp([16]), rng: Rng.fromSeed(4) });
    const first = trainFor(algo, env, 2_000).recent;
    const later = trainFor(algo, env, 40_000).recent;
    assert.ok(later > first + 1, `return ${first.toFixed(2)} → ${later.toFixed(2)}`);
  });

  test("check reports every invalid hyperparameter with its path and code", () => {
    const env = cartPole(1)(0);
    const problems = reinforce({ lr: 0, gamma: 1.5, batchSteps: 0, valueIters: 0.5, maxGradNorm: -1, truncation: "cut" as never }).check(env, mlp([8]));
    assert.deepEqual(
      problems.map((p) => `${p.path} ${p.code}`),
      ["algo.lr out-of-range", "algo.gamma out-of-range", "algo.batchSteps out-of-range", "algo.maxGradNorm out-of-range", "algo.valueIters not-an-integer", "algo.truncation not-one-of"],
    );
    assert.deepEqual(reinforce().check(env, mlp([8])), []);
  });

  test("a shared actor-critic network trains too (baseline steps are part of the joint step)", () => {
    const env = cartPole(2)(0);
    env.reset();
    const algo = reinforce({ batchSteps: 200 }).create({ env, policy: mlp([16], { shared: true }), rng: Rng.fromSeed(0) });
    const { updates } = trainFor(algo, env, 2_000);
    assert.ok(updates.length >= 5 && updates.every((m) => Number.isFinite(m.policyLoss!) && Number.isFinite(m.valueLoss!)));
  });
});
