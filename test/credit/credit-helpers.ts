/** Shared helpers of the episode-major credit tests: random episode batches and a tolerance check. */
import assert from "node:assert/strict";
import { Rng } from "../../lib/random/rng.js";

export const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const scale = Math.max(1, Math.abs(b[i]!));
    assert.ok(Math.abs(a[i]! - b[i]!) <= tol * scale, `index ${i}: ${a[i]} vs ${b[i]}`);
  }
};

export interface RandomBatch {
  rewards: Float32Array;
  values: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  offsets: Int32Array;
  bootstrap: Float32Array;
  /** The value after each episode's last step: 0 when terminated, else bootstrap. */
  tail: number[];
}

/** `episodes` random episodes of 1–12 steps ending terminated, truncated or unfinished. */
export function randomBatch(seed: number, episodes = 9): RandomBatch {
  const rng = Rng.fromSeed(seed);
  const lengths = Array.from({ length: episodes }, () => 1 + rng.int(12));
  const n = lengths.reduce((a, b) => a + b, 0);
  const offsets = new Int32Array(episodes + 1);
  lengths.forEach((l, k) => (offsets[k + 1] = offsets[k]! + l));
  const rewards = Float32Array.from({ length: n }, () => rng.uniform(-1, 2));
  const values = Float32Array.from({ length: n }, () => rng.uniform(-1, 3));
  const terminated = new Uint8Array(n);
  const truncated = new Uint8Array(n);
  const bootstrap = Float32Array.from({ length: episodes }, () => rng.uniform(-2, 4));
  const tail: number[] = [];
  for (let k = 0; k < episodes; k++) {
    const end = offsets[k + 1]! - 1;
    const kind = k % 3; // 0 terminated, 1 truncated, 2 unfinished
    if (kind === 0) terminated[end] = 1;
    if (kind === 1) truncated[end] = 1;
    tail.push(kind === 0 ? 0 : bootstrap[k]!);
  }
  return { rewards, values, terminated, truncated, offsets, bootstrap, tail };
}

/**
 * A hand-worked time-major rollout of two env copies (rows t·2 + e), γ = 0.9:
 * copy 0: r = [1, 2], V = [0.5, 1.0], V(s_2) = 2, no episode end, π/μ = [0.5, 2];
 * copy 1: r = [1, 1], V = [0, 0], an episode ends after t = 0, V(s_2) = 1, π = μ.
 * Its V-trace targets (test/credit/vtrace-rollout.test.ts) are `handRolloutVs`.
 */
export const handRollout = {
  rewards: Float32Array.of(1, 1, 2, 1),
  values: Float32Array.of(0.5, 0, 1.0, 0),
  dones: Float32Array.of(0, 0, 0, 1),
  nextValue: Float32Array.of(2, 1),
  nextDone: Float32Array.of(0, 0),
  numEnvs: 2,
  behaviorLogp: Float32Array.of(Math.log(0.5), 0, Math.log(0.5), 0),
  targetLogp: Float32Array.of(Math.log(0.25), 0, 0, 0),
};
export const handRolloutVs = [2.46, 1, 3.8, 1.9];
