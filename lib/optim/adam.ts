import { adamKernel, type AdamCoefficients } from "../../native/index.js";

/** Hyperparameters of {@link adamStep}; defaults are torch.optim.Adam's. */
export interface AdamOptions {
  /** Step size. Default 1e-3. */
  lr?: number;
  /** Decay of the first-moment average. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment average. Default 0.999. */
  beta2?: number;
  /** Added to the bias-corrected √v (torch's placement). Default 1e-8; CleanRL's PPO uses 1e-5. */
  eps?: number;
  /** L2 penalty added to the gradient (torch Adam, not AdamW). Default 0. */
  weightDecay?: number;
}

export const ADAM_DEFAULTS: Required<AdamOptions> = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

/** Moment estimates and step count of one parameter vector; {@link makeAdamState} starts one. */
export interface AdamState {
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** Steps taken so far. */
  t: number;
}

export function makeAdamState(size: number): AdamState {
  return { m: new Float32Array(size), v: new Float32Array(size), t: 0 };
}

/**
 * One Adam step, as torch.optim.Adam computes it (amsgrad off), in float32
 * and in torch's order of operations (`_single_tensor_adam`):
 *
 *     t ← t + 1;  g ← grad + weightDecay·θ
 *     m ← m.lerp(g, 1−β1)  (= m + (1−β1)(g − m));   v ← β2·v + (1−β2)·g·g
 *     θ ← θ − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + eps)
 *
 * Updates `params` and `state` in place; `grads` is only read. Vectors of
 * 256 or more run in wasm SIMD with bit-identical results.
 */
export function adamStep(params: Float32Array, grads: Float32Array, state: AdamState, options: AdamOptions = {}): void {
  const lr = options.lr ?? ADAM_DEFAULTS.lr;
  const beta1 = options.beta1 ?? ADAM_DEFAULTS.beta1;
  const beta2 = options.beta2 ?? ADAM_DEFAULTS.beta2;
  const n = params.length;
  if (grads.length !== n || state.m.length !== n || state.v.length !== n) {
    throw new RangeError(`adamStep needs params, grads, m and v of one length, got ${n}, ${grads.length}, ${state.m.length}, ${state.v.length}`);
  }
  const t = ++state.t;
  // torch turns each Python-float scalar into a float32 for the tensor op
  const c: AdamCoefficients = {
    w1: f32(1 - beta1),
    beta2: f32(beta2),
    a2: f32(1 - beta2),
    eps: f32(options.eps ?? ADAM_DEFAULTS.eps),
    weightDecay: f32(options.weightDecay ?? ADAM_DEFAULTS.weightDecay),
    bc2Sqrt: f32(Math.sqrt(1 - beta2 ** t)),
    negStepSize: f32(-lr / (1 - beta1 ** t)),
  };
  const kernel = n >= WASM_MIN_SIZE && c.w1 < 0.5 ? adamKernel() : null;
  const done = kernel ? kernel.step(params, grads, state.m, state.v, c) : 0;
  adamLoop(params, grads, state.m, state.v, c, done);
}

/** Below this many parameters the copies into wasm memory cost more than they save. */
const WASM_MIN_SIZE = 256;
const f32 = Math.fround;

// The reference loop, exact float32 arithmetic: each double result rounded
// by Math.fround is the correctly rounded float32 result. It lives apart so
// that V8 keeps it optimized whatever shape the options object has.
function adamLoop(p: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, c: AdamCoefficients, from: number): void {
  const { w1, beta2, a2, eps, weightDecay, bc2Sqrt, negStepSize } = c;
  const w1c = f32(1 - w1);
  for (let i = from; i < p.length; i++) {
    const g = f32(grad[i]! + f32(weightDecay * p[i]!));
    const d = f32(g - m[i]!);
    // torch's lerp: start + w·(end − start) for w < 0.5, else end − (end − start)·(1 − w)
    const mi = w1 < 0.5 ? f32(m[i]! + f32(w1 * d)) : f32(g - f32(d * w1c));
    const vi = f32(f32(v[i]! * beta2) + f32(f32(a2 * g) * g));
    const denom = f32(f32(f32(Math.sqrt(vi)) / bc2Sqrt) + eps);
    p[i] = f32(p[i]! + f32(negStepSize * f32(mi / denom)));
    m[i] = mi;
    v[i] = vi;
  }
}
