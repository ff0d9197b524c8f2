/**
 * GRPO group-relative advantages (Shao et al. 2024, "DeepSeekMath", §4.1.2,
 * outcome supervision): each output's reward is compared with the other
 * outputs sampled for the same prompt (its group),
 *
 *   Â_i = (r_i − mean(r_group)) / (std(r_group) + eps)      normalize: "std"
 *   Â_i =  r_i − mean(r_group)                              normalize: "none"
 *
 * ("none" is the mean-centering-only variant of Dr. GRPO, Liu et al. 2025).
 *
 * Which std: the paper writes std(r) without saying population or sample.
 * We use the SAMPLE std (Bessel, divide by n − 1) by default, as TRL's
 * GRPOTrainer does (`rewards.view(-1, G).std(dim=1)`, torch's unbiased std)
 * and as `normalizeInPlace` in `gae.ts` does; `std: "population"` divides by
 * n instead. A one-output group has sample std 0 here (not NaN).
 *
 * Groups whose rewards are all equal (including one-output groups) carry no
 * learning signal: their advantages are exactly 0 (not (r − mean)/eps noise
 * from rounding in the mean), and they are returned in `zeroVarianceGroups`
 * and flagged per row in `zeroVariance`, so a view can show them.
 */
import type { IdArray } from "./episodes.js";

export interface GroupRelativeOptions {
  /** "std": divide by the group's std + eps (default); "none": mean-centering only. */
  readonly normalize?: "std" | "none";
  /** Which std: "sample" (n − 1, default) or "population" (n). */
  readonly std?: "sample" | "population";
  /** Added to the std before dividing (default 1e-8). */
  readonly eps?: number;
}

export interface GroupRelativeOutput {
  /** One advantage per input row. */
  readonly advantages: Float32Array;
  /** The distinct group ids, in order of first appearance. */
  readonly groups: readonly (number | bigint)[];
  /** Per group (same order as `groups`): row count, reward mean and std. */
  readonly counts: Int32Array;
  readonly means: Float64Array;
  readonly stds: Float64Array;
  /** Ids of the groups whose rewards are all equal (advantages 0). */
  readonly zeroVarianceGroups: readonly (number | bigint)[];
  /** Per row: 1 when the row's group has zero variance. */
  readonly zeroVariance: Uint8Array;
}

/** Group-relative advantages of `rewards[i]` within the group `groupIds[i]`; pure, allocates the outputs. */
export function groupRelativeAdvantages(
  rewards: Float32Array | Float64Array,
  groupIds: IdArray,
  options: GroupRelativeOptions = {},
): GroupRelativeOutput {
  const normalize = options.normalize ?? "std";
  const stdKind = options.std ?? "sample";
  const eps = options.eps ?? 1e-8;
  if (normalize !== "std" && normalize !== "none") throw new RangeError(`groupRelativeAdvantages: normalize must be "std" or "none", got ${String(normalize)}`);
  if (stdKind !== "sample" && stdKind !== "population") throw new RangeError(`groupRelativeAdvantages: std must be "sample" or "population", got ${String(stdKind)}`);
  const n = rewards.length;
  if (groupIds.length !== n) throw new RangeError(`groupRelativeAdvantages: ${n} rewards but ${groupIds.length} group ids`);
  const index = new Map<number | bigint, number>();
  const groups: (number | bigint)[] = [];
  const groupOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const id = groupIds[i]!;
    if (typeof id === "number" && !Number.isFinite(id)) throw new RangeError(`groupRelativeAdvantages: group id at row ${i} is ${id}`);
    if (Number.isNaN(rewards[i]!)) throw new RangeError(`groupRelativeAdvantages: reward at row ${i} is NaN`);
    let g = index.get(id);
    if (g === undefined) {
      g = groups.length;
      index.set(id, g);
      groups.push(id);
    }
    groupOf[i] = g;
  }
  const m = groups.length;
  const counts = new Int32Array(m);
  const means = new Float64Array(m);
  const stds = new Float64Array(m);
  const first = new Float64Array(m);
  const constant = new Uint8Array(m).fill(1);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]!;
    if (counts[g] === 0) first[g] = rewards[i]!;
    else if (rewards[i] !== first[g]) constant[g] = 0;
    counts[g]!++;
    means[g]! += rewards[i]!;
  }
  for (let g = 0; g < m; g++) means[g]! /= counts[g]!;
  for (let i = 0; i < n; i++) stds[groupOf[i]!]! += (rewards[i]! - means[groupOf[i]!]!) ** 2;
  for (let g = 0; g < m; g++) {
    if (constant[g]) {
      means[g] = first[g]!;
      stds[g] = 0;
    } else {
      stds[g] = Math.sqrt(stds[g]! / (stdKind === "sample" ? counts[g]! - 1 : counts[g]!));
    }
  }
  const advantages = new Float32Array(n);
  const zeroVariance = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const g = groupOf[i]!;
    if (constant[g]) {
      zeroVariance[i] = 1;
      continue;
    }
    const centered = rewards[i]! - means[g]!;
    advantages[i] = normalize === "std" ? centered / (stds[g]! + eps) : centered;
  }
  const zeroVarianceGroups = groups.filter((_, g) => constant[g] === 1);
  return { advantages, groups, counts, means, stds, zeroVarianceGroups, zeroVariance };
}
