// OGSRL's parts: the synthetic patient, recorded behavior, the learned
// dynamics model and the model env, the Christoffel guard at any degree,
// and the safety evaluation on the real env.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { rl } from "../../lib/index.js";
import { clinicianDoses, TreatmentVecEnv } from "../../lib/envs/constrained/treatment.js";
import { makeVecEnv } from "../../lib/envs/registry.js";
import { recordBehavior } from "../../lib/data/behavior-data.js";
import { ChristoffelGuard, monomialExponents } from "../../lib/safe/christoffel-guard.js";
import { DynamicsModel } from "../../lib/safe/dynamics-model.js";
import { modelCmdp } from "../../lib/safe/model-cmdp.js";
import { evaluateSafety } from "../../lib/safe/safety-eval.js";
import { SupportGuard } from "../../lib/safe/support-guard.js";
import { Rng } from "../../lib/random/rng.js";

const danger = (_s: Float32Array, _a: number | Float32Array, next: Float32Array) => (next[1]! > 1.5 ? 1 : 0);

describe("Treatment-v0", () => {
  test("one step by hand (no noise): the dose treats, a high dose harms", () => {
    const env = new TreatmentVecEnv({ n: 3, rng: Rng.fromSeed(0), noise: 0 });
    env.reset({ state: [[3, 0], [3, 0.6], [3, 0]] });
    env.step(Int32Array.of(0, 2, 1));
    // s1' = 0.95·3 + 0.1 − 0.3·dose; s2' = 0.7·s2 + 0.25·dose²
    const want = [
      [2.95, 0],
      [2.35, 1.42],
      [2.65, 0.25],
    ];
    want.forEach(([a, b], i) => {
      assert.ok(Math.abs(env.obs[2 * i]! - a!) < 1e-6 && Math.abs(env.obs[2 * i + 1]! - b!) < 1e-6, `copy ${i}: ${env.obs[2 * i]}, ${env.obs[2 * i + 1]}`);
      assert.ok(Math.abs(env.rewards[i]! + a!) < 1e-6);
    });
    assert.deepEqual([...env.costs], [0, 0, 0]);
    env.step(Int32Array.of(0, 2, 1));
    assert.deepEqual([...env.costs], [0, 1, 0], "a second high dose crosses 1.5 (0.7·1.42 + 1 = 1.994)");
    assert.throws(() => makeVecEnv("Treatment-v0", { noise: -1 }), /noise must be a finite number ≥ 0/);
  });

  test("the clinician: low dose while ill, never two high doses in a row by rule", () => {
    const rng = Rng.fromSeed(1);
    const obs = Float32Array.of(3, 0, 3, 0.8, 0.2, 0);
    const counts = [new Map<number, number>(), new Map<number, number>(), new Map<number, number>()];
    const a = new Int32Array(3);
    for (let k = 0; k < 4000; k++) {
      clinicianDoses(obs, 3, a, rng);
      a.forEach((x, i) => counts[i]!.set(x, (counts[i]!.get(x) ?? 0) + 1));
    }
    const share = (i: number, dose: number) => (counts[i]!.get(dose) ?? 0) / 4000;
    // ill, low side effect: high with 0.25 (+ random 0.1/3), low otherwise
    assert.ok(Math.abs(share(0, 2) - (0.9 * 0.25 + 0.1 / 3)) < 0.03, `high ${share(0, 2)}`);
    assert.ok(Math.abs(share(1, 2) - 0.1 / 3) < 0.015, "side effect 0.8: high only at random");
    assert.ok(Math.abs(share(2, 0) - (0.9 + 0.1 / 3)) < 0.03, "healthy: no dose");
  });
});

