import { int, num } from "../../config/fields.js";
import { problem } from "../../config/problem.js";
import { defineComponent } from "../component.js";
import type { DivergenceRuntime } from "./kl.js";
import { fDivergencePenalty, type FDivergenceKind } from "./f-divergence.js";

/** How a sequence run builds and replays its store of the reference's own samples (DPH-RL). */
export interface RehearsalSettings {
  /** Training prompts pre-sampled from the reference before the first update. */
  readonly prompts: number;
  /** Completions pre-sampled per prompt. */
  readonly samples: number;
  /** A prompt is "solved" (D_pef) when its first `solved` pre-samples are all correct; its correct samples are stored. */
  readonly solved: number;
  /** Stored samples replayed per minibatch. */
  readonly batch: number;
}

/** A divergence estimated on stored reference samples: the settings of its store and its loss. */
export interface RehearsalDivergence extends DivergenceRuntime {
  readonly placement: "rehearsal";
  readonly kind: FDivergenceKind;
  readonly rehearsal: RehearsalSettings;
  /** coef · Σ_t w_t g(u_t) over a rehearsal minibatch (w: 1/tokens, the token mean), gradient into `dLogp`; returns the divergence without coef. */
  loss(logp: Float32Array, refLogp: Float32Array, dLogp: Float32Array): number;
}

export function isRehearsal(d: DivergenceRuntime | null): d is RehearsalDivergence {
  return d?.placement === "rehearsal";
}

const FIELDS = (coef: number) => ({
  coef: num(coef, "c: weight of the divergence (DPH-RL's sft_loss_coeff)", { min: 0 }),
  prompts: int(64, "training prompts pre-sampled from the reference before the first update", { min: 1 }),
  samples: int(8, "completions pre-sampled from the reference per prompt", { min: 1 }),
  solved: int(4, "a prompt joins the rehearsal set (D_pef) when its first `solved` pre-samples are all correct; its correct samples are stored", { min: 1 }),
  batch: int(32, "stored reference samples replayed in every minibatch", { min: 1 }),
});

const METRICS = {
  divergence: { doc: "the divergence to the reference on the last rehearsal minibatch (token mean of g(u), without coef)", over: "last" as const },
  rehearsalPrompts: { doc: "prompts in the rehearsal set (D_pef: solved by the reference)", over: "last" as const },
  rehearsalSamples: { doc: "stored reference samples in the rehearsal set", over: "last" as const },
};

function rehearsal(kind: FDivergenceKind, name: string, formula: string, doc: string, coef: number, alpha?: number) {
  return defineComponent({
    slot: "divergence",
    kind: name,
    formula,
    doc,
    fields: alpha === undefined ? FIELDS(coef) : { ...FIELDS(coef), alpha: num(alpha, "α of the α-divergence", { min: 0, exclusiveMin: true, max: 1 }) },
    metrics: METRICS,
    relations: (c, path) => (c.solved > c.samples ? [problem(`${path}.solved`, "out-of-range", `expected solved ≤ samples (${c.samples}), got ${c.solved}`, { expected: `≤ ${c.samples}`, got: c.solved })] : []),
    create: (c): RehearsalDivergence => ({
      placement: "rehearsal",
      kind,
      coef: c.coef,
      term: null,
      rehearsal: { prompts: c.prompts, samples: c.samples, solved: c.solved, batch: c.batch },
      penalty() {
        throw new Error(`rl.div.${name}() is estimated on stored samples of the reference, not placed in the reward`);
      },
      loss(logp, refLogp, dLogp) {
        const w = 1 / Math.max(1, logp.length);
        return fDivergencePenalty(kind, logp, refLogp, c.coef, () => w, dLogp, (c as { alpha?: number }).alpha ?? 0.2);
      },
    }),
  });
}

const STORE_DOC = "Before the first update the reference samples `samples` completions for each of `prompts` training prompts; prompts whose first `solved` samples are all correct (DPH-RL's D_pef) keep their correct samples with the reference's token log-probs, and every minibatch adds coef · token-mean g(π_θ/π_ref) over `batch` of them (no reference runs online).";

export const forwardKl = rehearsal("forward", "forwardKl", "KL(π_ref ‖ π_θ) ≈ mean over stored y ~ π_ref of u − log u − 1, u = π_θ(y_t)/π_ref(y_t)", `Forward (mass-covering) KL to the reference, estimated on its own stored samples (DPH-RL). ${STORE_DOC}`, 0.01);
export const js = rehearsal("js", "js", "2·JS(π_ref, π_θ) ≈ mean over stored y ~ π_ref of u log u − (u + 1) log((u + 1)/2)", `Jensen–Shannon divergence to the reference on its own stored samples (DPH-RL's js_low_var). ${STORE_DOC}`, 0.05);
export const alphaDivergence = rehearsal("alpha", "alpha", "D_α ≈ mean over stored y ~ π_ref of (u^(1−α) − (1 − α) u − α)/(α(α − 1))", `α-divergence to the reference on its own stored samples (DPH-RL). ${STORE_DOC}`, 0.01, 0.2);
