import assert from "node:assert/strict";
import { test } from "node:test";
import { categoricalKl, weightedK3 } from "../../lib/credit/reference-kl.js";

const near = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

test("categoricalKl is Σ π (log π − log π_ref) per state (hand example)", () => {
  // State 0: π = (½, ½), π_ref = (¼, ¾): KL = ½ ln 2 + ½ ln(2/3). State 1: identical policies, KL = 0.
  const logp = Float32Array.from([0.5, 0.5, 0.9, 0.1], Math.log);
  const logpRef = Float32Array.from([0.25, 0.75, 0.9, 0.1], Math.log);
  const kl = categoricalKl(logp, logpRef, 2, 2);
  near(kl[0]!, 0.5 * Math.log(2) + 0.5 * Math.log(2 / 3));
  near(kl[1]!, 0);
  assert.throws(() => categoricalKl(logp, logpRef, 3, 2), /3 states × 2 actions/);
});

test("weightedK3 averaged over the behavior's actions is the exact KL(π ‖ π_ref); every term ≥ 0", () => {
  // Two actions; μ = (0.3, 0.7) drew them, π = (0.6, 0.4), π_ref = (0.2, 0.8).
  const mu = [0.3, 0.7];
  const pi = [0.6, 0.4];
  const ref = [0.2, 0.8];
  const terms = weightedK3(Float32Array.from(pi, Math.log), Float32Array.from(ref, Math.log), mu.map(Math.log));
  assert.ok(terms.every((x) => x >= 0));
  const expectation = mu[0]! * terms[0]! + mu[1]! * terms[1]!;
  const exact = pi[0]! * Math.log(pi[0]! / ref[0]!) + pi[1]! * Math.log(pi[1]! / ref[1]!);
  near(expectation, exact, 1e-6);
  // Same policy as the reference: zero whatever the behavior.
  assert.deepEqual([...weightedK3(Float32Array.of(-1, -2), Float32Array.of(-1, -2), [-3, -0.5])], [0, 0]);
});
