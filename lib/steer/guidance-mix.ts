/**
 * RLG (Reinforcement Learning Guidance, arXiv 2508.21016): sample from the
 * geometric mixture π_ref^(1−w) π_θ^w of a base policy and its RL-tuned
 * version by extrapolating their predictions, out = ref + w (tuned − ref).
 * On logits this is exact: softmax((1 − w) z_ref + w z_θ) ∝ π_ref^(1−w) π_θ^w.
 * w = 0 is the base, w = 1 the tuned policy, w > 1 extrapolates (for a
 * KL-regularized optimum π_ref e^{R/β}: the optimum at β / w).
 */
export function guidanceMix(reference: ArrayLike<number>, tuned: ArrayLike<number>, w: number, out: Float32Array | Float64Array = new Float64Array(reference.length)): Float32Array | Float64Array {
  if (!Number.isFinite(w)) throw new RangeError(`guidanceMix: w must be finite, got ${w}`);
  if (tuned.length !== reference.length || out.length !== reference.length) throw new RangeError(`guidanceMix: reference, tuned and out need equal lengths, got ${reference.length}, ${tuned.length}, ${out.length}`);
  for (let i = 0; i < reference.length; i++) out[i] = reference[i]! + w * (tuned[i]! - reference[i]!);
  return out;
}
