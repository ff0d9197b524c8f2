import { test } from "node:test";
import assert from "node:assert/strict";
import { pairPreferenceLoss, type PairLossKind } from "../../lib/pg/preference/pair-loss.js";
import { lambdaLoss } from "../../lib/pg/preference/lambda-loss.js";
import { anchoredFlipLoss } from "../../lib/pg/preference/anchored-flip.js";
import { Rng } from "../../lib/random/rng.js";

const near = (a: number, b: number, tol = 1e-6, what = "") => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test("DPO, IPO and hinge on METHODS.md card 7's pair: chosen log-ratio +2, rejected −1, β = 0.1", () => {
  // h = 2 − (−1) = 3.  DPO: −log σ(0.3) = log(1 + e^{−0.3}) = 0.554355.  IPO: (3 − 1/0.2)² = 4.  Hinge: max(0, 1 − 0.3) = 0.7.
  const pair = { chosen: -3, refChosen: -5, rejected: -6, refRejected: -5 };
  const dpo = pairPreferenceLoss(pair, 0.1);
  assert.equal(dpo.h, 3);
  near(dpo.loss, 0.554355, 1e-6, "dpo");
  near(dpo.dH, -0.1 * (1 - 1 / (1 + Math.exp(-0.3))), 1e-12, "dpo slope −β σ(−βh)");
  const ipo = pairPreferenceLoss(pair, 0.1, "ipo");
  near(ipo.loss, 4, 1e-12, "ipo");
  near(ipo.dH, -4, 1e-12, "ipo slope 2(h − 1/(2β))");
  const hinge = pairPreferenceLoss(pair, 0.1, "hinge");
  near(hinge.loss, 0.7, 1e-12, "hinge");
  assert.equal(hinge.dH, -0.1);
  assert.deepEqual(pairPreferenceLoss({ ...pair, chosen: 100 }, 0.1, "hinge"), { loss: 0, dH: 0, h: 106 });
});

test("pair losses: the slope matches finite differences; far margins stay finite", () => {
  const rng = Rng.fromSeed(4);
  for (const kind of ["sigmoid", "ipo", "hinge"] as PairLossKind[]) {
    for (let n = 0; n < 20; n++) {
      const p = { chosen: rng.uniform(-20, 0), rejected: rng.uniform(-20, 0), refChosen: rng.uniform(-20, 0), refRejected: rng.uniform(-20, 0) };
      const beta = rng.uniform(0.05, 1);
      const r = pairPreferenceLoss(p, beta, kind);
      if (kind === "hinge" && Math.abs(1 - beta * r.h) < 1e-3) continue; // the kink
      const e = 1e-6;
      const fd = (pairPreferenceLoss({ ...p, chosen: p.chosen + e }, beta, kind).loss - pairPreferenceLoss({ ...p, chosen: p.chosen - e }, beta, kind).loss) / (2 * e);
      near(r.dH, fd, 1e-5, `${kind} d/dlogπ(y_w)`);
      const fdL = (pairPreferenceLoss({ ...p, rejected: p.rejected + e }, beta, kind).loss - pairPreferenceLoss({ ...p, rejected: p.rejected - e }, beta, kind).loss) / (2 * e);
      near(-r.dH, fdL, 1e-5, `${kind} d/dlogπ(y_l)`);
    }
  }
  for (const chosen of [-1e4, 1e4]) {
    const r = pairPreferenceLoss({ chosen, rejected: 0, refChosen: 0, refRejected: 0 }, 1);
    assert.ok(Number.isFinite(r.loss) && Number.isFinite(r.dH), `h = ${chosen}: ${r.loss}, ${r.dH}`);
  }
  near(pairPreferenceLoss({ chosen: -1e4, rejected: 0, refChosen: 0, refRejected: 0 }, 1).loss, 1e4, 1e-12, "−log σ(−10⁴)");
});

test("pair losses refuse β ≤ 0, NaN log-probabilities and unknown kinds", () => {
  const pair = { chosen: -1, refChosen: -1, rejected: -1, refRejected: -1 };
  assert.throws(() => pairPreferenceLoss(pair, 0), /β must be a finite number > 0/);
  assert.throws(() => pairPreferenceLoss({ ...pair, chosen: NaN }, 0.1), /NaN/);
  assert.throws(() => pairPreferenceLoss(pair, 0.1, "kto" as never), /kind must be "sigmoid", "ipo" or "hinge"/);
});

