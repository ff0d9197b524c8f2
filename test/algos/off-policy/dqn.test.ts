import { problemText, type Problem } from "../../../lib/config/problem.js";
const texts = (ps: readonly (Problem | string)[]): string[] => ps.map((p) => (typeof p === "string" ? p : problemText(p)));
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dqn, DQN_DEFAULTS, DqnInstance } from "../../../lib/algos/off-policy/dqn.js";
import { TrainingDivergedError } from "../../../lib/algos/errors.js";
import { mlp } from "../../../lib/policy/spec.js";
import { Rng } from "../../../lib/random/rng.js";
import { assertResumesIdentically, greedyReturn, trainFor } from "../algo-helpers.js";
import { cartPole, reach1D } from "../fixtures.js";

const relu = (hidden: number[]) => mlp(hidden, { activation: "relu" });

describe("DQN", () => {
  test("defaults are CleanRL's dqn.py (CartPole) with double Q on", () => {
    const c = dqn().config;
    assert.deepEqual(
      { lr: c.lr, bufferSize: c.bufferSize, gamma: c.gamma, tau: c.tau, target: c.targetNetworkFrequency, batch: c.batchSize, eps: c.epsilon, starts: c.learningStarts, freq: c.trainFrequency, total: c.totalSteps, doubleQ: c.doubleQ },
      { lr: 2.5e-4, bufferSize: 10_000, gamma: 0.99, tau: 1, target: 500, batch: 128, eps: { start: 1, end: 0.05, fraction: 0.5 }, starts: 10_000, freq: 10, total: 500_000, doubleQ: true },
    );
    assert.deepEqual(dqn({ epsilon: { end: 0.01 } }).config.epsilon, { ...DQN_DEFAULTS.epsilon, end: 0.01 });
  });

  test("learns CartPole-v1 in 20k env steps (greedy return ≫ random's ~22)", () => {
    const makeEnv = cartPole(1);
    const env = makeEnv(1);
    env.reset();
    const algo = dqn({ totalSteps: 20_000, learningStarts: 1_000, targetNetworkFrequency: 250, trainFrequency: 2, lr: 1e-3, batchSize: 64 }).create({ env, policy: relu([64, 64]), rng: Rng.fromSeed(2) });
    const t0 = performance.now();
    const { updates } = trainFor(algo, env, 20_000);
    const greedy = greedyReturn(algo, cartPole(10), 10);
    console.log(`DQN CartPole: greedy return ${greedy.toFixed(1)} after 20k steps, ${updates.length} updates, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(algo.updates, 9_499, "one gradient step at every even step index k in (1000, 20000)");
    assert.ok(greedy > 120, `greedy return ${greedy}`);
    const last = updates.at(-1)!;
    assert.ok(Number.isFinite(last.tdLoss) && Number.isFinite(last.qValue));
    assert.ok(Math.abs(last.epsilon! - 0.05) < 1e-9, "ε reached its end value after half the run");
  });

  test("ε follows the schedule and the first gradient step comes after learningStarts", () => {
    const env = cartPole(1)(3);
    env.reset();
    const algo = dqn({ totalSteps: 1000, learningStarts: 100, trainFrequency: 10, batchSize: 8 }).create({ env, policy: relu([8]), rng: Rng.fromSeed(1) }) as DqnInstance;
    assert.equal(algo.epsilon(0), 1);
    assert.ok(Math.abs(algo.epsilon(250) - 0.525) < 1e-12);
    assert.ok(Math.abs(algo.epsilon(900) - 0.05) < 1e-12);
    let firstUpdateAt = -1;
    while (firstUpdateAt < 0) if (algo.step()) firstUpdateAt = algo.envSteps;
    // CleanRL trains at global_step 110 (> 100 and % 10 = 0), the 111th transition
    assert.equal(firstUpdateAt, 111);
  });

  test("save/load mid-training continues bit-identically (2 copies, buffer wrapped around)", () => {
    const spec = dqn({ learningStarts: 200, trainFrequency: 4, targetNetworkFrequency: 60, batchSize: 32, bufferSize: 500, totalSteps: 2_000 });
    assertResumesIdentically(cartPole(2), spec, relu([16, 16]), { before: 700, after: 300, minUpdates: 50 });
  });

  test("the Huber loss and plain (non-double) targets also run and resume identically", () => {
    const spec = dqn({ learningStarts: 100, trainFrequency: 2, targetNetworkFrequency: 50, batchSize: 16, bufferSize: 300, loss: "huber", doubleQ: false, maxGradNorm: 10 });
    assertResumesIdentically(cartPole(1), spec, relu([8]), { before: 250, after: 100, minUpdates: 40 });
  });

  test("a non-finite TD loss throws TrainingDivergedError and leaves the parameters untouched", () => {
    const env = cartPole(1)(0);
    env.reset();
    const algo = dqn({ learningStarts: 20, trainFrequency: 1, batchSize: 8 }).create({ env, policy: relu([8]), rng: Rng.fromSeed(0) }) as DqnInstance;
    while (algo.envSteps < 20) algo.step();
    algo.buffer.rewards.fill(NaN);
    const before = algo.saveState().arrays;
    assert.throws(() => {
      for (let i = 0; i < 5; i++) algo.step();
    }, TrainingDivergedError);
    const after = algo.saveState().arrays;
    assert.deepEqual(after.params, before.params);
    assert.deepEqual(after.adamM, before.adamM);
  });

  test("check reports every invalid hyperparameter with its path", () => {
    const env = cartPole(1)(0);
    const problems = texts(dqn({ lr: -1, batchSize: 0.5, epsilon: { start: 2 }, loss: "l1" as never, maxGradNorm: 0, tau: 0, trainFrequency: 0 }).check(env, relu([8])));
    for (const path of ["algo.lr", "algo.batchSize", "algo.epsilon.start", "algo.loss", "algo.maxGradNorm", "algo.tau", "algo.trainFrequency"]) {
      assert.ok(problems.some((p) => p.startsWith(`${path}:`)), `no problem reported for ${path}: ${problems.join(" | ")}`);
    }
    assert.deepEqual(texts(dqn().check(env, relu([8]))), []);
    assert.ok(texts(dqn().check(env, mlp([8], { shared: true }))).some((p) => p.startsWith("policy.shared:")));
  });

  test("on continuous actions: a clear error that points to rl.sac()", () => {
    const env = reach1D(1)(0);
    const problems = texts(dqn().check(env, relu([8])));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^algo: DQN needs a discrete action space; .* use rl\.sac\(\)/);
    assert.throws(() => dqn().create({ env, policy: relu([8]), rng: Rng.fromSeed(0) }), /DQN needs a discrete action space/);
  });
});
