import assert from "node:assert/strict";
import { test } from "node:test";
import { rl } from "../../lib/index.js";

test("run.rollouts records the greedy policy: whole episodes or a step budget, marked offline, with log-probs and values; same seed, same rows", async () => {
  const run = rl.env("CartPole-v1", { n: 4, seed: 2 }).algo(rl.ppo()).record(false).build();
  await run.train({ steps: 8192 });
  const ds = await run.rollouts({ episodes: 5, seed: 3 });
  const summaries = ds.episodeSummaries();
  assert.equal(summaries.length, 5);
  assert.ok(summaries.every((e) => e.complete));
  const source = ds.table.getChild("source")!;
  assert.ok(Array.from({ length: ds.numSteps }, (_, i) => source.get(i)).every((s) => s === "offline"));
  const logp = ds.table.getChild("behavior_logp")!.toArray() as Float32Array;
  assert.ok(logp.every((x) => Number.isFinite(x) && x <= 0 && x >= Math.log(0.5) - 1e-6), "greedy actions are at least as likely as the other of two");
  assert.ok((ds.table.getChild("value")!.toArray() as Float32Array).every(Number.isFinite));
  const again = await run.rollouts({ episodes: 5, seed: 3 });
  assert.deepEqual(again.table.getChild("obs")!.data[0]!.children[0]!.values, ds.table.getChild("obs")!.data[0]!.children[0]!.values);
  const fixed = await run.rollouts({ steps: 100, n: 4, source: "teacher" });
  assert.equal(fixed.numSteps, 100);
  assert.equal(fixed.table.getChild("source")!.get(0), "teacher");
  await assert.rejects(run.rollouts({ episodes: 2, steps: 10 }), /give episodes or steps, not both/);
  await assert.rejects(run.rollouts({ episodes: 0 }), /rollouts\(\{ episodes \}\): expected a positive integer, got 0/);
  run.dispose();
});

test("rollouts, evaluate and the episode viewer refuse env options that change the spaces; a budget too small for whole episodes is named", async () => {
  const run = rl.env("GridWorld-v0", { n: 2, seed: 1 }).algo(rl.ppo()).build();
  await run.train({ steps: 512 });
  const smaller = { map: ["S..", "..G"] };
  await assert.rejects(run.rollouts({ episodes: 1, env: smaller }), /^Error: rollouts\(\{ env \}\): with \{"map":\["S\.\.","\.\.G"\]\} the env observes 6 values .* but the policy was trained on 25/);
  await assert.rejects(run.evaluate({ episodes: 1, env: smaller }), /^Error: evaluate\(\{ env \}\): .* observes 6 values/);
  await assert.rejects(run.rollouts({ episodes: 50, maxSteps: 3 }), /only \d+ of 50 episodes ended within maxSteps = 3 vector steps/);
  run.dispose();
});
