// The worked examples of METHODS.md (cards 1–6, 10, 12, 13, 21), each recomputed by hand in a comment.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { allFailed, GHPO_STAGES, hintLength, roundHalfEven, solutionHint } from "../../lib/pg/guide/hint-prefix.js";
import { linearQuantile, squashedRatioLoss } from "../../lib/pg/guide/squashed-ratio.js";
import { comprehensionScore, needsTeachers, shapedLikelihood, topK } from "../../lib/pg/guide/teachers.js";
import { fDivergenceGenerator, fDivergencePenalty } from "../../lib/pg/divergence/f-divergence.js";
import { weightSoup } from "../../lib/pg/reference/soup.js";
import { empgAdvantages } from "../../lib/credit/empg.js";
import { selfAttributionAdvantages } from "../../lib/credit/self-attribution.js";
import { hybridAccuracy, hybridGroupAdvantages, preferredMode } from "../../lib/credit/hybrid-thinking.js";
import { completionGae, rlhfTokenRewards } from "../../lib/credit/rlhf-token-rewards.js";
import { INITIAL_MOMENTS, isMoments, mergeMoments, momentsStd } from "../../lib/credit/running-moments.js";
import { generalizedAdvantages } from "../../lib/credit/gae.js";
import { groupRelativeAdvantages } from "../../lib/credit/group-relative.js";
import { valueLoss } from "../../lib/pg/loss/value.js";
import { ahpoGate, imitationLoss } from "../../lib/losses/imitation.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const nearAll = (a: ArrayLike<number>, b: readonly number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) near(a[i]!, b[i]!, tol);
};

describe("card 1, GHPO: staged solution hints", () => {
  test("Python rounding, ties to even: round(2.5) = 2, round(10.5) = 10, round(3.5) = 4, round(2.6) = 3", () => {
    assert.equal(roundHalfEven(2.5), 2);
    assert.equal(roundHalfEven(10.5), 10);
    assert.equal(roundHalfEven(3.5), 4);
    assert.equal(roundHalfEven(2.6), 3);
    assert.equal(roundHalfEven(-1.5), -2);
  });

  test("a 20-character solution at ω 0.25 reveals 5 characters; len 10 at 0.25 → 2; len 14 at 0.75 → 10", () => {
    assert.deepEqual(GHPO_STAGES, [0.25, 0.5, 0.75]);
    assert.equal(hintLength(20, 0.25), 5);
    assert.equal(hintLength(10, 0.25), 2);
    assert.equal(hintLength(14, 0.75), 10);
    assert.equal(solutionHint("25*4=100,100-3=97", 0.5), "25*4=100"); // 17 chars · 0.5 = 8.5 → 8
  });

  test("a group is posed again only when every sample failed", () => {
    assert.equal(allFailed([0, 0, 0, 0]), true);
    assert.equal(allFailed([false, true, false]), false);
    assert.equal(allFailed([]), false);
  });

  test("stage-1 rewards [1,0,0,1]: mean 0.5, sample std 0.57735, Â = ±0.86588 with eps 1e-4", () => {
    const a = groupRelativeAdvantages(Float64Array.of(1, 0, 0, 1), new Int32Array(4), { eps: 1e-4 }).advantages;
    nearAll(a, [0.86588, -0.86588, -0.86588, 0.86588], 1e-5);
  });

  test("bad fractions and lengths are refused by name", () => {
    assert.throws(() => hintLength(5, 1.5), /fraction must be in \[0, 1\]/);
    assert.throws(() => hintLength(-1, 0.5), /non-negative integer/);
  });
});

