import { problemText, type Problem } from "../../../lib/config/problem.js";
const texts = (ps: readonly (Problem | string)[]): string[] => ps.map((p) => (typeof p === "string" ? p : problemText(p)));
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { TrainingDivergedError } from "../../../lib/algos/errors.js";
import { sac, SacInstance } from "../../../lib/algos/off-policy/sac.js";
import { defineEnv, vectorize } from "../../../lib/envs/custom.js";
import { box } from "../../../lib/envs/space.js";
import type { VecEnv } from "../../../lib/envs/vec-env.js";
import { mlp } from "../../../lib/policy/spec.js";
import { Rng } from "../../../lib/random/rng.js";
import { assertResumesIdentically, greedyReturn, trainFor } from "../algo-helpers.js";
import { cartPole, reach1D } from "../fixtures.js";

const relu = (hidden: number[]) => mlp(hidden, { activation: "relu" });

describe("SAC", () => {
  test("defaults are CleanRL's sac_continuous_action.py", () => {
    const c = sac().config;
    assert.deepEqual(
      { ...c, logStd: { ...c.logStd } },
      {
        bufferSize: 1_000_000,
        gamma: 0.99,
        tau: 0.005,
        batchSize: 256,
        learningStarts: 5_000,
        policyLr: 3e-4,
        qLr: 1e-3,
        policyFrequency: 2,
        targetNetworkFrequency: 1,
        alpha: 0.2,
        autotune: true,
        targetEntropy: "auto",
        logStd: { min: -5, max: 2 },
        adamEps: 1e-8,
        logEvery: 500,
      },
    );
  });

  test("learns a 1-D reaching task in 1.5k env steps", () => {
    const env = reach1D(1)(1);
    env.reset();
    const algo = sac({ learningStarts: 200, batchSize: 64 }).create({ env, policy: relu([32, 32]), rng: Rng.fromSeed(2) }) as SacInstance;
    const before = greedyReturn(algo, reach1D(10), 10);
    const { updates } = trainFor(algo, env, 1_500);
    const after = greedyReturn(algo, reach1D(10), 10);
    console.log(`SAC Reach1D: greedy return ${before.toFixed(2)} → ${after.toFixed(2)} in 1.5k steps; α ${algo.alpha.toFixed(3)}`);
    assert.ok(after > -3 && after > before + 5, `greedy return ${before} → ${after}`);
    assert.equal(algo.updates, 1_500 - 201, "one critic step per env step after learningStarts");
    assert.equal(updates.filter((m) => m.actorLoss !== undefined).length, 649, "actor steps at the even step indices 202 … 1498");
    assert.ok(algo.alpha < 1, "α was tuned down from 1");
  });

  test("learns Pendulum-v1 in 8k env steps (greedy return from ~−1200 to > −400)", async () => {
    const { makeVecEnv } = await import("../../../lib/envs/registry.js");
    const makeEnv = (n: number) => (seed: number) => makeVecEnv("Pendulum-v1", { n, seed });
    const env: VecEnv = makeEnv(1)(1);
    env.reset();
    const algo = sac({ learningStarts: 1_000, batchSize: 128 }).create({ env, policy: relu([64, 64]), rng: Rng.fromSeed(2) });
    const t0 = performance.now();
    const before = greedyReturn(algo, makeEnv(10), 10);
    trainFor(algo, env, 8_000);
    const after = greedyReturn(algo, makeEnv(10), 10);
    console.log(`SAC Pendulum-v1: greedy return ${before.toFixed(0)} → ${after.toFixed(0)} in 8k steps, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    assert.ok(after > -400, `greedy return ${after}`);
  });

  test("save/load mid-training continues bit-identically (2 copies, actor and α steps included)", () => {
    const spec = sac({ learningStarts: 60, batchSize: 16, bufferSize: 150 });
    assertResumesIdentically(reach1D(2), spec, relu([8, 8]), { before: 121, after: 80, minUpdates: 40 });
    const fixedAlpha = sac({ learningStarts: 30, batchSize: 8, autotune: false, policyFrequency: 3, targetNetworkFrequency: 2 });
    assertResumesIdentically(reach1D(1), fixedAlpha, relu([8]), { before: 50, after: 40, minUpdates: 30 });
  });

  test("a non-finite loss throws TrainingDivergedError and restores every network, optimizer and α", () => {
    const env = reach1D(1)(0);
    env.reset();
    const algo = sac({ learningStarts: 20, batchSize: 8 }).create({ env, policy: relu([8]), rng: Rng.fromSeed(0) }) as SacInstance;
    while (algo.envSteps < 30) algo.step();
    algo.buffer.rewards.fill(NaN);
    const before = algo.saveState().arrays;
    assert.throws(() => algo.step(), TrainingDivergedError);
    const after = algo.saveState().arrays;
    for (const k of ["actor", "q1", "q2", "q1Target", "q2Target", "logAlpha", "qAdam.m", "actorAdam.v"]) assert.deepEqual(after[k], before[k], k);
  });

  test("check reports every invalid hyperparameter with its path", () => {
    const env = reach1D(1)(0);
    const problems = texts(sac({ tau: 2, batchSize: 0, policyFrequency: 1.5, qLr: -1, logStd: { min: 3, max: 2 }, targetEntropy: NaN, autotune: "yes" as never }).check(env, relu([8])));
    for (const path of ["algo.tau", "algo.batchSize", "algo.policyFrequency", "algo.qLr", "algo.logStd", "algo.targetEntropy", "algo.autotune"]) {
      assert.ok(problems.some((p) => p.startsWith(`${path}:`)), `no problem reported for ${path}: ${problems.join(" | ")}`);
    }
    assert.deepEqual(texts(sac().check(env, relu([8]))), []);
    assert.ok(texts(sac().check(env, mlp([8], { head: "gaussian" }))).some((p) => p.startsWith("policy.head:")));
  });

  test("on discrete actions: a clear error that points to rl.dqn()", () => {
    const env = cartPole(1)(0);
    const problems = texts(sac().check(env, relu([8])));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^algo: SAC needs a continuous \(box\) action space; CartPole-v1 has discrete actions Discrete\(2\): use rl\.dqn\(\)/);
    assert.throws(() => sac().create({ env, policy: relu([8]), rng: Rng.fromSeed(0) }), /SAC needs a continuous/);
  });

  test("unbounded action boxes are reported (tanh squashing needs finite bounds)", () => {
    const Unbounded = defineEnv({
      id: "Unbounded",
      observationSpace: box(-1, 1, [1]),
      actionSpace: box(-Infinity, Infinity, [1]),
      reset: () => ({ state: 0, obs: [0] }),
      step: () => ({ state: 0, obs: [0], reward: 0, terminated: true }),
    });
    const env: VecEnv = vectorize(Unbounded, { n: 1, rng: Rng.fromSeed(0) });
    assert.ok(texts(sac().check(env, relu([8]))).some((p) => /finite bounds/.test(p)));
  });
});
