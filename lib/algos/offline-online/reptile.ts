/**
 * Reptile's meta step (Nichol et al. 2018), as MOORL uses it across the
 * offline and online buffers: after K inner updates from the meta
 * parameters, θ_meta ← θ_meta + ε (θ_K − θ_meta). In place on `meta`.
 */
export function reptileStep(meta: Float32Array, adapted: ArrayLike<number>, metaLr: number): Float32Array {
  if (meta.length !== adapted.length) throw new RangeError(`reptileStep: meta has ${meta.length} parameters, the adapted ones ${adapted.length}`);
  if (!(metaLr > 0 && metaLr <= 1)) throw new RangeError(`reptileStep: the meta step ε must be in (0, 1], got ${metaLr}`);
  for (let i = 0; i < meta.length; i++) meta[i] = meta[i]! + metaLr * (adapted[i]! - meta[i]!);
  return meta;
}
