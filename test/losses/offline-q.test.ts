import assert from "node:assert/strict";
import { test } from "node:test";
import { awrWeights, cqlPenalty, expectileLoss, sampledLogsumexp } from "../../lib/losses/offline-q.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("cqlPenalty matches logsumexp − Q(s, a_data) and softmax − onehot on a hand example", () => {
  // Row 0: Q = (0, ln 3), data action 0: lse = ln(1 + 3) = ln 4, penalty ln 4 − 0; softmax (1/4, 3/4).
  // Row 1: Q = (2, 2), data action 1: lse = 2 + ln 2, penalty ln 2; softmax (1/2, 1/2).
  const q = Float32Array.of(0, Math.log(3), 2, 2);
  const d = new Float32Array(4).fill(NaN);
  const r = cqlPenalty(q, 2, 2, Int32Array.of(0, 1), d);
  near(r.penalty, (Math.log(4) + Math.log(2)) / 2);
  near(r.meanLogsumexp, (Math.log(4) + 2 + Math.log(2)) / 2, 1e-6);
  near(r.meanDataQ, (0 + 2) / 2);
  near(d[0]!, (1 / 4 - 1) / 2);
  near(d[1]!, 3 / 4 / 2);
  near(d[2]!, 1 / 2 / 2);
  near(d[3]!, (1 / 2 - 1) / 2);
  // Stable for large values (a naive exp overflows).
  const big = cqlPenalty(Float32Array.of(1000, 1000, 1000), 1, 3, [2], new Float32Array(3));
  near(big.penalty, Math.log(3), 1e-5);
  assert.throws(() => cqlPenalty(q, 2, 2, [0, 2], new Float32Array(4)), /outside 0\.\.1/);
});

test("cqlPenalty's gradient matches finite differences", () => {
  const B = 3;
  const K = 4;
  const q = Float64Array.from({ length: B * K }, (_, i) => Math.sin(1.7 * i) * 2);
  const actions = Int32Array.of(2, 0, 3);
  const d = new Float32Array(B * K);
  cqlPenalty(Float32Array.from(q), B, K, actions, d);
  const h = 1e-2;
  for (let i = 0; i < B * K; i++) {
    const plus = Float32Array.from(q);
    const minus = Float32Array.from(q);
    plus[i] = plus[i]! + h;
    minus[i] = minus[i]! - h;
    const fd = (cqlPenalty(plus, B, K, actions, new Float32Array(B * K)).penalty - cqlPenalty(minus, B, K, actions, new Float32Array(B * K)).penalty) / (2 * h);
    near(d[i]!, fd, 2e-4);
  }
  // Each row's gradient sums to zero (softmax − onehot).
  for (let b = 0; b < B; b++) near(d.slice(b * K, b * K + K).reduce((s, x) => s + x, 0), 0, 1e-6);
});

test("expectileLoss weights positive errors by τ and negative ones by 1 − τ (hand example, finite differences)", () => {
  // τ = 0.7; u = target − v = (2, −1): L = (0.7·4 + 0.3·1)/2 = 1.55; ∂L/∂v = (−2·0.7·2, −2·0.3·(−1))/2 = (−1.4, 0.3).
  const v = Float32Array.of(1, 3);
  const t = Float32Array.of(3, 2);
  const dV = new Float32Array(2);
  near(expectileLoss(v, t, 0.7, dV).loss, 1.55);
  near(dV[0]!, -1.4);
  near(dV[1]!, 0.3);
  // τ = 0.5 is half the MSE.
  near(expectileLoss(v, t, 0.5, new Float32Array(2)).loss, 0.5 * (4 + 1) / 2);
  const h = 1e-3;
  for (let i = 0; i < 2; i++) {
    const p = v.slice();
    const m = v.slice();
    p[i] = p[i]! + h;
    m[i] = m[i]! - h;
    near(dV[i]!, (expectileLoss(p, t, 0.7, new Float32Array(2)).loss - expectileLoss(m, t, 0.7, new Float32Array(2)).loss) / (2 * h), 1e-3);
  }
});

test("awrWeights are exp(β (Q − V)) clipped at the maximum", () => {
  const w = awrWeights(Float32Array.of(1, 0, 10), Float32Array.of(0, 1, 0), 2, 100);
  near(w[0]!, Math.exp(2), 1e-5);
  near(w[1]!, Math.exp(-2), 1e-7);
  assert.equal(w[2], 100);
});

test("sampledLogsumexp: log mean exp(Q − log q) per state and softmax gradients (hand example, finite differences)", () => {
  // State 0: Q = (1, 2), log q = (0, ln 2): terms e¹ and e²/2, lse = ln((e + e²/2)/2).
  // State 1: Q = (0, 0), log q = (ln 0.5, ln 0.5): terms 2 and 2, lse = ln 2.
  const q = Float32Array.of(1, 2, 0, 0);
  const logq = Float32Array.of(0, Math.log(2), Math.log(0.5), Math.log(0.5));
  const d = new Float32Array(4);
  const r = sampledLogsumexp(q, logq, 2, 2, d);
  const lse0 = Math.log((Math.E + Math.E ** 2 / 2) / 2);
  near(r.meanLogsumexp, (lse0 + Math.log(2)) / 2, 1e-6);
  const s0 = Math.E / (Math.E + Math.E ** 2 / 2);
  near(d[0]!, s0 / 2);
  near(d[1]!, (1 - s0) / 2);
  near(d[2]!, 0.25);
  near(d[3]!, 0.25);
  const h = 1e-3;
  for (let i = 0; i < 4; i++) {
    const p = q.slice();
    const mi = q.slice();
    p[i] = p[i]! + h;
    mi[i] = mi[i]! - h;
    near(d[i]!, (sampledLogsumexp(p, logq, 2, 2, new Float32Array(4)).meanLogsumexp - sampledLogsumexp(mi, logq, 2, 2, new Float32Array(4)).meanLogsumexp) / (2 * h), 1e-4);
  }
  // A uniform proposal over [−2, 2] (q = 1/4) of a constant Q = c estimates log ∫ e^c da = c + ln 4.
  const flat = sampledLogsumexp(Float32Array.of(3, 3, 3), Float32Array.of(-Math.log(4), -Math.log(4), -Math.log(4)), 1, 3, new Float32Array(3));
  near(flat.meanLogsumexp, 3 + Math.log(4), 1e-6);
});
