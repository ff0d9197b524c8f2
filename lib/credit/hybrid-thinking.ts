/**
 * Hybrid group policy optimization (HGPO, "Think Only When You Need", arXiv
 * 2505.14631) and its Hybrid Accuracy. The paper's code was not found; the
 * formulas follow METHODS.md card 13, reconstructed from the paper's text
 * [UNVERIFIED]: half of a group thinks (a scratchpad before the answer),
 * half answers directly, and two binary rewards are made:
 *
 *   m* = think if mean R(think) > mean R(no-think) + δ, else no-think   (δ favors the cheaper mode)
 *   r_inter(o) = 1[mode(o) = m*]                     → trains the choice of mode
 *   r_intra(o) = 1[R(o) = max R within its mode]     → trains the answer within a mode
 *   A_inter = GRPO-normalized r_inter over the group, A_intra = GRPO-normalized r_intra within each mode
 *   A_t = A_intra + α · A_inter at the mode-choice token, A_intra elsewhere
 */
import { groupRelativeAdvantages } from "./group-relative.js";

export type ThinkingMode = "think" | "no_think";

export interface HybridGroupAdvantages {
  /** The mode this group's samples say is better. */
  readonly preferred: ThinkingMode;
  /** Per sample: advantage of its answer tokens (A_intra). */
  readonly answer: Float64Array;
  /** Per sample: advantage of its mode-choice token (A_intra + α A_inter). */
  readonly modeToken: Float64Array;
  readonly inter: Float64Array;
  readonly intra: Float64Array;
}

/** The preferred mode of a group: think only when its mean reward beats no-think's by more than δ. */
export function preferredMode(rewards: ArrayLike<number>, modes: readonly ThinkingMode[], delta: number): ThinkingMode {
  let think = 0, nt = 0, nThink = 0, nNo = 0;
  for (let i = 0; i < modes.length; i++) {
    if (modes[i] === "think") {
      think += rewards[i]!;
      nThink++;
    } else {
      nt += rewards[i]!;
      nNo++;
    }
  }
  if (nThink === 0 || nNo === 0) throw new RangeError(`preferredMode: a group needs samples of both modes, got ${nThink} thinking and ${nNo} direct`);
  return think / nThink > nt / nNo + delta ? "think" : "no_think";
}

/** HGPO's advantages of one group (sample std, eps 1e-6 as in GRPO's normalization). */
export function hybridGroupAdvantages(rewards: ArrayLike<number>, modes: readonly ThinkingMode[], options: { alpha?: number; delta?: number; eps?: number } = {}): HybridGroupAdvantages {
  const alpha = options.alpha ?? 1;
  const delta = options.delta ?? 0.2;
  const eps = options.eps ?? 1e-6;
  const n = modes.length;
  if (rewards.length !== n) throw new RangeError(`hybridGroupAdvantages: ${rewards.length} rewards but ${n} modes`);
  for (const [i, m] of modes.entries()) if (m !== "think" && m !== "no_think") throw new RangeError(`hybridGroupAdvantages: mode ${i} must be "think" or "no_think", got ${String(m)}`);
  const preferred = preferredMode(rewards, modes, delta);
  const inter = Float64Array.from(modes, (m) => (m === preferred ? 1 : 0));
  const best: Record<ThinkingMode, number> = { think: -Infinity, no_think: -Infinity };
  for (let i = 0; i < n; i++) best[modes[i]!] = Math.max(best[modes[i]!], rewards[i]!);
  const intraReward = Float64Array.from(modes, (m, i) => (rewards[i] === best[m] ? 1 : 0));
  const one = new Int32Array(n);
  const interAdv = Float64Array.from(groupRelativeAdvantages(inter, one, { eps }).advantages);
  const byMode = Int32Array.from(modes, (m) => (m === "think" ? 0 : 1));
  const intraAdv = Float64Array.from(groupRelativeAdvantages(intraReward, byMode, { eps }).advantages);
  return {
    preferred,
    answer: intraAdv,
    modeToken: Float64Array.from(intraAdv, (a, i) => a + alpha * interAdv[i]!),
    inter: interAdv,
    intra: intraAdv,
  };
}

/** Hybrid Accuracy: the fraction of queries whose chosen mode is the preferred one. */
export function hybridAccuracy(chosen: readonly ThinkingMode[], preferred: readonly ThinkingMode[]): number {
  if (chosen.length !== preferred.length) throw new RangeError(`hybridAccuracy: ${chosen.length} choices but ${preferred.length} preferred modes`);
  if (chosen.length === 0) return 0;
  let hits = 0;
  for (let i = 0; i < chosen.length; i++) if (chosen[i] === preferred[i]) hits++;
  return hits / chosen.length;
}
