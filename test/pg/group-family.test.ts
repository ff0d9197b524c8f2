// The GRPO family's cores on card 11's worked example and hand-sized cases.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { asymreAdvantages, reinforcePlusPlusAdvantages, rlooAdvantages } from "../../lib/credit/group-baselines.js";
import { groupRelativeAdvantages } from "../../lib/credit/group-relative.js";
import { gspoLoss } from "../../lib/pg/loss/gspo.js";
import { opmdLoss } from "../../lib/pg/loss/opmd.js";
import { recKeeps, recLoss } from "../../lib/pg/loss/rec.js";
import { segmentMeanWeights } from "../../lib/pg/aggregation.js";

const near = (a: number, b: number, tol = 1e-6, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);
const f32 = (...x: number[]) => Float32Array.from(x);
const one = { divisor: 1, weights: null } as const;

describe("group baselines (card 11: R = [1, 0, 0, 1] in one group)", () => {
  const R = Float64Array.of(1, 0, 0, 1);
  const ids = Int32Array.of(7, 7, 7, 7);
  test("mean-only (Dr.GRPO, OPMD's advantages): [0.5, −0.5, −0.5, 0.5]", () => {
    assert.deepEqual(Array.from(groupRelativeAdvantages(R, ids, { normalize: "none" }).advantages), [0.5, -0.5, -0.5, 0.5]);
  });
  test("AsymRE with τ = 0.1: [0.6, −0.4, −0.4, 0.6]", () => {
    const a = asymreAdvantages(R, ids, 0.1);
    [0.6, -0.4, -0.4, 0.6].forEach((x, i) => near(a[i]!, x, 1e-7));
  });
  test("RLOO: R_i minus the mean of the other three: 1 − 1/3, 0 − 2/3", () => {
    const a = rlooAdvantages(R, ids);
    [2 / 3, -2 / 3, -2 / 3, 2 / 3].forEach((x, i) => near(a[i]!, x, 1e-7));
    // A one-completion group and an all-equal group carry no signal.
    assert.deepEqual(Array.from(rlooAdvantages(Float64Array.of(1, 3, 3), Int32Array.of(0, 1, 1))), [0, 0, 0]);
  });
  test("REINFORCE++: group-centered [0.5, −0.5, −0.5, 0.5] and [1, −1] (group of two: R = [2, 0]), then batch-normalized by the sample std", () => {
    const a = reinforcePlusPlusAdvantages(Float64Array.of(1, 0, 0, 1, 2, 0), Int32Array.of(0, 0, 0, 0, 1, 1));
    // centered: [.5, −.5, −.5, .5, 1, −1], mean 0, sample variance (4·0.25 + 2·1)/5 = 0.6
    const s = Math.sqrt(0.6);
    [0.5, -0.5, -0.5, 0.5, 1, -1].forEach((x, i) => near(a[i]!, x / s, 1e-6));
  });
});

describe("OPMD's loss (card 11)", () => {
  test("log π = −1, log π_old = −1.2, Â = 0.5, τ = 0.1: loss 0.504, ∂/∂log π = −0.46", () => {
    const d = new Float32Array(1);
    const r = opmdLoss(f32(-1), f32(-1.2), f32(0.5), 0.1, one, d);
    near(r.loss, 0.504, 1e-6);
    near(d[0]!, -0.46, 1e-6);
  });
});

describe("REC masks (card 11: Â = ±0.5, ε = 0.2, ring ε′ = 0.6 / 2.0)", () => {
  const b = { low: 0.2, high: 0.2, ringLow: 0.6, ringHigh: 2 };
  test("one side: r = 1.3, Â = +0.5 masked; r = 0.7, Â = +0.5 kept; r = 0.7, Â = −0.5 masked (needs r ≥ 0.8)", () => {
    assert.equal(recKeeps("oneSideNoIS", 1.3, 0.5, b), false);
    assert.equal(recKeeps("oneSideNoIS", 0.7, 0.5, b), true);
    assert.equal(recKeeps("oneSideNoIS", 0.7, -0.5, b), false);
  });
  test("two side keeps only the band; the ring also keeps Â = −0.5 at r = 3.5 ≥ 3.0 and Â = +0.5 at r = 0.3 ≤ 0.4", () => {
    assert.equal(recKeeps("twoSideIS", 0.7, 0.5, b), false);
    assert.equal(recKeeps("twoSideIS", 1.1, -0.5, b), true);
    assert.equal(recKeeps("ringNoIS", 3.5, -0.5, b), true);
    assert.equal(recKeeps("ringNoIS", 2.5, -0.5, b), false);
    assert.equal(recKeeps("ringNoIS", 0.3, 0.5, b), true);
  });
  test("loss: NoIS −Â log π on kept rows, IS −Â r; gradients −Â and −Â r; masked rows 0", () => {
    // Rows: (log π, log π_old, Â) = (−1, −1, 0.5) kept, r = 1; (log 1.3 − 1, −1, 0.5) masked.
    const logp = f32(-1, Math.log(1.3) - 1);
    const old = f32(-1, -1);
    const adv = f32(0.5, 0.5);
    const d = new Float32Array(2);
    const noIs = recLoss("oneSideNoIS", logp, old, adv, b, { divisor: 2, weights: null }, d);
    near(noIs.loss, (0.5 * 1) / 2, 1e-7); // −0.5 · (−1) / 2
    near(d[0]!, -0.25, 1e-7);
    assert.equal(d[1], 0);
    assert.equal(noIs.maskedFrac, 0.5);
    const is = recLoss("oneSideIS", logp, old, adv, b, { divisor: 2, weights: null }, d);
    near(is.loss, -0.25, 1e-7); // −0.5 · 1 / 2
    near(d[0]!, -0.25, 1e-7);
  });
});

describe("GSPO's sequence ratio", () => {
  test("two sequences under the sequence mean: one unclipped (s = √(1.1 · 0.9)), one clipped (s = 1.5 > 1.2)", () => {
    const logp = f32(Math.log(1.1), Math.log(0.9), Math.log(1.5));
    const old = f32(0, 0, 0);
    const adv = f32(1, 1, 1);
    const seg = Int32Array.of(0, 0, 1);
    const d = new Float32Array(3);
    const r = gspoLoss(logp, old, adv, seg, { low: 0.2, high: 0.2 }, { divisor: null, weights: segmentMeanWeights(seg, 3) }, d);
    const s = Math.sqrt(1.1 * 0.9);
    near(r.loss, 0.5 * -s + 0.5 * -1.2, 1e-6, "loss");
    near(d[0]!, (0.5 * -s) / 2, 1e-6, "d0");
    near(d[1]!, (0.5 * -s) / 2, 1e-6, "d1");
    assert.equal(d[2], 0);
    assert.equal(r.clipfrac, 0.5);
  });
});
