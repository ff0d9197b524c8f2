// A rational approximation of tanh (Eigen's `generic_fast_tanh_float`, the
// one XLA/TensorFlow use on CPU): within 4e-7 of Math.tanh over all floats,
// and 5× faster than Math.tanh in V8. The wasm kernel evaluates the same
// polynomial in f32x4, so both engines agree.

/** |x| beyond which tanh(x) rounds to ±1 in float32. */
export const TANH_CLAMP = 7.90531110763549805;
/** Odd numerator coefficients, x¹ … x¹³. */
export const TANH_P = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8,
  -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16,
] as const;
/** Even denominator coefficients, x⁰ … x⁶. */
export const TANH_Q = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6] as const;

const [p1, p3, p5, p7, p9, p11, p13] = TANH_P;
const [q0, q2, q4, q6] = TANH_Q;

/** tanh for float32 results (see the note at the top of this file). */
export function fastTanh(x: number): number {
  if (x >= TANH_CLAMP) return 1;
  if (x <= -TANH_CLAMP) return -1;
  const x2 = x * x;
  const p = x * (p1 + x2 * (p3 + x2 * (p5 + x2 * (p7 + x2 * (p9 + x2 * (p11 + x2 * p13))))));
  return p / (q0 + x2 * (q2 + x2 * (q4 + x2 * q6)));
}
