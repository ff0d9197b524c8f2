import assert from "node:assert/strict";
import { test } from "node:test";
import { asymre, groupRelative, isGroupAdvantage, opmd, opmdAdvantages, reinforcePlusPlus, rloo, type GroupAdvantageRuntime } from "../../../lib/pg/advantage/group-baselines.js";
import { gae } from "../../../lib/pg/advantage/gae.js";
import { createComponent, type Component } from "../../../lib/pg/component.js";

// Two groups of four completions: R = [1, 0, 0, 1] (card 11's example) and [1, 1, 1, 1] (no signal).
const rewards = Float64Array.of(1, 0, 0, 1, 1, 1, 1, 1);
const ids = Int32Array.of(0, 0, 0, 0, 1, 1, 1, 1);
const run = (c: Component) => createComponent<GroupAdvantageRuntime, unknown>(c, {}).groups(rewards, ids);
const near = (got: ArrayLike<number>, want: readonly number[], tol = 1e-5) =>
  want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= tol, `index ${i}: ${got[i]} vs ${w}`));

test("groupRelative: (R − mean)/(sample std + 1e-4) per group, mean-only with normalize none; a zero-variance group gets 0", () => {
  // sample std of [1,0,0,1] = √(1/3) = 0.57735; 0.5 / 0.57745 = 0.865876
  near(run(groupRelative()), [0.865876, -0.865876, -0.865876, 0.865876, 0, 0, 0, 0]);
  near(run(groupRelative({ normalize: "none" })), [0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0]);
  // population std of [1,0,0,1] = 0.5: 0.5 / 0.5001
  near(run(groupRelative({ std: "population", eps: 1e-4 })), [0.5 / 0.5001, -0.5 / 0.5001, -0.5 / 0.5001, 0.5 / 0.5001, 0, 0, 0, 0]);
});

test("rloo: the mean of the other G − 1 as baseline = G/(G−1)·(R − mean)", () => {
  // 1 − (0 + 0 + 1)/3 = 2/3; 0 − (1 + 0 + 1)/3 = −2/3
  near(run(rloo()), [2 / 3, -2 / 3, -2 / 3, 2 / 3, 0, 0, 0, 0]);
});

test("asymre: card 11's worked example, baseline lowered by τ = 0.1", () => {
  near(run(asymre()), [0.6, -0.4, -0.4, 0.6, 0.1, 0.1, 0.1, 0.1]);
});

test("opmd: group-mean baseline, or τ·log-mean-exp", () => {
  near(run(opmd()), [0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0]);
  // τ = 1: b = log((e + 1 + 1 + e)/4) = 0.6201145; the constant group: b = log(e) = 1
  near(run(opmd({ baseline: "logavgexp", tau: 1 })), [0.3798855, -0.6201145, -0.6201145, 0.3798855, 0, 0, 0, 0]);
  // τ → large: log-mean-exp → mean
  near(opmdAdvantages(rewards, ids, "logavgexp", 1e4), [0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0], 1e-4);
});

test("reinforcePlusPlus: group-centered rewards z-scored over the whole batch", () => {
  // centered = [.5, −.5, −.5, .5, 0, 0, 0, 0]: mean 0, sample std √(1/7) = 0.377964 → ±1.322876
  near(run(reinforcePlusPlus()), [1.322876, -1.322876, -1.322876, 1.322876, 0, 0, 0, 0]);
});

test("group advantages are told apart from env estimators, which refuse completions", () => {
  assert.equal(isGroupAdvantage(createComponent(groupRelative(), {})), true);
  assert.equal(isGroupAdvantage(createComponent(gae(), {})), false);
  assert.throws(() => createComponent<GroupAdvantageRuntime, unknown>(rloo(), {}).prepare(null as never, null as never), /sequence run/);
});