describe("recorded behavior and the learned model", () => {
  const data = recordBehavior("Treatment-v0", clinicianDoses, { episodes: 40, seed: 3 });

  test("rl.dataset.record: whole episodes of the behavior, with costs, seeded", () => {
    assert.equal(data.episodes().length, 40);
    assert.equal(data.numSteps, 40 * 20);
    assert.ok(data.table.getChild("cost"), "the env's cost is recorded");
    const again = recordBehavior("Treatment-v0", clinicianDoses, { episodes: 40, seed: 3 });
    assert.deepEqual([...again.table.getChild("reward")!.toArray()], [...data.table.getChild("reward")!.toArray()]);
    assert.equal(rl.dataset.record, recordBehavior);
    assert.throws(() => recordBehavior("Treatment-v0", 3 as never), /act must be a function/);
    assert.throws(() => recordBehavior("Treatment-v0", clinicianDoses, { episodes: 0 }), /episodes must be a positive integer/);
    assert.throws(() => recordBehavior("Treatment-v0", clinicianDoses, { episodes: 5, maxSteps: 3 }), /only 0 of 5 episodes ended within maxSteps = 3/);
  });

  test("the dynamics model learns the patient: residuals near the env's noise", () => {
    const big = recordBehavior("Treatment-v0", clinicianDoses, { episodes: 200, seed: 4 });
    const model = DynamicsModel.fit(big, { actions: { kind: "discrete", n: 3 }, rng: Rng.fromSeed(0) });
    // the env's noise is 0.05 on both signs; the reward is −|s1'|, so its residual is ≈ the s1 noise
    for (const s of model.residualStd) assert.ok(s > 0.03 && s < 0.1, `residual std ${[...model.residualStd]}`);
    const next = new Float32Array(4);
    const rew = new Float32Array(2);
    model.predict(Float32Array.of(3, 0, 3, 0), Int32Array.of(1, 2), 2, next, rew);
    assert.ok(Math.abs(next[0]! - 2.65) < 0.1 && Math.abs(next[1]! - 0.25) < 0.1, `low dose: ${next[0]}, ${next[1]}`);
    assert.ok(Math.abs(next[2]! - 2.35) < 0.1 && Math.abs(next[3]! - 1) < 0.1, `high dose: ${next[2]}, ${next[3]}`);
    assert.ok(Math.abs(rew[0]! + 2.65) < 0.15);
    model.dispose();
  });

  test("modelCmdp: an env on the model with the costs 'ood' and the known ones, starting at the data's first observations", async () => {
    const cm = modelCmdp(data, { costs: { danger }, seed: 1, epochs: 20 });
    assert.equal(cm.transitions, 800);
    const env = makeVecEnv(cm.id, { n: 4, seed: 2 });
    assert.deepEqual(env.costNames, ["ood", "danger"]);
    assert.equal(env.maxEpisodeSteps, 20);
    env.reset();
    for (let i = 0; i < 4; i++) assert.ok(env.obs[2 * i]! >= 2 && env.obs[2 * i]! <= 4, "a start from the data (ill patients)");
    // a high dose while the side effect is high: outside the data's support
    env.reset({ state: [[3, 1.2], [3, 1.2], [3, 0], [3, 0]] });
    env.step(Int32Array.of(2, 2, 1, 1));
    assert.deepEqual([env.costs![0], env.costs![2], env.costs![4], env.costs![6]], [1, 1, 0, 0]);
    assert.deepEqual([env.costs![1], env.costs![3]], [1, 1], "the model predicts the danger zone after a high dose at 1.2");
    const a = makeVecEnv(cm.id, { n: 2, seed: 5 });
    const b = makeVecEnv(cm.id, { n: 2, seed: 5 });
    a.reset();
    b.reset();
    for (let t = 0; t < 5; t++) {
      a.step(Int32Array.of(1, 2));
      b.step(Int32Array.of(1, 2));
    }
    assert.deepEqual([...a.obs], [...b.obs], "seeded model noise");
    const none = modelCmdp(data, { coverage: null, epochs: 5 });
    assert.deepEqual(makeVecEnv(none.id).costNames, [], "no guard, no known costs: no costs");
    const run = rl.env(cm.id, { n: 4, seed: 1 }).policy(rl.mlp([16])).algo(rl.ppo({ numSteps: 16 }).constraint(rl.constraint.lagrangian({ cost: "ood", limit: 1 }))).record(false).build();
    await run.train({ steps: 640 });
    assert.equal(typeof (run.metrics.toArray().at(-1) as Record<string, number>).lambda, "number");
    run.dispose();
    assert.throws(() => modelCmdp(rl.dataset.from(data.table), { env: "NoSuch-v0" }), /Unknown env 'NoSuch-v0'/);
  });
});

