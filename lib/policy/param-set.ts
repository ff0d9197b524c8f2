import { clipGradNorm, sumOfSquares } from "../optim/clip.js";

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
  for (const { grads } of groups) ss += sumOfSquares(grads);
  return Math.sqrt(ss);
}

/**
 * torch.nn.utils.clip_grad_norm_ over all groups: scales every gradient by
 * maxNorm / (‖g‖ + 1e-6) when that is < 1. Returns the norm before clipping
 * (NaN or Infinity when a gradient is not finite).
 */
export function clipGlobalGradNorm(groups: readonly ParamGroup[], maxNorm: number): number {
  return clipGradNorm(groups.map((g) => g.grads), maxNorm);
}

/** True when every gradient entry is finite (its squared norm does not overflow). */
export function gradsFinite(groups: readonly ParamGroup[]): boolean {
  return Number.isFinite(globalGradNorm(groups));
}
