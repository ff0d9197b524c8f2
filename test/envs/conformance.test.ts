import assert from "node:assert/strict";
import { test } from "node:test";
import { makeVecEnv, knownEnvIds } from "../../lib/envs/registry.js";
import { vecEnvConformance } from "./conformance.js";
import { RandomWalk, drift } from "./custom-fixtures.js";

const CLASSIC = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"];

test("every classic-control env and every Trellis env is registered", () => {
  for (const id of [...CLASSIC, "GridWorld-v0", "Bandit-v0"]) assert.ok(knownEnvIds().includes(id), `${id} is registered`);
});

for (const id of knownEnvIds()) {
  vecEnvConformance(id, (options) => makeVecEnv(id, options));
}
vecEnvConformance("custom class RandomWalk", (options) => makeVecEnv(RandomWalk, { ...options, length: 4 }));
vecEnvConformance("custom definition Drift", (options) => makeVecEnv(drift, options));
vecEnvConformance("GridWorld coords + slip", (options) => makeVecEnv("GridWorld-v0", { ...options, observation: "coords", slip: 0.5 }));
