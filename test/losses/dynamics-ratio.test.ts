import assert from "node:assert/strict";
import { test } from "node:test";
import { balancedBce, dynamicsRatioWeights } from "../../lib/losses/dynamics-ratio.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);
const logit = (p: number) => Math.log(p / (1 - p));

test("balancedBce: each class weighs half (hand example, finite differences)", () => {
  // Real rows (label 1) with logits 0 and ln 3 (p = 1/2, 3/4); one sim row (label 0) with logit 0 (p = 1/2).
  // L = (ln 2 + ln(4/3)) / (2·2) + ln 2 / 2; ∂L/∂ℓ = ((1/2 − 1)/4, (3/4 − 1)/4, (1/2 − 0)/2).
  const logits = Float32Array.of(0, Math.log(3), 0);
  const labels = Uint8Array.of(1, 1, 0);
  const d = new Float32Array(3);
  const r = balancedBce(logits, labels, d);
  near(r.loss, (Math.log(2) + Math.log(4 / 3)) / 4 + Math.log(2) / 2);
  near(d[0]!, -0.5 / 4);
  near(d[1]!, -0.25 / 4);
  near(d[2]!, 0.5 / 2);
  near(r.accuracy, 2 / 3, 1e-9); // ℓ = 0 counts as "sim": right for the sim row, wrong for the first real row
  const h = 1e-3;
  for (let i = 0; i < 3; i++) {
    const p = logits.slice();
    const m = logits.slice();
    p[i] = p[i]! + h;
    m[i] = m[i]! - h;
    near(d[i]!, (balancedBce(p, labels, new Float32Array(3)).loss - balancedBce(m, labels, new Float32Array(3)).loss) / (2 * h), 1e-4);
  }
  // Stable for large logits.
  near(balancedBce(Float32Array.of(80, -80), Uint8Array.of(1, 0), new Float32Array(2)).loss, 0, 1e-12);
  near(balancedBce(Float32Array.of(-80), Uint8Array.of(1), new Float32Array(1)).loss, 80 / 2, 1e-4);
});

test("dynamicsRatioWeights recovers P_real(s'|s,a) / P_sim(s'|s,a) from Bayes-optimal classifiers (toy densities)", () => {
  // One (s, a) seen with probability q_real in real data and q_sim in sim data (equal priors of the two sources);
  // next states s'₀, s'₁ with P_real = (0.8, 0.2), P_sim = (0.4, 0.6). Bayes-optimal classifiers:
  //   P(real | s, a) = q_real / (q_real + q_sim),  P(real | s, a, s') = q_real P_real(s') / (q_real P_real(s') + q_sim P_sim(s')).
  const qReal = 0.3;
  const qSim = 0.6;
  const pReal = [0.8, 0.2];
  const pSim = [0.4, 0.6];
  const sa = logit(qReal / (qReal + qSim));
  const sas = pReal.map((p, i) => logit((qReal * p) / (qReal * p + qSim * pSim[i]!)));
  const w = new Float32Array(2);
  const meanLog = dynamicsRatioWeights(Float32Array.from(sas), Float32Array.of(sa, sa), 0, 10, w);
  near(w[0]!, 0.8 / 0.4, 1e-5);
  near(w[1]!, 0.2 / 0.6, 1e-6);
  near(meanLog, (Math.log(2) + Math.log(1 / 3)) / 2, 1e-6);
  // Clipping to [clipMin, clipMax].
  dynamicsRatioWeights(Float32Array.from(sas), Float32Array.of(sa, sa), 0.5, 1, w);
  assert.deepEqual(Array.from(w), [1, 0.5]);
});