test("LiPO-λ on METHODS.md card 8's list: ψ = [1, 0.5, 0], s = [0.2, 0.5, −0.1]", () => {
  // ranks τ = [2, 1, 3]; G = [1, 0.414214, 0]
  // Δ12 = 0.585786·|1/log2 3 − 1| = 0.216196, ℓ = log(1 + e^{0.3}) = 0.854355
  // Δ13 = 1·|1/log2 3 − 1/2| = 0.130930,      ℓ = log(1 + e^{−0.3}) = 0.554355
  // Δ23 = 0.414214·|1 − 1/2| = 0.207107,       ℓ = log(1 + e^{−0.6}) = 0.437488
  const r = lambdaLoss([0.2, 0.5, -0.1], [1, 0.5, 0]);
  assert.deepEqual(r.pairs.map((p) => [p.i, p.j]), [[0, 1], [0, 2], [1, 2]]);
  [0.216196, 0.13093, 0.207107].forEach((w, k) => near(r.pairs[k]!.weight, w, 1e-5, `Δ of pair ${k}`));
  near(r.loss, 0.347897, 1e-5, "L");
});

test("LiPO-λ with a list of two is DPO's loss times 1 − 1/log₂ 3, either way the scores order it", () => {
  const factor = 1 - 1 / Math.log2(3);
  const rng = Rng.fromSeed(9);
  for (let n = 0; n < 20; n++) {
    const beta = 0.1;
    const p = { chosen: rng.uniform(-10, 0), rejected: rng.uniform(-10, 0), refChosen: rng.uniform(-10, 0), refRejected: rng.uniform(-10, 0) };
    const s = [beta * (p.chosen - p.refChosen), beta * (p.rejected - p.refRejected)];
    const lipo = lambdaLoss(s, [1, 0]);
    const dpo = pairPreferenceLoss(p, beta);
    near(lipo.loss, factor * dpo.loss, 1e-9, "loss");
    // dℓ/d log π(y_w) = β dℓ/ds_w
    near(beta * lipo.dScores[0]!, factor * dpo.dH, 1e-9, "slope");
  }
});

test("LiPO-λ's slope matches finite differences (ranks held), and bad lists are refused", () => {
  const rng = Rng.fromSeed(2);
  for (let n = 0; n < 10; n++) {
    const k = 2 + rng.int(6);
    const s = Array.from({ length: k }, () => rng.uniform(-2, 2));
    const psi = Array.from({ length: k }, () => rng.int(4) / 2);
    const r = lambdaLoss(s, psi);
    for (let i = 0; i < k; i++) {
      const e = 1e-7;
      const up = s.slice();
      const down = s.slice();
      up[i]! += e;
      down[i]! -= e;
      near(r.dScores[i]!, (lambdaLoss(up, psi).loss - lambdaLoss(down, psi).loss) / (2 * e), 1e-5, `dℓ/ds_${i}`);
    }
  }
  assert.equal(lambdaLoss([0.3, 0.1], [1, 1]).loss, 0, "equal labels: no pair");
  assert.throws(() => lambdaLoss([0.1], [1]), /at least 2 completions/);
  assert.throws(() => lambdaLoss([0.1, 0.2], [1]), /2 scores and 1 labels/);
  assert.throws(() => lambdaLoss([0.1, NaN], [1, 0]), /score 1 is NaN/);
});

test("SePPO's anchored flip on METHODS.md card 9 (scale 10): the reference sample is a loser, then a second positive", () => {
  // Δ_w = −0.10 → s = +1, Δ_l = 0.05: z = −10·(−0.10 − 0.05) = 1.5, ℓ = log(1 + e^{−1.5}) = 0.201413
  const loser = anchoredFlipLoss(-0.1, 0.05, 10);
  assert.equal(loser.sign, 1);
  near(loser.loss, 0.201413, 1e-6, "loser");
  // Δ_w = +0.10 → s = −1: z = −10·(0.10 + 0.05) = −1.5, ℓ = 1.701413
  const flipped = anchoredFlipLoss(0.1, 0.05, 10);
  assert.equal(flipped.sign, -1);
  near(flipped.loss, 1.701413, 1e-6, "flipped");
  for (const [dw, dl] of [[-0.1, 0.05], [0.1, 0.05], [-0.3, -0.2], [0.2, 0.4]] as const) {
    const r = anchoredFlipLoss(dw, dl, 10);
    const e = 1e-7;
    near(r.dWinner, (anchoredFlipLoss(dw + e, dl, 10).loss - anchoredFlipLoss(dw - e, dl, 10).loss) / (2 * e), 1e-5, "dℓ/dΔ_w");
    near(r.dReference, (anchoredFlipLoss(dw, dl + e, 10).loss - anchoredFlipLoss(dw, dl - e, 10).loss) / (2 * e), 1e-5, "dℓ/dΔ_l");
  }
  assert.throws(() => anchoredFlipLoss(0.1, 0.05, 0), /scale must be a finite number > 0/);
  assert.throws(() => anchoredFlipLoss(NaN, 0.05, 1), /must be finite/);
});
