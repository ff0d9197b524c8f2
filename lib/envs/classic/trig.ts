// sin and cos without the C call behind Math.sin/Math.cos for |x| < 0.3
// (that call costs more than the rest of a CartPole step). For such x these
// are fdlibm's __kernel_sin/__kernel_cos, the code V8's Math.sin/Math.cos
// run, so results are bit-identical to Math's (checked in the tests). The
// literals are inlined rather than named constants: module constants are
// re-checked on every use inside optimized loops.

/** Math.sin(x), bit for bit, without the C call for small x. */
export function sin(x: number): number {
  if (x < 0.3 && x > -0.3) {
    const z = x * x;
    const r =
      8.33333333332248946124e-3 +
      z * (-1.98412698298579493134e-4 + z * (2.75573137070700676789e-6 + z * (-2.50507602534068634195e-8 + z * 1.58969099521155010221e-10)));
    // fdlibm returns tiny x unchanged, which keeps the sign of -0.
    return x === 0 ? x : x + z * x * (-1.66666666666666324348e-1 + z * r);
  }
  return Math.sin(x);
}

/** Math.cos(x), bit for bit, without the C call for small x. */
export function cos(x: number): number {
  if (x < 0.3 && x > -0.3) {
    const z = x * x;
    const r =
      z *
      (4.16666666666666019037e-2 +
        z *
          (-1.38888888888741095749e-3 +
            z * (2.48015872894767294178e-5 + z * (-2.75573143513906633035e-7 + z * (2.0875723212981748279e-9 + z * -1.13596475577881948265e-11)))));
    return 1 - (0.5 * z - z * r);
  }
  return Math.cos(x);
}

// Run both branches at load so their type feedback exists before the env
// loops that inline these get optimized: otherwise the first large angle
// would deoptimize the whole step loop.
for (let k = 0; k < 64; k++) {
  sin(k * 0.02 - 0.64);
  cos(k * 0.02 - 0.64);
}