describe("card 2, Guide: squashed importance ratio of hinted rollouts", () => {
  test("r = exp([−1.2, −0.5, −2.0] − [−0.4, −0.3, −0.1]) = [0.449329, 0.818731, 0.149569]; γ = q0.9 = 0.744850; token-mean loss with Â = 1 is −0.355705", () => {
    const logp = Float32Array.of(-1.2, -0.5, -2.0);
    const old = Float32Array.of(-0.4, -0.3, -0.1);
    const ratios = [0, 1, 2].map((i) => Math.exp(logp[i]! - old[i]!));
    nearAll(ratios, [0.449329, 0.818731, 0.149569], 1e-5);
    // sorted [0.149569, 0.449329, 0.818731]; position 0.9·2 = 1.8 → 0.449329 + 0.8·(0.818731 − 0.449329) = 0.744850
    near(linearQuantile(ratios, 0.9), 0.74485, 1e-5);
    const d = new Float32Array(3);
    const r = squashedRatioLoss(logp, old, Float32Array.of(1, 1, 1), Uint8Array.of(1, 1, 1), { kind: "quantile", q: 0.9, min: 1e-4 }, () => 1 / 3, d);
    near(r.gamma, 0.74485, 1e-5);
    near(r.loss, -0.355705, 1e-5);
    // ∂ℓ/∂log π = −Â γ r/(r+γ)² / 3: token 0: 0.74485·0.449329/1.194179² = 0.234695 → −0.078232
    near(d[0]!, -(0.74485 * 0.449329) / (1.194179 * 1.194179) / 3, 1e-5);
  });

  test("on-policy rows are left to the clipped surrogate: no loss, gradient untouched", () => {
    const d = Float32Array.of(7, 7);
    const r = squashedRatioLoss(Float32Array.of(-1, -1), Float32Array.of(-1, -1), Float32Array.of(1, 1), Uint8Array.of(0, 1), { kind: "constant", value: 1 }, () => 1, d);
    // the off-policy row: r = 1, γ = 1 → loss −0.5, ∂ = −1·1·1/4 = −0.25
    near(r.loss, -0.5);
    assert.equal(d[0], 7);
    near(d[1]!, -0.25);
  });

  test("the unguided group [0,0,0,0] re-rolled with a hint scores [1,1,0,0]: Â = [+0.866, +0.866, −0.866, −0.866]", () => {
    nearAll(groupRelativeAdvantages(Float64Array.of(1, 1, 0, 0), new Int32Array(4)).advantages, [0.866025, 0.866025, -0.866025, -0.866025], 1e-5);
  });

  test("quantiles: one value is itself, q 0 the min, q 1 the max; an empty list is refused", () => {
    assert.equal(linearQuantile([3], 0.9), 3);
    assert.equal(linearQuantile([4, 1, 3], 0), 1);
    assert.equal(linearQuantile([4, 1, 3], 1), 4);
    assert.throws(() => linearQuantile([], 0.5), /no values/);
  });
});

describe("card 3, AMPO: comprehension-ranked teachers and the shaped likelihood", () => {
  test("teacher answer-token probs A [0.9, 0.8] → 0.865, B [0.4, 0.6] → 0.55, C [0.05, 0.10] → 0.1675 (all well formatted): choose A, B", () => {
    const scores = [comprehensionScore([0.9, 0.8], true), comprehensionScore([0.4, 0.6], true), comprehensionScore([0.05, 0.1], true)];
    nearAll(scores, [0.865, 0.55, 0.1675]);
    assert.deepEqual(topK(scores, 2), [0, 1]);
    assert.deepEqual(topK([0.5, 0.5, 0.7], 2), [2, 0]); // ties: the earlier teacher first
  });

  test("a group of 8 all wrong gets teachers; two replaced: R = [1,1,0,0,0,0,0,0] → mean-only Â = [+0.75, +0.75, −0.25 ×6], std-normalized [+1.62018, +1.62018, −0.54006 ×6]", () => {
    assert.equal(needsTeachers([0, 0, 0, 0, 0, 0, 0, 0]), true);
    assert.equal(needsTeachers([0, 1]), false);
    const R = Float64Array.of(1, 1, 0, 0, 0, 0, 0, 0);
    nearAll(groupRelativeAdvantages(R, new Int32Array(8), { normalize: "none" }).advantages, [0.75, 0.75, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25]);
    nearAll(groupRelativeAdvantages(R, new Int32Array(8)).advantages, [1.62018, 1.62018, -0.54006, -0.54006, -0.54006, -0.54006, -0.54006, -0.54006], 1e-5);
  });

  test("a teacher token with p = 0.5: f = 0.5/0.6 = 0.833333, ∂f/∂log p = 0.5·0.1/0.36 = 0.138889", () => {
    const s = shapedLikelihood(Math.log(0.5));
    near(s.value, 0.833333);
    near(s.dLogp, 0.138889);
    // and a confident token saturates: p = 0.99 → ∂ = 0.099/1.1881 = 0.083326 < 0.138889
    near(shapedLikelihood(Math.log(0.99)).dLogp, 0.083326);
  });

  test("probabilities outside [0, 1] and empty answers are refused", () => {
    assert.throws(() => comprehensionScore([1.2], true), /probability 1.2/);
    assert.throws(() => comprehensionScore([], true), /no tokens/);
  });
});

