import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;
const INV_TWO_POW_53 = 1 / 9007199254740992;

/** The serializable state of an {@link Rng}: four 32-bit words of xoroshiro128+. */
export type RngState = readonly number[];

/**
 * The one source of randomness in Trellis. Every random draw of a run (env
 * resets, exploration, minibatch shuffles, weight init) goes through an `Rng`
 * derived from the run's seed, so the same seed on the same backend gives the
 * same numbers. Built on pure-rand's xoroshiro128+ and mutated in place.
 *
 * Independent streams come from {@link Rng.split}, which jumps the generator
 * ahead by 2^64 draws: streams never overlap.
 */
export class Rng {
  private gen: JumpableRandomGenerator;

  private constructor(gen: JumpableRandomGenerator) {
    this.gen = gen;
  }

  /** A generator seeded from a 32-bit integer seed (−2^31 ≤ seed < 2^32; s and s − 2^32 give the same stream). */
  static fromSeed(seed: number): Rng {
    if (!Number.isInteger(seed) || seed < -2147483648 || seed >= 4294967296) {
      throw new RangeError(`a seed is a 32-bit integer (−2^31 ≤ seed < 2^32), got ${String(seed)}`);
    }
    return new Rng(xoroshiro128plus(seed | 0));
  }

  /** A generator restored from {@link Rng.state} (for checkpoints). */
  static fromState(state: RngState): Rng {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w))) {
      throw new TypeError(`an Rng state is 4 integers, got ${JSON.stringify(state)}`);
    }
    return new Rng(xoroshiro128plusFromState(state));
  }

  /** Current state; `Rng.fromState(rng.state())` continues the same sequence. */
  state(): RngState {
    return [...this.gen.getState()];
  }

  /** Continues from a saved {@link Rng.state}, in place. */
  restore(state: RngState): void {
    this.gen = Rng.fromState(state).gen;
  }

  /** Returns a new independent stream and advances this one past it (jump by 2^64). */
  split(): Rng {
    const child = new Rng(this.gen.clone() as JumpableRandomGenerator);
    this.gen.jump();
    return child;
  }

  /** A uniform 32-bit signed integer. */
  int32(): number {
    return this.gen.next();
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    return this.gen.next() >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution (one draw). */
  float(): number {
    return (this.gen.next() >>> 0) * INV_TWO_POW_32;
  }

  /** Uniform in [0, 1) with the full 53 bits of a double (two draws). */
  float53(): number {
    const hi = this.gen.next() >>> 5;
    const lo = this.gen.next() >>> 6;
    return (hi * 67108864 + lo) * INV_TWO_POW_53;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!(n >= 1) || !Number.isInteger(n) || n > TWO_POW_32) {
      throw new RangeError(`int(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const u = this.gen.next() >>> 0;
      if (u < limit) return u % n;
    }
  }

  /** Standard normal draw (Box–Muller, two uniforms per draw, no cached spare). */
  normal(): number {
    let u = this.float53();
    while (u === 0) u = this.float53();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with standard normal draws. */
  fillNormal(out: Float32Array | Float64Array): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** Fills `out` with uniform draws in [low, high). */
  fillUniform(out: Float32Array | Float64Array, low = 0, high = 1): typeof out {
    for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * this.float();
    return out;
  }

  /** Index drawn from unnormalized non-negative weights `p[offset .. offset+n)`. */
  categorical(p: ArrayLike<number>, offset = 0, n = p.length - offset): number {
    let total = 0;
    for (let i = 0; i < n; i++) total += p[offset + i]!;
    let r = this.float() * total;
    for (let i = 0; i < n - 1; i++) {
      r -= p[offset + i]!;
      if (r < 0) return i;
    }
    return n - 1;
  }

  /** Fisher–Yates shuffle of `arr` in place. */
  shuffle<T extends { length: number; [i: number]: any }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }
}
