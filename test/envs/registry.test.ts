import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GridWorldVecEnv } from "../../lib/envs/gridworld.js";
import { envSpec, knownEnvIds, makeVecEnv, registerEnv } from "../../lib/envs/registry.js";
import { Rng } from "../../lib/random/rng.js";

describe("registry", () => {
  test("an unknown id lists the known ids and suggests the closest", () => {
    assert.throws(() => makeVecEnv("CartPole-v0"), (err: Error) => {
      assert.match(err.message, /^Unknown env 'CartPole-v0'\. Known: .*CartPole-v1.*GridWorld-v0.*\. Did you mean 'CartPole-v1'\?/);
      return true;
    });
    assert.throws(() => makeVecEnv("gridworld"), /Did you mean 'GridWorld-v0'\?/);
    assert.throws(() => makeVecEnv("Pendulum"), /Did you mean 'Pendulum-v1'\?/);
    assert.throws(() => makeVecEnv("Zzyzx"), (err: Error) => !/Did you mean/.test(err.message) && /registerEnv\('Zzyzx'/.test(err.message));
  });

  test("n must be an integer ≥ 1", () => {
    for (const n of [0, -2, 1.5, NaN]) {
      assert.throws(() => makeVecEnv("GridWorld-v0", { n }), (err: Error) => err instanceof RangeError && /n is the number of copies, an integer ≥ 1; got/.test(err.message), `n = ${n}`);
    }
  });

  test("seed or rng, not both; the default seed is 0", () => {
    assert.throws(() => makeVecEnv("Bandit-v0", { seed: 1, rng: Rng.fromSeed(1) }), /give seed or rng, not both/);
    const viaRng = makeVecEnv("Bandit-v0", { rng: Rng.fromSeed(0) }) as unknown as { means: number[] };
    const viaDefault = makeVecEnv("Bandit-v0") as unknown as { means: number[] };
    assert.deepEqual(viaDefault.means, viaRng.means);
  });

  test("the registered time limit applies unless overridden", () => {
    assert.equal(makeVecEnv("GridWorld-v0").maxEpisodeSteps, 100);
    assert.equal(makeVecEnv("GridWorld-v0", { maxEpisodeSteps: 7 }).maxEpisodeSteps, 7);
    assert.equal(makeVecEnv("CartPole-v1").maxEpisodeSteps, 500);
    assert.equal(envSpec("CartPole-v1").rewardThreshold, 475);
  });

  test("kwargs reach the env; variants report their own id", () => {
    const env = makeVecEnv("GridWorld-v0", { map: ["SG"], goalReward: 2 }) as GridWorldVecEnv;
    assert.deepEqual(env.map, ["SG"]);
    assert.equal(env.goalReward, 2);
    const slippery = makeVecEnv("GridWorld-Slippery-v0") as GridWorldVecEnv;
    assert.equal(slippery.id, "GridWorld-Slippery-v0");
    assert.equal(slippery.slip, 0.2);
    assert.equal((makeVecEnv("GridWorld-Slippery-v0", { slip: 0.5 }) as GridWorldVecEnv).slip, 0.5);
    const cliff = makeVecEnv("GridWorld-Cliff-v0") as GridWorldVecEnv;
    assert.deepEqual([cliff.width, cliff.height, cliff.onTrap], [12, 4, "restart"]);
  });

  test("registerEnv adds an id (and a re-run cell replaces it)", () => {
    registerEnv("Tiny-v0", (o) => new GridWorldVecEnv({ ...o, map: ["SG"], id: "Tiny-v0" }), { maxEpisodeSteps: 3, description: "tiny" });
    assert.ok(knownEnvIds().includes("Tiny-v0"));
    assert.equal(makeVecEnv("Tiny-v0", { n: 2 }).maxEpisodeSteps, 3);
    registerEnv("Tiny-v0", (o) => new GridWorldVecEnv({ ...o, map: ["S.G"], id: "Tiny-v0" }), { maxEpisodeSteps: 4 });
    assert.deepEqual((makeVecEnv("Tiny-v0") as GridWorldVecEnv).map, ["S.G"]);
    assert.equal(envSpec("Tiny-v0").description, "");
    assert.throws(() => registerEnv("", (o) => new GridWorldVecEnv(o)), /non-empty string/);
  });

  test("same seed ⇒ same sequence, different seed ⇒ different", () => {
    const run = (seed: number) => {
      const env = makeVecEnv("GridWorld-Slippery-v0", { n: 4, seed });
      env.reset();
      const out: number[] = [];
      for (let t = 0; t < 30; t++) {
        env.step(Int32Array.of(1, 2, 1, 2));
        out.push(...env.obs);
      }
      return out;
    };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
  });

  test("knownEnvIds is sorted and holds every built-in id", () => {
    const ids = knownEnvIds();
    assert.deepEqual(ids, [...ids].sort());
    for (const id of ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", "GridWorld-v0", "GridWorld-Slippery-v0", "GridWorld-Cliff-v0", "Bandit-v0"]) {
      assert.ok(ids.includes(id), id);
    }
  });
});
