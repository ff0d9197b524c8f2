// Issue 15's formulas on the cards' worked examples: dual ascent and the PID
// Lagrangian, OGSRL's degree-1 support guardian (= the empirical Christoffel
// function), and TS-DDR's reservoir stage with its dual gradient.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dualAscentStep, pidLagrangianStep } from "../../lib/safe/lagrangian.js";
import { SupportGuard } from "../../lib/safe/support-guard.js";
import { reservoirStage } from "../../lib/safe/reservoir-stage.js";
import { Rng } from "../../lib/random/rng.js";

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe("Lagrange multipliers", () => {
  test("dual ascent: λ 0.5, η 0.1, Ĵ_c 3, d 2 → 0.6 (card 20); never below 0", () => {
    near(dualAscentStep(0.5, 3, 2, 0.1), 0.6, 1e-12, "card 20");
    assert.equal(dualAscentStep(0.05, 0, 2, 0.1), 0);
    assert.throws(() => dualAscentStep(-1, 0, 0, 0.1), /λ must be ≥ 0/);
    assert.throws(() => dualAscentStep(0, NaN, 0, 0.1), /the cost must be finite/);
  });

  test("PID Lagrangian by hand: K_P 1, K_I 0.5, K_D 2, d 2, costs 3, 5, 1 → λ 1.5, 9, 0.5", () => {
    const gains = { kp: 1, ki: 0.5, kd: 2 };
    let state = { integral: 0, previousCost: null as number | null };
    const lambdas: number[] = [];
    for (const cost of [3, 5, 1]) {
      const r = pidLagrangianStep(state, cost, 2, gains);
      lambdas.push(r.lambda);
      state = { ...r.state };
    }
    // e = 1, I = 1: 1 + 0.5; e = 3, I = 4, ∂ = 2: 3 + 2 + 4; e = −1, I = 3, ∂ = 0: −1 + 1.5.
    assert.deepEqual(lambdas, [1.5, 9, 0.5]);
    assert.throws(() => pidLagrangianStep(state, 1, 2, { kp: -1, ki: 0, kd: 0 }), /kp must be a finite number ≥ 0/);
  });

  test("K_I alone is dual ascent with η = K_I from λ = 0", () => {
    const rng = Rng.fromSeed(1);
    let lambda = 0;
    let state = { integral: 0, previousCost: null as number | null };
    for (let k = 0; k < 100; k++) {
      const cost = rng.uniform(0, 4);
      lambda = dualAscentStep(lambda, cost, 2, 0.3);
      const r = pidLagrangianStep(state, cost, 2, { kp: 0, ki: 0.3, kd: 0 });
      state = { ...r.state };
      near(r.lambda, lambda, 1e-9, `update ${k}`);
    }
  });
});

