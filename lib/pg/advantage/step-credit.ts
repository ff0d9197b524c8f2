// Credit to the steps of a multi-step completion (the steps separated by a
// separator token, e.g. Countdown's ","): EMPG's entropy-modulated step
// advantages and AgentEvolver's self-attribution from a judge's per-step
// labels (the task verifier's Verdict.steps). Each is a pure function in
// lib/credit; these are their engine components. Tokens of a step share its
// advantage; the end token belongs to the last step.
import { num, oneOf, str } from "../../config/fields.js";
import { problem } from "../../config/problem.js";
import { empgAdvantages } from "../../credit/empg.js";
import { groupRelativeAdvantages } from "../../credit/group-relative.js";
import { selfAttributionAdvantages } from "../../credit/self-attribution.js";
import type { Tokenizer } from "../../seq/tokenizers/tokenizer.js";
import type { ThinkingMode } from "../../credit/hybrid-thinking.js";
import { defineComponent } from "../component.js";
import { groupRuntime, type GroupAdvantageRuntime } from "./group-baselines.js";

/** What step credit reads of a completion. */
export interface StepCompletion {
  readonly group: number;
  readonly reward: number;
  readonly tokens: Int32Array;
  /** π_old's entropy at each token. */
  readonly entropy: Float32Array;
  /** The verifier's judgment of each written step, when the task judges steps. */
  readonly stepVerdicts?: readonly boolean[];
  /** The thinking mode it was sampled in, when guidance forced one (rl.guide.modes()). */
  readonly mode?: ThinkingMode;
}

/** A group advantage that also credits each token by its step. */
export interface StepAdvantageRuntime extends GroupAdvantageRuntime {
  tokenAdvantages(completions: readonly StepCompletion[], tokenizer: Tokenizer): Float32Array[];
  /**
   * Per completion, its sequence advantage (and the step's metrics of the
   * estimator), for an estimator that reads more of a completion than its
   * reward and group (HGPO: its mode); the learner uses it instead of `groups`.
   */
  completionAdvantages?(completions: readonly StepCompletion[]): { advantages: Float64Array | Float32Array; metrics: Record<string, number> };
}

export function isStepAdvantage(runtime: GroupAdvantageRuntime): runtime is StepAdvantageRuntime {
  return typeof (runtime as Partial<StepAdvantageRuntime>).tokenAdvantages === "function";
}

/** The step of each token: steps end at (and include) each `separator` token; what follows the last one is the last step. */
export function tokenSteps(tokens: Int32Array, separator: number): Int32Array {
  const out = new Int32Array(tokens.length);
  let step = 0;
  for (let t = 0; t < tokens.length; t++) {
    out[t] = step;
    if (tokens[t] === separator && t < tokens.length - 1) step++;
  }
  return out;
}

/** The separator's single token id, or a clear error. */
function separatorId(tokenizer: Tokenizer, separator: string): number {
  const ids = tokenizer.encode(separator);
  if (ids.length !== 1) throw new RangeError(`step credit: the separator ${JSON.stringify(separator)} must be one token of the run's tokenizer, got ${ids.length} tokens`);
  return ids[0]!;
}

/** A group advantage (`outcome` per completion) that also credits each token by its step. */
function stepRuntime(outcome: GroupAdvantageRuntime["groups"], tokenAdvantages: StepAdvantageRuntime["tokenAdvantages"]): StepAdvantageRuntime {
  return { ...groupRuntime(outcome), tokenAdvantages };
}

const separatorField = str(",", "the token that ends a step (Countdown's \",\"); the end token belongs to the last step");
const separatorProblem = (c: { separator: string }, path: string) => (c.separator.length === 0 ? [problem(`${path}.separator`, "wrong-type", "expected a non-empty separator", { expected: "a non-empty string" })] : []);