describe("card 4, AHPO: imitation of the expert gated by the group's success", () => {
  test("N_on 4, R̂ 2: rewards [0,0,0,1] → 1 success < 2 → ξ = 1; expert tokens with probs [0.5, 0.25, 0.8]: L_off = 2.302585/3 = 0.767528; [1,1,0,1] → ξ = 0", () => {
    assert.equal(ahpoGate(1 / 4, 2 / 4), 1);
    assert.equal(ahpoGate(3 / 4, 2 / 4), 0);
    const d = new Float32Array(3);
    const r = imitationLoss(Float32Array.from([0.5, 0.25, 0.8], Math.log), 3, 1, d);
    near(r.loss, 0.767528, 1e-6);
    nearAll(d, [-1 / 3, -1 / 3, -1 / 3]);
  });
});

describe("card 5, DPH-RL: f-divergences from the reference's own samples", () => {
  const ref = [0.5, 0.2, 0.8].map(Math.log);
  const cur = [0.4, 0.3, 0.8].map(Math.log);

  test("u = [0.8, 1.5, 1.0]: forward g = [0.023144, 0.094535, 0], mean 0.039226", () => {
    const g = cur.map((l, i) => fDivergenceGenerator("forward", l, ref[i]!).value);
    nearAll(g, [0.023144, 0.094535, 0]);
    const d = new Float32Array(3);
    near(fDivergencePenalty("forward", Float32Array.from(cur), Float32Array.from(ref), 1, () => 1 / 3, d), 0.039226, 1e-6);
    // ∂g/∂log π = u − 1 = −0.2 → −0.2/3
    near(d[0]!, -0.2 / 3, 1e-6);
  });

  test("JS: g = [0.011134, 0.050339, 0], mean 0.020491", () => {
    const g = cur.map((l, i) => fDivergenceGenerator("js", l, ref[i]!).value);
    nearAll(g, [0.011134, 0.050339, 0]);
    near(g.reduce((a, b) => a + b) / 3, 0.020491, 1e-6);
  });

  test("every generator is 0 at u = 1, ≥ 0 elsewhere, and its derivative matches a finite difference", () => {
    for (const kind of ["forward", "js", "alpha"] as const) {
      near(fDivergenceGenerator(kind, -1, -1).value, 0, 1e-12);
      for (const logU of [-2, -0.5, 0.3, 1.5]) {
        const g = fDivergenceGenerator(kind, logU, 0);
        assert.ok(g.value >= 0, `${kind} at log u ${logU}: ${g.value}`);
        const h = 1e-6;
        const fd = (fDivergenceGenerator(kind, logU + h, 0).value - fDivergenceGenerator(kind, logU - h, 0).value) / (2 * h);
        near(g.dLogp, fd, 1e-6);
      }
    }
    // α = 0.2 at u = 2: (2^0.8 − 0.8·2 − 0.2)/(0.2·(−0.8)) = (1.7411011 − 1.8)/(−0.16) = 0.368118
    near(fDivergenceGenerator("alpha", Math.log(2), 0).value, 0.368118, 1e-6);
    assert.throws(() => fDivergenceGenerator("alpha", 0, 0, 1), /alpha must be in \(0, 1\)/);
  });
});

