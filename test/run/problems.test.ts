import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../lib/index.js";
import { buildError } from "../helpers/runs.js";

const CODES = new Set(["unknown-option", "not-a-number", "out-of-range", "not-an-integer", "not-a-boolean", "not-one-of", "wrong-type", "incompatible", "unsupported", "missing"]);

test("build() reports problems as data: path and code for every algorithm, checked by code rather than text", () => {
  const dqn = buildError(() => rl.env("CartPole-v1").algo(rl.dqn({ lr: -1, doubleQ: 3, loss: "l1", bogus: 1, batchSize: 2.5 } as never)).build());
  assert.deepEqual([...dqn.codes].sort(), ["algo.batchSize not-an-integer", "algo.bogus unknown-option", "algo.doubleQ not-a-boolean", "algo.loss not-one-of", "algo.lr out-of-range"]);
  const bogus = dqn.problems.find((p) => p.code === "unknown-option")!;
  assert.equal(bogus.got, "bogus");
  const lr = dqn.problems.find((p) => p.path === "algo.lr")!;
  assert.equal(lr.expected, "a number > 0");
  assert.equal(lr.got, "-1");
  assert.deepEqual(buildError(() => rl.env("Pendulum-v1").algo(rl.dqn()).build()).codes, ["algo unsupported"]);
  assert.deepEqual(buildError(() => rl.env("CartPole-v1").algo(rl.sac({ tau: 0 })).build()).codes, ["algo.tau out-of-range", "algo unsupported"]);
  assert.deepEqual(buildError(() => rl.env("CartPole-v1", { n: 0 }).algo(rl.ppo()).build()).codes, ["env.n out-of-range"]);
  assert.deepEqual(buildError(() => rl.env("CartPole-v1").policy(rl.mlp([8], { activation: "gelu" as never })).algo(rl.ppo({ gae: { gamma: 2 } })).build()).codes, ["algo.gae.gamma out-of-range", "policy.activation not-one-of"]);
  // Env and algorithm problems together, each with its own code.
  const both = buildError(() => rl.env("CartPole-v1", { n: 3 }).policy(rl.mlp([8], { head: "gaussian" })).algo(rl.ppo({ numSteps: 10, minibatches: 4, clip: 0 })).build());
  assert.deepEqual(both.codes, ["algo.clip out-of-range", "algo.minibatches incompatible", "policy.head unsupported"]);
  for (const e of [dqn, both]) {
    for (const p of e.problems) {
      assert.ok(CODES.has(p.code), `known code: ${p.code}`);
      assert.ok(p.path.length > 0 && p.message.length > 0);
      assert.ok(e.message.includes(`${p.path}: ${p.message}`), "the error's text lists each problem as path: message");
    }
  }
});
