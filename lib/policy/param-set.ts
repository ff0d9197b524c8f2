/** One block of trainable parameters with its gradient buffer. */
export interface ParamGroup {
  readonly name: string;
  readonly params: Float32Array;
  readonly grads: Float32Array;
  /** Called after `params` changed in place (uploads to an engine that keeps its own copy). */
  paramsChanged(): void;
}

/** A plain parameter vector (e.g. a Gaussian policy's log σ) as a group. */
export function vectorGroup(name: string, params: Float32Array): ParamGroup {
  return { name, params, grads: new Float32Array(params.length), paramsChanged() {} };
}

export function zeroGrads(groups: readonly ParamGroup[]): void {
  for (const g of groups) g.grads.fill(0);
}

/** ‖g‖₂ over every group together (the "global" norm torch's clip_grad_norm_ uses). */
export function globalGradNorm(groups: readonly ParamGroup[]): number {
  let ss = 0;
  for (const { grads } of groups) for (let i = 0; i < grads.length; i++) ss += grads[i]! * grads[i]!;
  return Math.sqrt(ss);
}

/**
 * torch.nn.utils.clip_grad_norm_ over all groups: scales every gradient by
 * maxNorm / (‖g‖ + 1e-6) when that is < 1. Returns the norm before clipping.
 */
export function clipGlobalGradNorm(groups: readonly ParamGroup[], maxNorm: number): number {
  const norm = globalGradNorm(groups);
  const scale = maxNorm / (norm + 1e-6);
  if (scale < 1) for (const { grads } of groups) for (let i = 0; i < grads.length; i++) grads[i] = grads[i]! * scale;
  return norm;
}

/** True when every gradient entry is finite. */
export function gradsFinite(groups: readonly ParamGroup[]): boolean {
  for (const { grads } of groups) for (let i = 0; i < grads.length; i++) if (!Number.isFinite(grads[i]!)) return false;
  return true;
}
