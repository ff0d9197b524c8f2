import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl, RunConfigError } from "../../lib/index.js";
import { vectorize } from "../../lib/envs/custom.js";
import { Reach1D } from "./fixtures.js";
import { saveLoadContinues } from "../helpers/runs.js";

rl.registerEnv("Reach1D-test", (o) => vectorize(Reach1D, o), { maxEpisodeSteps: 20, description: "test fixture: 1-D reaching" });


describe("DQN, SAC and REINFORCE through rl.env(...).algo(...)", () => {
  test("rl.dqn: build, train, save to disk, load, continue identically", async () => {
    const make = () =>
      rl
        .env("CartPole-v1", { n: 2, seed: 3 })
        .policy(rl.mlp([16], { activation: "relu" }))
        .algo(rl.dqn({ learningStarts: 100, trainFrequency: 4, targetNetworkFrequency: 40, batchSize: 16, bufferSize: 400, logEvery: 20 }))
        .build();
    await saveLoadContinues(make, 500, 300);
  });

  test("rl.sac: build, train, save to disk, load, continue identically", async () => {
    const make = () =>
      rl
        .env("Reach1D-test", { n: 2, seed: 3 })
        .policy(rl.mlp([8, 8], { activation: "relu" }))
        .algo(rl.sac({ learningStarts: 40, batchSize: 16, logEvery: 10 }))
        .build();
    await saveLoadContinues(make, 101, 60);
  });

  test("rl.reinforce: build, train, save to disk, load, continue identically", async () => {
    const make = () => rl.env("CartPole-v1", { n: 2, seed: 3 }).policy(rl.mlp([16])).algo(rl.reinforce({ batchSteps: 150 })).build();
    await saveLoadContinues(make, 601, 600);
  });

  test("build() lists config problems and the action-space mismatch together", () => {
    assert.throws(
      () => rl.env("CartPole-v1").algo(rl.sac({ tau: 0 })).build(),
      (e: unknown) => {
        assert.ok(e instanceof RunConfigError);
        const text = e.lines.join("\n");
        assert.match(text, /algo\.tau: expected a number > 0 ≤ 1, got 0/);
        assert.match(text, /SAC needs a continuous \(box\) action space; CartPole-v1 has discrete actions Discrete\(2\): use rl\.dqn\(\)/);
        return true;
      },
    );
    assert.throws(() => rl.env("Reach1D-test").algo(rl.dqn()).build(), /DQN needs a discrete action space; Reach1D-test has continuous actions Box\(-1\.\.1, \[1\]\): use rl\.sac\(\)/);
  });
});
