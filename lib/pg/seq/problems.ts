import { nestedProblems } from "../../config/fields.js";
import { problem, type Problem } from "../../config/problem.js";
import { componentProblems, componentType, createComponent, type Slot } from "../component.js";
import { ENGINE_SETTINGS, type PgConfig } from "../config.js";
import type { PgSpec } from "../spec.js";

const SLOTS: readonly Exclude<Slot, "loss" | "guidance" | "preference" | "constraint">[] = ["collect", "advantage", "divergence", "reference", "aggregation", "optimizer", "schedule"];
const DATASET_TERMS = new Set(["imitation", "offlineCritic", "value"]);

/** Every problem of `spec` as the method of a sequence run (a token policy on a task), as data. */
export function sequenceSpecProblems(spec: PgSpec): Problem[] {
  const p: Problem[] = [];
  if (spec.options) p.push(...nestedProblems(spec.options.values, "algo", spec.options.schema, spec.options.nested ?? {}));
  if (p.length) return p;
  const c: PgConfig = spec.config;
  p.push(...ENGINE_SETTINGS.problems(c.settings, "algo"));
  for (const slot of SLOTS) {
    const comp = c[slot];
    if (comp === null && (slot === "divergence" || slot === "reference")) continue;
    p.push(...componentProblems(comp, slot, `algo.${slot}`));
  }
  if (!Array.isArray(c.loss) || c.loss.length === 0) p.push(problem("algo.loss", "missing", "expected at least one loss term, e.g. .loss(rl.loss.clipped())"));
  else c.loss.forEach((t, i) => p.push(...componentProblems(t, "loss", `algo.loss[${i}]`)));
  if (c.guidance) p.push(...componentProblems(c.guidance, "guidance", "algo.guidance"));
  if (p.length) return p;
  if (c.guidance && (createComponent<{ offPolicyTokens: boolean }, unknown>(c.guidance, {}).offPolicyTokens) && !c.loss.some((t) => t.kind === "offPolicy")) {
    p.push(problem("algo.loss", "incompatible", `rl.guide.${c.guidance.kind}(${JSON.stringify(c.guidance.config)}) trains tokens the policy did not sample in their context (off-policy), which the clipped surrogate leaves out: add rl.loss.offPolicy() to the loss (.addLoss(rl.loss.offPolicy()))`, { expected: "an offPolicy loss term" }));
  }
  if (c.constraint?.length) p.push(problem("algo.constraint", "incompatible", "cost constraints hold an env's per-step costs under a limit; a sequence run's task has no costs (use a reward that scores what you want to limit)", { got: c.constraint.map((k) => k.kind).join(", ") }));
  if (c.collect.kind !== "completions") p.push(problem("algo.collect", "incompatible", `a sequence run samples completions: use rl.collect.completions(), got "${c.collect.kind}"`, { expected: "completions", got: c.collect.kind }));
  const adv = componentType("advantage", c.advantage.kind)!;
  const collectors = (adv.create(c.advantage.config as never, {}) as { collectors: readonly string[] }).collectors;
  if (!collectors.includes("completions")) {
    p.push(problem("algo.advantage", "incompatible", `the ${c.advantage.kind} estimator needs env steps and a critic; a sequence run credits completions by group: rl.adv.groupRelative(), rloo(), reinforcePlusPlus(), asymre() or opmd(), or with a token critic: rl.adv.tokenGae()`, { expected: "a group advantage or tokenGae", got: c.advantage.kind }));
  }
  const groupSize = (c.collect.config as { groupSize?: number }).groupSize;
  if (c.guidance?.kind === "modes" && typeof groupSize === "number" && groupSize % 2 !== 0) {
    p.push(problem("algo.collect.groupSize", "incompatible", `rl.guide.modes() samples half of every group in each thinking mode, so groupSize must be even, got ${groupSize}`, { got: groupSize }));
  }
  if (c.advantage.kind === "hgpo" && c.guidance?.kind !== "modes") {
    p.push(problem("algo.guidance", "incompatible", `rl.adv.hgpo() compares the two thinking modes within each group, so the groups must be sampled half in each mode: add .guidance(rl.guide.modes())${c.guidance ? `, not rl.guide.${c.guidance.kind}()` : ""}`, { expected: "modes", ...(c.guidance ? { got: c.guidance.kind } : {}) }));
  }
  const tokenCritic = c.advantage.kind === "tokenGae";
  if (tokenCritic && !c.loss.some((t) => t.kind === "value")) {
    p.push(problem("algo.loss", "missing", "rl.adv.tokenGae() credits tokens with a critic that rl.loss.value() trains: add it (.addLoss(rl.loss.value({ clip: 0.2 })))", { expected: "a value loss term" }));
  }
  if (tokenCritic && c.guidance) {
    p.push(problem("algo.guidance", "incompatible", `rl.adv.tokenGae() credits each sampled token with a critic; guidance (rl.guide.${c.guidance.kind}()) works on groups and their group advantages: use a group advantage with guidance`, { got: c.guidance.kind }));
  }
  c.loss.forEach((t, i) => {
    if (t.kind === "value" && tokenCritic) return;
    if (DATASET_TERMS.has(t.kind)) p.push(problem(`algo.loss[${i}]`, "incompatible", `rl.loss.${t.kind}() needs a critic or offline env data, which a sequence run does not have${t.kind === "value" ? " unless it credits with a token critic (rl.adv.tokenGae())" : ""}`, { got: t.kind }));
  });
  if (c.reference && !c.divergence) p.push(problem("algo.reference", "incompatible", "a reference policy is only read by a divergence: add .divergence(rl.div.kl(...)) or drop the reference"));
  const emitsKl = c.loss.some((t) => "approxKl" in (componentType("loss", t.kind)?.metrics ?? {}));
  if (typeof c.settings.targetKl === "number" && !emitsKl) p.push(problem("algo.targetKl", "incompatible", "stopping early on the approximate KL needs a loss term that measures it (rl.loss.clipped())", { got: c.settings.targetKl }));
  return p;
}
