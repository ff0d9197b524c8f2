import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  actionScaling,
  actorOutputBackward,
  LOG_STD_MAX,
  LOG_STD_MIN,
  splitActorOutput,
  tanhGaussianBackward,
  tanhGaussianMode,
  tanhGaussianSample,
} from "../../lib/dist/tanh-gaussian.js";

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe("tanh-Gaussian policy (SAC)", () => {
  // Pendulum's action box [−2, 2]: scale 2, bias 0. μ = 0.5, σ = 0.5, ε = 1 → u = 1.
  const { scale, bias } = actionScaling([-2], [2]);
  const mean = Float32Array.of(0.5);
  const logStd = Float32Array.of(Math.log(0.5));
  const eps = Float32Array.of(1);

  test("action scaling maps (−1, 1) onto the box", () => {
    const s = actionScaling([-1, 0], [3, 1]);
    assert.deepEqual(Array.from(s.scale), [2, 0.5]);
    assert.deepEqual(Array.from(s.bias), [1, 0.5]);
    assert.throws(() => actionScaling([-Infinity], [1]), /finite action bounds/);
  });

  test("sample: a = scale·tanh(μ + σε) + bias, log π with the tanh correction", () => {
    const a = new Float32Array(1);
    const logp = new Float32Array(1);
    tanhGaussianSample(mean, logStd, eps, 1, 1, scale, bias, a, logp);
    // y = tanh(1) = 0.76159416; a = 2y = 1.52318831
    near(a[0]!, 1.5231883119115297, 1e-6, "action");
    // log π = −ε²/2 − log σ − ½ log 2π − log(scale(1 − y²) + 1e-6)
    //       = −0.5 + 0.69314718 − 0.91893853 − log(0.83994968) = −0.55137806
    near(logp[0]!, -0.5513780627868325, 1e-6, "log π");
  });

  test("log π sums over dimensions and matches the change-of-variables density", () => {
    // Density of a = scale·tanh(u) + bias: p(a) = N(u; μ, σ) / |da/du| (up to the 1e-6)
    const d = 2;
    const s2 = actionScaling([-1, -3], [1, 1]);
    const m = Float32Array.of(0.1, -0.3);
    const ls = Float32Array.of(-0.2, 0.4);
    const e = Float32Array.of(0.7, -1.2);
    const a = new Float32Array(2);
    const logp = new Float32Array(1);
    tanhGaussianSample(m, ls, e, 1, d, s2.scale, s2.bias, a, logp);
    let expected = 0;
    for (let j = 0; j < d; j++) {
      const sigma = Math.exp(ls[j]!);
      const u = m[j]! + sigma * e[j]!;
      const normal = Math.exp(-0.5 * e[j]! ** 2) / (sigma * Math.sqrt(2 * Math.PI));
      const jac = s2.scale[j]! * (1 - Math.tanh(u) ** 2);
      expected += Math.log(normal / jac);
    }
    near(logp[0]!, expected, 1e-5, "log π");
  });

  test("gradients of log π and a w.r.t. μ and log σ at fixed ε (worked example)", () => {
    // c = scale(1 − y²) + 1e-6 = 0.83994968
    // ∂log π/∂μ = 2y·scale(1 − y²)/c = 1.52318650;  ∂log π/∂log σ = −1 + σε·1.52318650 = −0.23840675
    const dMean = new Float32Array(1);
    const dLogStd = new Float32Array(1);
    tanhGaussianBackward(mean, logStd, eps, 1, 1, scale, Float32Array.of(1), null, dMean, dLogStd);
    near(dMean[0]!, 1.5231864984834846, 1e-6, "∂log π/∂μ");
    near(dLogStd[0]!, -0.23840675075825768, 1e-6, "∂log π/∂log σ");
    // ∂a/∂μ = scale(1 − y²) = 0.83994868;  ∂a/∂log σ = scale(1 − y²)σε = 0.41997434
    tanhGaussianBackward(mean, logStd, eps, 1, 1, scale, Float32Array.of(0), Float32Array.of(1), dMean, dLogStd);
    near(dMean[0]!, 0.8399486832280523, 1e-6, "∂a/∂μ");
    near(dLogStd[0]!, 0.41997434161402614, 1e-6, "∂a/∂log σ");
  });

  test("gradients of a mixed objective match central finite differences", () => {
    const batch = 3;
    const d = 2;
    const s2 = actionScaling([-1, -2], [1, 2]);
    const m = Float64Array.of(0.3, -1.1, 0.05, 2.0, -0.4, 0.7);
    const ls = Float64Array.of(-0.5, 0.2, -1.5, -0.1, 0.3, -2);
    const e = Float32Array.of(0.4, -0.9, 1.3, 0.2, -1.7, 0.6);
    const gLogp = Float32Array.of(0.7, -0.3, 1.1);
    const gA = Float32Array.of(0.5, -1, 2, 0.3, -0.6, 0.9);
    const objective = (mm: Float64Array, ll: Float64Array) => {
      // evaluated in float64 by hand: float32 rounding would swamp the finite differences
      let total = 0;
      for (let b = 0; b < batch; b++) {
        let lp = 0;
        for (let j = 0; j < d; j++) {
          const i = b * d + j;
          const y = Math.tanh(mm[i]! + Math.exp(ll[i]!) * e[i]!);
          const act = s2.scale[j]! * y + s2.bias[j]!;
          lp += -0.5 * e[i]! ** 2 - ll[i]! - 0.5 * Math.log(2 * Math.PI) - Math.log(s2.scale[j]! * (1 - y * y) + 1e-6);
          total += gA[i]! * act;
        }
        total += gLogp[b]! * lp;
      }
      return total;
    };
    const dMean = new Float32Array(batch * d);
    const dLogStd = new Float32Array(batch * d);
    tanhGaussianBackward(Float32Array.from(m), Float32Array.from(ls), e, batch, d, s2.scale, gLogp, gA, dMean, dLogStd);
    const h = 1e-6;
    for (let i = 0; i < batch * d; i++) {
      const mp = Float64Array.from(m);
      const mm = Float64Array.from(m);
      mp[i] = mp[i]! + h;
      mm[i] = mm[i]! - h;
      near(dMean[i]!, (objective(mp, ls) - objective(mm, ls)) / (2 * h), 2e-4, `dμ[${i}]`);
      const lp = Float64Array.from(ls);
      const lm = Float64Array.from(ls);
      lp[i] = lp[i]! + h;
      lm[i] = lm[i]! - h;
      near(dLogStd[i]!, (objective(m, lp) - objective(m, lm)) / (2 * h), 2e-4, `dlog σ[${i}]`);
    }
  });

  test("actor outputs: log σ = lo + ½(hi − lo)(tanh(s) + 1) in [−5, 2], and its chain rule", () => {
    const raw = Float32Array.of(0.3, 0, /**/ -1, 100);
    const m = new Float32Array(2);
    const ls = new Float32Array(2);
    splitActorOutput(raw, 2, 1, m, ls);
    assert.deepEqual(Array.from(m), [0.30000001192092896, -1]);
    near(ls[0]!, -1.5, 1e-6, "log σ at s = 0 is the middle of [−5, 2]");
    near(ls[1]!, LOG_STD_MAX, 1e-6, "saturates at the top");
    splitActorOutput(Float32Array.of(0, -100), 1, 1, m, ls);
    near(ls[0]!, LOG_STD_MIN, 1e-6, "saturates at the bottom");
    const dRaw = new Float32Array(4);
    actorOutputBackward(raw, 2, 1, Float32Array.of(2, 3), Float32Array.of(1, 1), dRaw);
    // ∂log σ/∂s at s = 0: ½·7·(1 − 0) = 3.5; at s = 100: 0
    assert.deepEqual(Array.from(dRaw), [2, 3.5, 3, 0]);
  });

  test("mode: scale·tanh(μ) + bias", () => {
    const out = new Float32Array(1);
    tanhGaussianMode(mean, 1, 1, scale, bias, out);
    near(out[0]!, 2 * Math.tanh(0.5), 1e-6, "mode");
  });
});
