import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Env } from "../../lib/envs/single-env.js";
import { makeEnv, makeVecEnv } from "../../lib/envs/registry.js";

describe("Env (single, Gymnasium style)", () => {
  test("reset → step … → terminated, with fresh observation copies", () => {
    const env = makeEnv("GridWorld-v0", { map: ["S.G"], observation: "coords" });
    assert.equal(env.id, "GridWorld-v0");
    assert.equal(env.actionSpace.kind, "discrete");
    const { obs, info } = env.reset();
    assert.deepEqual([Array.from(obs), info], [[0, 0], {}]);
    const first = env.step(1);
    assert.deepEqual([Array.from(first.obs), first.reward, first.terminated, first.truncated], [[0, 1], 0, false, false]);
    first.obs[0] = 42;
    assert.equal(env.vec.obs[0], 0, "the returned obs is a copy");
    const last = env.step(1);
    assert.deepEqual([Array.from(last.obs), last.reward, last.terminated], [[0, 2], 1, true]);
    assert.notEqual(last.obs, first.obs);
  });

  test("stepping after the episode ended, or before reset, is a clear error", () => {
    const env = makeEnv("GridWorld-v0", { map: ["SG"] });
    assert.throws(() => env.step(1), /the episode is over \(or never started\); call reset\(\) before step\(\)/);
    env.reset();
    env.step(1);
    assert.throws(() => env.step(1), /call reset\(\) before step\(\)/);
    env.reset();
    assert.equal(env.step(1).terminated, true);
  });

  test("time limit gives truncated; reset({ seed, state }) work", () => {
    const env = makeEnv("GridWorld-v0", { map: ["S..", "..G"], maxEpisodeSteps: 2 });
    env.reset({ state: [1, 0] });
    assert.deepEqual(env.vec.getPhysicalState(0), [1, 0]);
    env.step(0);
    const s = env.step(0);
    assert.deepEqual([s.terminated, s.truncated], [false, true]);
    env.reset({ seed: 3 });
    assert.equal(env.elapsed, 0);
  });

  test("actions are checked: integers in range for discrete, the right length for boxes", () => {
    const env = makeEnv("GridWorld-v0");
    env.reset();
    assert.throws(() => env.step(1.5), /action 1.5 is invalid for Discrete\(4\)/);
    assert.throws(() => env.step(4), RangeError);
    assert.throws(() => env.step([1, 2]), /expects 1 action numbers, got 2/);
    assert.equal(env.step([1]).reward, 0);
  });

  test("render draws the current state; Env needs a one-copy VecEnv; makeEnv refuses n", () => {
    const env = makeEnv("GridWorld-v0");
    env.reset();
    assert.ok(env.render().shapes.length > 0);
    assert.throws(() => new Env(makeVecEnv("GridWorld-v0", { n: 2 })), /one copy, got 2/);
    assert.throws(() => makeEnv("GridWorld-v0", { n: 2 } as never), /makeEnv makes one env, got n: 2/);
  });
});