describe("card 6, SALSA: the weight soup reference", () => {
  test("θ1 = [1, −2], θ2 = [3, 0] → soup [2, −1]; with summed log-ratio 2, RM score 1, β 0.05: r = 1 − 0.1 = 0.9", () => {
    assert.deepEqual([...weightSoup([Float32Array.of(1, -2), Float32Array.of(3, 0)])], [2, -1]);
    assert.deepEqual([...weightSoup([Float32Array.of(1, -2), Float32Array.of(3, 0)], [0.25, 0.75])], [2.5, -0.5]);
    near(1 - 0.05 * 2, 0.9);
  });

  test("mismatched architectures and weights that do not sum to 1 are refused", () => {
    assert.throws(() => weightSoup([Float32Array.of(1), Float32Array.of(1, 2)]), /one architecture/);
    assert.throws(() => weightSoup([Float32Array.of(1), Float32Array.of(2)], [0.5, 0.6]), /sum to 1/);
    assert.throws(() => weightSoup([]), /at least one/);
  });
});

describe("card 10, EMPG: entropy-modulated step advantages", () => {
  test("two trajectories of 2 steps, A = ±1, entropies [0.2, 1.0] and [0.6, 1.4] → [1.389262, 0.614376, −1.261040, −0.742598]", () => {
    const a = empgAdvantages([0.2, 1.0, 0.6, 1.4], [0, 0, 1, 1], [1, -1]);
    nearAll(a, [1.389262, 0.614376, -1.26104, -0.742598], 1e-5);
    near(a.reduce((s, x) => s + x, 0), 0, 1e-12);
  });

  test("steps of a trajectory must be consecutive; trajectory ids must name an advantage", () => {
    assert.throws(() => empgAdvantages([1, 1, 1], [0, 1, 0], [1, -1]), /not consecutive/);
    assert.throws(() => empgAdvantages([1], [2], [1, -1]), /trajectory 2/);
  });
});

describe("card 12, AgentEvolver: self-attribution fused with the outcome", () => {
  test("traj 1 R = 1 [GOOD, BAD, GOOD], traj 2 R = 0 [BAD, BAD] → A1 = [1.212132, 1.070711, 1.141421], A2 = [−1.141421, −1.070711]", () => {
    const [a1, a2] = selfAttributionAdvantages([
      { group: 0, reward: 1, good: [true, false, true] },
      { group: 0, reward: 0, good: [false, false] },
    ]);
    nearAll(a1!, [1.212132, 1.070711, 1.141421]);
    nearAll(a2!, [-1.141421, -1.070711]);
  });

  test("groups are standardized separately; a group with equal rewards keeps R − mean (0) as its outcome part", () => {
    const [a, b, c] = selfAttributionAdvantages([
      { group: 0, reward: 1, good: [true, false, true] },
      { group: 0, reward: 0, good: [false, false] },
      { group: 5, reward: 1, good: [true] },
    ]);
    nearAll(a!, [1.212132, 1.070711, 1.141421]);
    assert.equal(b!.length, 2);
    // one GOOD step alone: p − μ = 0 → p̃ = 0; outcome R − mean = 0
    nearAll(c!, [0]);
  });
});

describe("card 13, HGPO: mode-choice and answer advantages", () => {
  test("think [0.9, 0.7] vs no-think [0.6, 0.5], δ 0.2: think preferred; mode tokens 1.5731 and −0.1589", () => {
    const modes = ["think", "think", "no_think", "no_think"] as const;
    const h = hybridGroupAdvantages([0.9, 0.7, 0.6, 0.5], [...modes], { alpha: 1, delta: 0.2 });
    assert.equal(h.preferred, "think");
    nearAll(h.inter, [0.866025, 0.866025, -0.866025, -0.866025], 1e-5);
    nearAll(h.intra, [0.707107, -0.707107, 0.707107, -0.707107], 1e-5);
    near(h.modeToken[0]!, 1.5731, 1e-4);
    near(h.modeToken[2]!, -0.1589, 1e-4);
  });

  test("within the margin the cheaper mode wins; Hybrid Accuracy counts agreeing choices", () => {
    assert.equal(preferredMode([0.8, 0.8, 0.7, 0.7], ["think", "think", "no_think", "no_think"], 0.2), "no_think");
    assert.equal(hybridAccuracy(["think", "no_think", "think"], ["think", "think", "think"]), 2 / 3);
    assert.throws(() => preferredMode([1, 1], ["think", "think"], 0), /both modes/);
  });
});

