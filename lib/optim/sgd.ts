/** Hyperparameters of {@link sgdStep}; defaults are torch.optim.SGD's (lr has none there). */
export interface SgdOptions {
  lr: number;
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Scales the new gradient in the momentum buffer by (1 − dampening). Default 0. */
  dampening?: number;
  /** Default false. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
}

/** Momentum buffer of one parameter vector; null until the first step (torch's lazy init). */
export interface SgdState {
  buffer: Float32Array | null;
}

export function makeSgdState(): SgdState {
  return { buffer: null };
}

/**
 * One SGD step, as torch.optim.SGD computes it:
 *
 *     g ← grad + weightDecay·θ
 *     b ← g on the first step, else momentum·b + (1−dampening)·g
 *     d ← nesterov ? g + momentum·b : b      (d = g when momentum is 0)
 *     θ ← θ − lr·d
 *
 * Updates `params` and `state` in place.
 */
export function sgdStep(params: Float32Array, grads: Float32Array, state: SgdState, options: SgdOptions): void {
  const { lr, momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = options;
  const n = params.length;
  if (grads.length !== n) throw new RangeError(`sgdStep needs params and grads of one length, got ${n} and ${grads.length}`);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new RangeError("nesterov momentum needs momentum > 0 and dampening 0 (as in torch.optim.SGD)");
  }
  let buf: Float32Array | null = null;
  if (momentum !== 0) {
    const first = state.buffer === null;
    buf = state.buffer ??= new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const g = grads[i]! + weightDecay * params[i]!;
      buf[i] = first ? g : momentum * buf[i]! + (1 - dampening) * g;
    }
  }
  for (let i = 0; i < n; i++) {
    const g = grads[i]! + weightDecay * params[i]!;
    const d = buf === null ? g : nesterov ? g + momentum * buf[i]! : buf[i]!;
    params[i] = params[i]! - lr * d;
  }
}
