import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl } from "../../lib/index.js";
import { lagrangianAdvantages } from "../../lib/pg/constraint/constraint.js";
import { pgConfigFromJSON } from "../../lib/pg/spec.js";
import { makeVecEnv } from "../../lib/envs/registry.js";
import { pidLagrangianStep, type PidLagrangianState } from "../../lib/safe/lagrangian.js";

const close = (a: ArrayLike<number>, b: readonly number[], tol = 1e-4) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < tol, `[${i}] ${a[i]} vs ${b[i]}`);
};

const run = (algo: ReturnType<typeof rl.ppo>, seed = 1, env = "CartPole-Cost-v1", kwargs: Record<string, unknown> = {}) =>
  rl.env(env, { n: 8, seed, ...kwargs }).policy(rl.mlp([64, 64])).algo(algo).record(false).build();

describe("cost constraints (PPO-Lagrangian)", () => {
  test("the Lagrangian advantage, hand-worked", () => {
    // Â_r = [1, 3], Â_c = [2, 0] centred to [1, −1], λ = 0.5: ([1 − 0.5, 3 + 0.5]) / 1.5
    const a = Float32Array.of(1, 3);
    lagrangianAdvantages(a, [Float32Array.of(2, 0)], [0.5], false);
    close(a, [1 / 3, 7 / 3]);
    // standardized Â_r: [−1/√2, 1/√2]
    const s = Float32Array.of(1, 3);
    lagrangianAdvantages(s, [Float32Array.of(2, 0)], [0.5], true);
    close(s, [(-Math.SQRT1_2 - 0.5) / 1.5, (Math.SQRT1_2 + 0.5) / 1.5]);
    // two constraints, λ = [0.5, 1], Â_c2 = [0, 4] centred to [−2, 2]: ([1 − 0.5 + 2, 3 + 0.5 − 2]) / 2.5
    const two = Float32Array.of(1, 3);
    lagrangianAdvantages(two, [Float32Array.of(2, 0), Float32Array.of(0, 4)], [0.5, 1], false);
    close(two, [1, 0.6]);
    const zero = Float32Array.of(1, 3);
    lagrangianAdvantages(zero, [Float32Array.of(2, 0)], [0], false);
    close(zero, [1, 3], 1e-12);
    assert.throws(() => lagrangianAdvantages(zero, [], [1], false), /0 cost advantages for 1 multipliers/);
  });

  test("each update moves λ by dual ascent on the episodes' mean cost (the logged numbers redone)", async () => {
    const r = run(rl.ppo({ numSteps: 64 }).constraint(rl.constraint.lagrangian({ limit: 15, lr: 0.1 })));
    await r.train({ steps: 30_000 });
    const rows = r.metrics.toArray() as Record<string, number | null>[];
    let lambda = 0;
    let moved = 0;
    for (const row of rows) {
      if (typeof row.episodeCost === "number") lambda = Math.max(0, lambda + 0.1 * (row.episodeCost - 15));
      assert.ok(Math.abs(row.lambda! - lambda) < 1e-9, `update ${row.update}: λ ${row.lambda} vs ${lambda}`);
      assert.ok(Math.abs(row.costLimitGap! - (row.episodeCost! - 15)) < 1e-9);
      if (row.lambda! > 0) moved++;
    }
    assert.ok(moved > 0, "the constraint was active at some update");
    r.dispose();
  });

  test("the PID multiplier follows pidLagrangianStep", async () => {
    const gains = { kp: 0.2, ki: 0.05, kd: 0.1 };
    const r = run(rl.ppo({ numSteps: 64 }).constraint(rl.constraint.pidLagrangian({ limit: 10, ...gains })));
    await r.train({ steps: 20_000 });
    let state: PidLagrangianState = { integral: 0, previousCost: null };
    let lambda = 0;
    for (const row of r.metrics.toArray() as Record<string, number | null>[]) {
      if (typeof row.episodeCost === "number") ({ lambda, state } = pidLagrangianStep(state, row.episodeCost, 10, gains));
      assert.ok(Math.abs(row.lambda! - lambda) < 1e-9, `update ${row.update}: λ ${row.lambda} vs ${lambda}`);
    }
    r.dispose();
  });

  test("the constraint cuts the episode cost that unconstrained PPO runs up", async () => {
    const free = run(rl.ppo({ numSteps: 128 }));
    await free.train({ steps: 100_000 });
    const held = run(rl.ppo({ numSteps: 128 }).constraint(rl.constraint.lagrangian({ limit: 20 })));
    await held.train({ steps: 100_000 });
    const freeCost = free.episodeStats.meanCost()!;
    const heldCost = held.episodeStats.meanCost()!;
    assert.ok(freeCost > 60, `unconstrained PPO drifts: cost ${freeCost}`);
    assert.ok(heldCost < 30, `PPO-Lagrangian holds it near the limit 20: cost ${heldCost}`);
    const rows = held.metrics.toArray() as Record<string, number | null>[];
    const losses = rows.map((x) => x.costValueLoss!).filter((x) => Number.isFinite(x));
    assert.ok(losses.length > 10);
    free.dispose();
    held.dispose();
  });

  test("a constraint on one of several costs, or on their sum", async () => {
    const env = () => rl.env("GridWorld-Hazards-v0", { n: 4, seed: 2 }).policy(rl.mlp([16])).record(false);
    const one = env().algo(rl.ppo({ numSteps: 32 }).constraint(rl.constraint.lagrangian({ cost: "hazard", limit: 0.5 }))).build();
    await one.train({ steps: 2048 });
    assert.equal(typeof (one.metrics.toArray().at(-1) as Record<string, number>).lambda, "number");
    one.dispose();
  });

  test("configurations that cannot work are problems with paths", () => {
    const env = makeVecEnv("CartPole-v1", { n: 2 });
    const costed = makeVecEnv("CartPole-Cost-v1", { n: 2 });
    const policy = rl.mlp([8]);
    const paths = (spec: ReturnType<typeof rl.ppo>, e = costed) => spec.check(e, policy).map((p) => `${p.path}: ${p.message}`);
    assert.match(paths(rl.ppo().constraint(rl.constraint.lagrangian()), env).join("\n"), /algo\.constraint\[0\]: the env CartPole-v1 emits no costs to constrain/);
    assert.match(paths(rl.ppo().constraint(rl.constraint.lagrangian({ cost: "hazard" }))).join("\n"), /algo\.constraint\[0\]\.cost: the env CartPole-Cost-v1 has no cost 'hazard'; its costs are position/);
    assert.match(paths(rl.ppo().constraint(rl.constraint.lagrangian(), rl.constraint.pidLagrangian())).join("\n"), /two constraints on the cost 'all'/);
    assert.match(paths(rl.reinforce().constraint(rl.constraint.lagrangian())).join("\n"), /needs rl\.collect\.rollout\(\) and rl\.adv\.gae\(\), got episodes and monteCarlo/);
    assert.match(paths(rl.ppo().constraint(rl.constraint.lagrangian({ limit: -1 }))).join("\n"), /algo\.constraint\[0\]\.limit/);
    assert.match(paths(rl.ppo().constraint({ slot: "loss", kind: "clipped", config: {} } as never)).join("\n"), /expected a constraint component/);
    assert.deepEqual(paths(rl.ppo().constraint(rl.constraint.lagrangian({ cost: "position" }))), []);
    assert.deepEqual(rl.ppo().constraint(rl.constraint.lagrangian({ lr: 0 })).check(costed, policy).map((p) => p.path), ["algo.constraint[0].lr"]);
  });

  test("the configuration prints, and rebuilds from its JSON", () => {
    const spec = rl.ppo().constraint(rl.constraint.pidLagrangian({ limit: 5, kp: 0.3 }));
    assert.match(spec.describe(), /constraint\[0\] pidLagrangian/);
    const again = pgConfigFromJSON(JSON.parse(JSON.stringify(spec.toJSON())));
    assert.deepEqual(again.constraint, spec.config.constraint);
    assert.equal(pgConfigFromJSON(JSON.parse(JSON.stringify(rl.ppo().toJSON()))).constraint, undefined);
  });
});

test("a sequence run refuses a cost constraint by name", async () => {
  const { sequenceSpecProblems } = await import("../../lib/pg/seq/problems.js");
  const p = sequenceSpecProblems(rl.grpo().constraint(rl.constraint.lagrangian()));
  assert.ok(p.some((x) => x.path === "algo.constraint" && /a sequence run's task has no costs/.test(x.message)), JSON.stringify(p));
});