describe("OGSRL's support guardian (degree 1)", () => {
  test("card 20: μ (0, 0), Σ diag(4, 1): q(2, 1) = 3 inside, q(6, 0) = 10 outside; τ = 1 + χ²₂(0.95) = 6.991", () => {
    const g = SupportGuard.fromMoments([0, 0], [4, 0, 0, 1]);
    near(g.tau, 6.991465, 1e-6, "τ");
    near(g.score([2, 1]), 3, 1e-12, "q(2, 1)");
    near(g.score([6, 0]), 10, 1e-12, "q(6, 0)");
    assert.equal(g.cost([2, 1]), 0);
    assert.equal(g.cost([6, 0]), 1);
  });

  test("fitted to data it is the empirical Christoffel function v(z)ᵀ M⁻¹ v(z), v = (1, z)", () => {
    const rng = Rng.fromSeed(2);
    const n = 200;
    const k = 3;
    const rows = Float64Array.from({ length: n * k }, (_, i) => rng.normal() * (1 + (i % k)) + (i % k));
    const g = SupportGuard.fit(rows, k, { ridge: 0 });
    // M = (1/n) Σ v vᵀ, (k + 1) × (k + 1); solve M x = v(z) by Gaussian elimination.
    const K = k + 1;
    const m = new Float64Array(K * K);
    for (let i = 0; i < n; i++) {
      const v = [1, ...rows.subarray(i * k, (i + 1) * k)];
      for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) m[a * K + b] = m[a * K + b]! + (v[a]! * v[b]!) / n;
    }
    const solve = (rhs: number[]) => {
      const a = Array.from({ length: K }, (_, r) => [...m.subarray(r * K, (r + 1) * K), rhs[r]!]);
      for (let c = 0; c < K; c++) {
        const p = a.slice(c).reduce((best, row, i) => (Math.abs(row[c]!) > Math.abs(a[best]![c]!) ? c + i : best), c);
        [a[c], a[p]] = [a[p]!, a[c]!];
        for (let r = 0; r < K; r++) if (r !== c) {
          const f = a[r]![c]! / a[c]![c]!;
          for (let j = c; j <= K; j++) a[r]![j] = a[r]![j]! - f * a[c]![j]!;
        }
      }
      return a.map((row, r) => row[K]! / row[r]!);
    };
    for (let t = 0; t < 5; t++) {
      const z = [rng.normal() * 3, rng.normal() * 3, rng.normal() * 3];
      const v = [1, ...z];
      const x = solve(v);
      near(g.score(z), v.reduce((s, vi, i) => s + vi * x[i]!, 0), 1e-8, `q(z ${t})`);
    }
  });

  test("bad moments and data are named", () => {
    assert.throws(() => SupportGuard.fromMoments([0, 0], [1, 0, 0]), /needs 4 covariance entries/);
    assert.throws(() => SupportGuard.fromMoments([0, 0], [1, 2, 2, 1]), /not positive definite/);
    assert.throws(() => SupportGuard.fit([1, 2, 3], 3), /at least 2 rows/);
    assert.throws(() => SupportGuard.fromMoments([0], [1], { tau: 0.5 }), /tau must be a finite number > 1/);
  });
});

describe("TS-DDR's reservoir stage (card 19)", () => {
  const stage = { storage: 5, inflow: 2, demand: 4, thermalCost: 2, penalty: 10 };
  test("x̂ = 4 is tracked (V 2, dual +2); x̂ = 8 saturates at x = 7 (V 18, +10); x̂ = 2 at x = 3 (V 10, −10)", () => {
    assert.deepEqual(reservoirStage(stage, 4), { value: 2, storage: 4, thermal: 1, dTarget: 2 });
    assert.deepEqual(reservoirStage(stage, 8), { value: 18, storage: 7, thermal: 4, dTarget: 10 });
    assert.deepEqual(reservoirStage(stage, 2), { value: 10, storage: 3, thermal: 0, dTarget: -10 });
  });

  test("the dual is the slope of V in the target (finite differences away from the kinks); a weak penalty stops tracking", () => {
    const rng = Rng.fromSeed(3);
    for (let n = 0; n < 50; n++) {
      const x = rng.uniform(0, 10);
      if ([3, 7].some((k) => Math.abs(x - k) < 1e-3)) continue;
      const e = 1e-6;
      near(reservoirStage(stage, x).dTarget, (reservoirStage(stage, x + e).value - reservoirStage(stage, x - e).value) / (2 * e), 1e-5, `x̂ ${x}`);
    }
    const weak = reservoirStage({ ...stage, penalty: 1 }, 5);
    assert.equal(weak.storage, 3, "with λ < c the cheapest storage wins");
    assert.throws(() => reservoirStage({ ...stage, penalty: 0 }, 4), /the penalty > 0/);
  });
});

test("violation rate and return at the cost limit, hand-worked", async () => {
  const { violationRate, returnAtCostLimit } = await import("../../lib/safe/cost-metrics.js");
  assert.equal(violationRate([0, 5, 10, 11], 10), 0.25, "only cost 11 exceeds 10; 10 itself is within");
  assert.throws(() => violationRate([], 1), /no episodes/);
  assert.throws(() => violationRate([Number.NaN], 1), /cost 0 is NaN/);
  // rows (return, cost): (100, 30) over, (80, 20) within, (90, null) unmeasured, (60, 5) within → 80
  assert.equal(returnAtCostLimit([100, 80, 90, 60], [30, 20, null, 5], 20), 80);
  assert.equal(returnAtCostLimit([100], [30], 20), null);
  assert.throws(() => returnAtCostLimit([1, 2], [1], 1), /2 returns but 1 costs/);
});