export const empg = defineComponent({
  slot: "advantage",
  kind: "empg",
  formula: "A_t = g(H_t)·Â(τ) + ζ f(H_{t+1}) − batch mean;  g = exp(−k H̃)/mean exp(−k H̃), f = exp(−k' H̃), H̃ min–max normalized step entropy",
  doc: "EMPG (arXiv 2509.09265): each step's share of its completion's group-relative advantage scales with the step's confidence (mean token entropy), plus a bonus for steps after which the next is clear; self-normalized and re-centered over the batch.",
  fields: {
    normalize: oneOf<"std" | "none">("std", ["std", "none"], "the outcome advantage Â(τ): group-relative with the std (GRPO) or mean-only"),
    k: num(1, "k of g(H) = exp(−k H̃) / batch mean", { min: 0 }),
    kFuture: num(1, "k' of the future-clarity bonus exp(−k' H̃_next)", { min: 0 }),
    zeta: num(0.05, "ζ: weight of the future-clarity bonus", { min: 0 }),
    separator: separatorField,
  },
  relations: separatorProblem,
  create: (c) => {
    const outcome = (rewards: Float64Array, ids: Int32Array) => groupRelativeAdvantages(rewards, ids, { normalize: c.normalize, eps: 1e-4 }).advantages;
    return stepRuntime(outcome, (completions, tokenizer) => {
      const sep = separatorId(tokenizer, c.separator);
      const A = outcome(Float64Array.from(completions, (s) => s.reward), Int32Array.from(completions, (s) => s.group));
      const steps = completions.map((s) => tokenSteps(s.tokens, sep));
      const entropy: number[] = [], trajectory: number[] = [];
      completions.forEach((s, j) => {
        const n = s.tokens.length ? steps[j]![s.tokens.length - 1]! + 1 : 0;
        const sum = new Float64Array(n), count = new Float64Array(n);
        for (let t = 0; t < s.tokens.length; t++) {
          sum[steps[j]![t]!]! += s.entropy[t]!;
          count[steps[j]![t]!]!++;
        }
        for (let k = 0; k < n; k++) {
          entropy.push(sum[k]! / count[k]!);
          trajectory.push(j);
        }
      });
      const stepAdv = empgAdvantages(entropy, trajectory, A, { k: c.k, kFuture: c.kFuture, zeta: c.zeta });
      let at = 0;
      return completions.map((s, j) => {
        const out = Float32Array.from(steps[j]!, (k) => stepAdv[at + k]!);
        at += s.tokens.length ? steps[j]![s.tokens.length - 1]! + 1 : 0;
        return out;
      });
    });
  },
});

export const selfAttribution = defineComponent({
  slot: "advantage",
  kind: "selfAttribution",
  formula: "r_{i,k} = α·z_g(±b GOOD/BAD) + 1[k last]·z_g(R_i);  A_{i,k} = Σ_{k' ≥ k} r_{i,k'}",
  doc: "AgentEvolver's self-attribution (ADCA-GRPO, decouple scheme): GOOD/BAD labels of each step (the task verifier's per-step judgments) standardized within the group, fused with the standardized outcome at the last step, turned into step advantages by suffix sums.",
  fields: {
    alpha: num(0.1, "α: weight of the standardized step labels", { min: 0 }),
    base: num(0.2, "b: a GOOD step's label +b, a BAD one −b", { min: 0, exclusiveMin: true }),
    separator: separatorField,
  },
  relations: separatorProblem,
  create: (c) => {
    const outcome = (rewards: Float64Array, ids: Int32Array) => groupRelativeAdvantages(rewards, ids, { std: "population", eps: 0 }).advantages;
    return stepRuntime(outcome, (completions, tokenizer) => {
      const sep = separatorId(tokenizer, c.separator);
      const steps = completions.map((s) => tokenSteps(s.tokens, sep));
      const adv = selfAttributionAdvantages(
        completions.map((s, j) => {
          const n = s.tokens.length ? steps[j]![s.tokens.length - 1]! + 1 : 1;
          // a step the judge did not label (none, or fewer labels than steps) counts as BAD
          return { group: s.group, reward: s.reward, good: Array.from({ length: n }, (_, k) => s.stepVerdicts?.[k] === true) };
        }),
        { alpha: c.alpha, base: c.base },
      );
      return completions.map((s, j) => Float32Array.from(steps[j]!, (k) => adv[j]![k]!));
    });
  },
});
