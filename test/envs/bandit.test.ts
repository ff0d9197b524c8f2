import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BanditVecEnv } from "../../lib/envs/bandit.js";
import { Rng } from "../../lib/random/rng.js";

const bandit = (options: { k?: number; means?: number[]; std?: number; n?: number; seed?: number } = {}) => {
  const { n = 1, seed = 0, ...rest } = options;
  const env = new BanditVecEnv({ n, rng: Rng.fromSeed(seed), ...rest });
  env.reset();
  return env;
};

describe("Bandit", () => {
  test("means are drawn from the seed (10 arms by default) or taken as given", () => {
    assert.equal(bandit().k, 10);
    assert.deepEqual(bandit({ seed: 4 }).means, bandit({ seed: 4 }).means);
    assert.notDeepEqual(bandit({ seed: 4 }).means, bandit({ seed: 5 }).means);
    const env = bandit({ means: [0.5, -1, 2] });
    assert.equal(env.k, 3);
    assert.deepEqual(env.means, [0.5, -1, 2]);
    assert.equal(env.optimalArm, 2);
    assert.equal(env.actionSpace.kind === "discrete" && env.actionSpace.n, 3);
  });

  test("each pull pays mean + std·N(0,1): sample mean and std match", () => {
    const means = [0, 1, -2];
    const env = bandit({ means, std: 0.5, n: 3000, seed: 1 });
    const actions = Int32Array.from({ length: 3000 }, (_, i) => i % 3);
    const sum = [0, 0, 0];
    const sq = [0, 0, 0];
    const steps = 10;
    for (let t = 0; t < steps; t++) {
      env.step(actions);
      for (let i = 0; i < 3000; i++) {
        sum[i % 3]! += env.rewards[i]!;
        sq[i % 3]! += env.rewards[i]! ** 2;
      }
    }
    const count = (3000 / 3) * steps;
    for (let a = 0; a < 3; a++) {
      const mean = sum[a]! / count;
      const std = Math.sqrt(sq[a]! / count - mean * mean);
      assert.ok(Math.abs(mean - means[a]!) < 0.02, `arm ${a} mean ${mean}`);
      assert.ok(Math.abs(std - 0.5) < 0.02, `arm ${a} std ${std}`);
    }
  });

  test("every episode is one step: terminated, obs a constant 0, auto-reset", () => {
    const env = bandit({ means: [1, 2], std: 0, n: 2 });
    env.step(Int32Array.of(0, 1));
    assert.deepEqual(Array.from(env.rewards), [1, 2]);
    assert.deepEqual(Array.from(env.terminated), [1, 1]);
    assert.deepEqual(Array.from(env.truncated), [0, 0]);
    assert.deepEqual(Array.from(env.obs), [0, 0]);
    assert.deepEqual(Array.from(env.finalObs), [0, 0]);
    assert.deepEqual(Array.from(env.elapsed), [0, 0]);
    assert.equal(env.obsSize, 1);
  });

  test("a checkpoint carries the means, so a bandit made from another seed continues identically", () => {
    const a = bandit({ seed: 1, n: 4 });
    a.step(Int32Array.of(0, 1, 2, 3));
    const saved = JSON.parse(JSON.stringify(a.saveState()));
    const b = bandit({ seed: 2, n: 4 });
    b.loadState(saved);
    assert.deepEqual(b.means, a.means);
    a.step(Int32Array.of(3, 2, 1, 0));
    b.step(Int32Array.of(3, 2, 1, 0));
    assert.deepEqual(Array.from(b.rewards), Array.from(a.rewards));
  });

  test("bad options are clear errors", () => {
    assert.throws(() => bandit({ k: 0 }), /k \(number of arms\) must be an integer ≥ 1, got 0/);
    assert.throws(() => bandit({ k: 3, means: [1, 2] }), /means has 2 entries but k is 3/);
    assert.throws(() => bandit({ std: -1 }), /std must be a finite number ≥ 0/);
    assert.throws(() => bandit({ means: [0, NaN] }), /means\[1\] is NaN/);
    assert.throws(() => bandit({ arms: 3 } as unknown as { k: number }), /no option 'arms'/);
    assert.throws(() => bandit({ k: 2 }).step(Int32Array.of(2)), RangeError);
  });
});