describe("card 21, PPO-max: token rewards, GAE and the clipped value loss", () => {
  test("log-ratio [0.1, −0.2, 0.3], η 0.01, score 2 / running std 4 → r = [−0.001, 0.002, 0.497]; V = [0.2, 0.3, 0.4], γ 1, λ 0.95 → A = [0.2834425, 0.19415, 0.097]", () => {
    const r = rlhfTokenRewards([0.1, -0.2, 0.3], 2, { eta: 0.01, scale: 4 });
    nearAll(r, [-0.001, 0.002, 0.497], 1e-7);
    const gae = generalizedAdvantages({ rewards: r, values: Float32Array.of(0.2, 0.3, 0.4), dones: new Float32Array(3), nextValue: Float32Array.of(0), nextDone: Float32Array.of(1), numEnvs: 1, gamma: 1, lambda: 0.95 });
    nearAll(gae.advantages, [0.2834425, 0.19415, 0.097], 1e-6);
    nearAll(gae.returns, [0.4834425, 0.49415, 0.497], 1e-6);
  });

  test("value clip: V_old 0.2, V 0.5, target 0.4834425 → 0.5·max(0.000274, 0.006963) = 0.003481", () => {
    const d = new Float32Array(1);
    near(valueLoss(Float32Array.of(0.5), Float32Array.of(0.4834425), Float32Array.of(0.2), 0.2, d), 0.003481, 1e-6);
  });

  test("completionGae gives the card's A and G, and equals one-env GAE with V_T = 0", () => {
    const r = rlhfTokenRewards([0.1, -0.2, 0.3], 2, { eta: 0.01, scale: 4 });
    const g = completionGae(r, [0.2, 0.3, 0.4], 1, 0.95);
    nearAll(g.advantages, [0.2834425, 0.19415, 0.097], 1e-6);
    nearAll(g.returns, [0.4834425, 0.49415, 0.497], 1e-6);
    const discounted = completionGae([1, 0, 2], [0.5, -0.5, 1], 0.9, 0.5);
    const env = generalizedAdvantages({ rewards: Float32Array.of(1, 0, 2), values: Float32Array.of(0.5, -0.5, 1), dones: new Float32Array(3), nextValue: Float32Array.of(0), nextDone: Float32Array.of(1), numEnvs: 1, gamma: 0.9, lambda: 0.5 });
    nearAll(discounted.advantages, Array.from(env.advantages), 1e-6);
    assert.throws(() => completionGae([1], [1, 2], 1, 1), /1 rewards but 2 values/);
  });

  test("running moments (MOSS-RLHF's RunningMoments): [1, 2, 3, 4] → mean 2.5, std √(5/3); then [5] → the std of 1..5, √2.5", () => {
    const a = mergeMoments(INITIAL_MOMENTS, [1, 2, 3, 4]);
    near(a.mean, 2.5, 1e-12);
    near(momentsStd(a), Math.sqrt(5 / 3), 1e-12);
    const b = mergeMoments(a, [5]);
    near(b.mean, 3, 1e-12);
    near(momentsStd(b), Math.sqrt(2.5), 1e-12);
    assert.equal(mergeMoments(b, []), b);
    assert.ok(Number.isNaN(momentsStd(mergeMoments(INITIAL_MOMENTS, [7]))), "one value has no std");
    assert.ok(isMoments(b) && !isMoments({ mean: 0, variance: -1, count: 1 }) && !isMoments({ mean: NaN, variance: 1, count: 1 }));
  });

  test("score clipping bounds the scaled score", () => {
    nearAll(rlhfTokenRewards([0, 0], 50, { eta: 0.01, scale: 2, clip: 10 }), [0, 10]);
  });
});
