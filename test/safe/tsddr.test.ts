// TS-DDR on a single reservoir: the stage's slopes (duals), the chain's
// adjoint gradient, the deterministic-equivalent optimum, and a target
// policy trained by dual gradients.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { reservoirStage, reservoirStageSlopes, type ReservoirStage } from "../../lib/safe/reservoir-stage.js";
import { reservoirOptimum, runReservoirChain, type ReservoirProblem } from "../../lib/safe/reservoir-chain.js";
import { TargetPolicy } from "../../lib/safe/tsddr.js";
import { Rng } from "../../lib/random/rng.js";

const problem: ReservoirProblem = { initialStorage: 2, demand: [4, 4, 4], thermalCost: [1, 2, 3], penalty: 10 };
const inflows = (rng: Rng) => [rng.uniform(0, 4), rng.uniform(0, 4), rng.uniform(0, 4)];

describe("TS-DDR's stage and chain", () => {
  test("the stage's slopes are the finite differences of its cost and storage (away from the kinks), with and without a floor", () => {
    const rng = Rng.fromSeed(1);
    const e = 1e-6;
    let checked = 0;
    for (let n = 0; n < 400; n++) {
      const stage: ReservoirStage = { storage: rng.uniform(0, 5), inflow: rng.uniform(0, 3), demand: rng.uniform(0, 6), thermalCost: rng.uniform(0.5, 3), penalty: rng.float() < 0.8 ? 10 : 1, ...(rng.float() < 0.5 ? { minStorage: 0 } : {}) };
      const target = rng.uniform(-2, 9);
      const s = reservoirStageSlopes(stage, target);
      const at = (dx0: number, dt: number) => reservoirStage({ ...stage, storage: stage.storage + dx0 }, target + dt);
      const fd = {
        dTarget: (at(0, e).value - at(0, -e).value) / (2 * e),
        dStorage: (at(e, 0).value - at(-e, 0).value) / (2 * e),
        xdTarget: (at(0, e).storage - at(0, -e).storage) / (2 * e),
        xdStorage: (at(e, 0).storage - at(-e, 0).storage) / (2 * e),
      };
      // Near a kink the two sides differ: skip those draws.
      const oneSided = (at(e, 0).value - at(0, 0).value) / e;
      if (Math.abs(oneSided - fd.dStorage) > 1e-3 || Math.abs((at(0, e).value - at(0, 0).value) / e - fd.dTarget) > 1e-3) continue;
      for (const k of ["dTarget", "dStorage", "xdTarget", "xdStorage"] as const) assert.ok(Math.abs(s[k] - fd[k]) < 1e-4, `${k}: ${s[k]} vs ${fd[k]} at ${JSON.stringify(stage)}, x̂ ${target}`);
      checked++;
    }
    assert.ok(checked > 300, `${checked} draws checked`);
  });

  test("a floor at 0 keeps the storage physical", () => {
    const r = reservoirStage({ storage: 1, inflow: 1, demand: 4, thermalCost: 2, penalty: 10, minStorage: 0 }, -3);
    assert.deepEqual(r, { value: 2 * 2 + 10 * 3, storage: 0, thermal: 2, dTarget: -10 });
    assert.throws(() => reservoirStage({ storage: 1, inflow: 0, demand: 0, thermalCost: 1, penalty: 2, minStorage: 5 }, 0), /no feasible storage/);
  });

  test("the chain's gradient equals the finite differences of the total cost", () => {
    const rng = Rng.fromSeed(2);
    const e = 1e-6;
    let checked = 0;
    for (let n = 0; n < 200; n++) {
      const w = inflows(rng);
      const targets = [rng.uniform(-1, 8), rng.uniform(-1, 8), rng.uniform(-1, 8)];
      const r = runReservoirChain(problem, w, targets);
      const fd = targets.map((_, t) => {
        const up = [...targets];
        const down = [...targets];
        up[t]! += e;
        down[t]! -= e;
        return [(runReservoirChain(problem, w, up).total - runReservoirChain(problem, w, down).total) / (2 * e), (runReservoirChain(problem, w, up).total - r.total) / e] as const;
      });
      if (fd.some(([c, f]) => Math.abs(c - f) > 1e-3)) continue;
      fd.forEach(([c], t) => assert.ok(Math.abs(r.dTargets[t]! - c) < 1e-4, `stage ${t}: ${r.dTargets[t]} vs ${c}`));
      checked++;
    }
    assert.ok(checked > 100, `${checked} scenarios checked`);
    assert.throws(() => runReservoirChain(problem, [1, 2], [0, 0, 0]), /3 stages need 3 inflows and 3 targets, got 2 and 3/);
  });

  test("the deterministic-equivalent optimum equals a brute-force search over the storages", () => {
    const rng = Rng.fromSeed(3);
    for (let n = 0; n < 25; n++) {
      const w = [rng.int(9) / 2, rng.int(9) / 2, rng.int(9) / 2];
      const p: ReservoirProblem = { ...problem, thermalCost: [rng.int(4) + 1, rng.int(4) + 1, rng.int(4) + 1] };
      // every end storage on the half-unit grid that keeps releases ≥ 0 and storage ≥ 0
      let best = Infinity;
      const cost = (x0: number, t: number): number => {
        if (t === 3) return 0;
        let m = Infinity;
        for (let x = 0; x <= x0 + w[t]! + 1e-9; x += 0.5) {
          const release = x0 + w[t]! - x;
          const thermal = Math.max(0, p.demand[t]! - release);
          m = Math.min(m, p.thermalCost[t]! * thermal + cost(x, t + 1));
        }
        return m;
      };
      best = cost(p.initialStorage, 0);
      assert.ok(Math.abs(reservoirOptimum(p, w) - best) < 1e-9, `inflows ${w}, costs ${p.thermalCost}: ${reservoirOptimum(p, w)} vs ${best}`);
    }
  });
});

describe("a TS-DDR target policy", () => {
  test("trained by the duals, it lands near the per-scenario optimum and far below the myopic policy; seeds repeat", () => {
    const policy = TargetPolicy.train(problem, { inflows, steps: 1500, seed: 1 });
    const rng = Rng.fromSeed(99);
    let cost = 0;
    let optimum = 0;
    let myopic = 0;
    for (let i = 0; i < 300; i++) {
      const w = inflows(rng);
      cost += policy.cost(w) / 300;
      optimum += reservoirOptimum(problem, w) / 300;
      myopic += runReservoirChain(problem, w, [0, 0, 0]).total / 300;
    }
    assert.ok(cost < optimum * 1.25, `policy ${cost} vs optimum ${optimum}`);
    assert.ok(cost < myopic / 2, `policy ${cost} vs myopic ${myopic}`);
    const first = policy.history.slice(0, 20).reduce((a, b) => a + b, 0) / 20;
    const last = policy.history.slice(-100).reduce((a, b) => a + b, 0) / 100;
    assert.ok(last < first / 2, `training cost ${first} → ${last}`);
    const again = TargetPolicy.train(problem, { inflows, steps: 50, seed: 1 });
    assert.deepEqual(again.history, policy.history.slice(0, 50));
    assert.throws(() => TargetPolicy.train(problem, { inflows: () => [1, 2], steps: 1 }), /inflows gave 2 values for 3 stages/);
    assert.throws(() => TargetPolicy.train(problem, { inflows, steps: 0 }), /steps must be a positive integer/);
    policy.dispose();
  });
});