describe("the Christoffel guard", () => {
  test("monomials up to degree d", () => {
    assert.deepEqual(monomialExponents(2, 2), [[0, 0], [1, 0], [0, 1], [2, 0], [1, 1], [0, 2]]);
    assert.equal(monomialExponents(3, 2).length, 10);
  });

  test("degree 2 in one variable, by hand: data {−1, 0, 1} gives q = 3 at the data, 57 at z = 2", () => {
    // v = (1, z, z²), M = [[1, 0, 2/3], [0, 2/3, 0], [2/3, 0, 2/3]]; M⁻¹ has the (1, z²) block [[3, −3], [−3, 4.5]] and 1.5 for z
    const g = ChristoffelGuard.fit([-1, 0, 1], 1, { degree: 2, coverage: 0.5, ridge: 0 });
    for (const z of [-1, 0, 1]) assert.ok(Math.abs(g.score([z]) - 3) < 1e-9, `q(${z}) = ${g.score([z])}`);
    assert.ok(Math.abs(g.score([2]) - 57) < 1e-9, `q(2) = ${g.score([2])}`);
    assert.ok(Math.abs(g.tau - 3) < 1e-9);
    // q(0.5): (1, 0.25) through the block: 3 − 2·0.75 + 4.5·0.0625 = 1.78125, plus 1.5·0.25 for z
    assert.ok(Math.abs(g.score([0.5]) - 2.15625) < 1e-9, `q(0.5) = ${g.score([0.5])}`);
    assert.equal(g.cost([0.5]), 0);
    assert.equal(g.cost([2]), 1);
  });

  test("degree 1 equals the Mahalanobis guard (1 + (z − μ)ᵀ Σ⁻¹ (z − μ))", () => {
    const rng = Rng.fromSeed(7);
    const rows = Float64Array.from({ length: 600 }, () => rng.normal());
    for (let i = 0; i < 200; i++) rows[i * 3 + 1] = rows[i * 3 + 1]! + 0.8 * rows[i * 3]!;
    const c = ChristoffelGuard.fit(rows, 3, { degree: 1, ridge: 0 });
    const s = SupportGuard.fit(rows, 3, { ridge: 0 });
    for (const z of [[0, 0, 0], [1, -2, 0.5], [3, 3, -1]]) assert.ok(Math.abs(c.score(z) - s.score(z)) < 1e-8, `${c.score(z)} vs ${s.score(z)}`);
  });

  test("degree 2 follows a correlated support that the ellipsoid cannot", () => {
    // a dose (0 or 1) given only at low side effect: z = (side effect, dose)
    const rng = Rng.fromSeed(2);
    const rows: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const side = rng.uniform(0, 1);
      rows.push(side, side < 0.4 && rng.float() < 0.5 ? 1 : 0);
    }
    const two = ChristoffelGuard.fit(rows, 2, { degree: 2, coverage: 0.99 });
    const one = SupportGuard.fit(rows, 2, { coverage: 0.99 });
    assert.equal(two.cost([0.6, 1]), 1, "a dose at side effect 0.6 is outside the degree-2 support");
    assert.equal(two.cost([0.2, 1]), 0);
    assert.equal(two.cost([0.9, 0]), 0);
    assert.equal(one.cost([0.6, 1]), 0, "the ellipsoid holds it");
  });

  test("bad input is a named error", () => {
    assert.throws(() => ChristoffelGuard.fit([1, 2], 1, { degree: 2 }), /need at least 3 rows/);
    assert.throws(() => ChristoffelGuard.fit([1, 2, 3], 1, { degree: 0 }), /degree must be an integer in 1…6/);
    assert.throws(() => ChristoffelGuard.fit([1, 2, 3, 4], 1, { degree: 1, coverage: 1 }), /coverage must be in \(0, 1\)/);
    assert.throws(() => ChristoffelGuard.fit([1, 2, 3], 1, { degree: 1 }).score([1, 2]), /expected 1 values, got 2/);
  });
});

describe("safety evaluation on the real env", () => {
  test("return, cost, violation and OOD rates; the same seed repeats", () => {
    const data = recordBehavior("Treatment-v0", clinicianDoses, { episodes: 100, seed: 1 });
    const cm = modelCmdp(data, { epochs: 1 });
    const a = evaluateSafety(clinicianDoses, "Treatment-v0", { episodes: 50, seed: 3, guard: cm.guard! });
    const b = evaluateSafety(clinicianDoses, "Treatment-v0", { episodes: 50, seed: 3, guard: cm.guard! });
    assert.deepEqual(a, b);
    assert.equal(a.returns.length, 50);
    assert.ok(a.oodRate > 0.01 && a.oodRate < 0.12, `the clinician is mostly inside its own data's support: ${a.oodRate}`);
    assert.equal(a.violationRate, a.costs.filter((c) => c > 0).length / 50);
    const alwaysHigh = evaluateSafety((_o, n, out) => out.fill(2, 0, n), "Treatment-v0", { episodes: 20, guard: cm.guard! });
    assert.equal(alwaysHigh.violationRate, 1);
    assert.ok(alwaysHigh.oodRate > 0.5, `always dosing high leaves the support: ${alwaysHigh.oodRate}`);
    assert.ok(Number.isNaN(evaluateSafety(clinicianDoses, "Treatment-v0", { episodes: 4 }).oodRate));
    assert.throws(() => evaluateSafety(clinicianDoses, "Treatment-v0", { episodes: 0 }), /episodes must be a positive integer/);
  });
});
